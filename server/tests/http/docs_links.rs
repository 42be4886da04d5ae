//! README.md is a map and docs/ holds the documents it points to. This checks that the map and
//! the documents stay connected: every relative link names a file that exists, every `#anchor`
//! names a heading of its document (GitHub's slugs), and every document in docs/ is linked from
//! the README, so a renamed file or heading cannot leave a link pointing nowhere. The source
//! files the documents name by path in code (`backend/limits/sms_cap.rs`) must exist too, so a
//! moved module cannot leave its old path in a table.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// The repository's root: the server crate's parent.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The documents checked: README.md and every Markdown file of docs/, as paths from the root.
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![PathBuf::from("README.md")];
    let dir = root().join("docs");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut in_docs: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .filter_map(|path| path.file_name().map(|name| Path::new("docs").join(name)))
        .collect();
    in_docs.sort();
    docs.extend(in_docs);
    docs
}

/// The lines of `doc` outside fenced code blocks (``` or ~~~), each with its line number.
fn prose_lines(doc: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for (at, line) in doc.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => lines.push((at + 1, line)),
            _ => {}
        }
    }
    lines
}

/// `line` without its code spans (text between backticks), which are never links or markup.
fn without_code_spans(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// GitHub's anchor of a heading: lower case, spaces to '-', every other character dropped
/// that is not a letter, a digit, '-' or '_'.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of every ATX heading (`#` to `######`) of `doc`, outside code blocks; a repeated
/// slug gets `-1`, `-2`, … as on GitHub.
fn anchors(doc: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (_, line) in prose_lines(doc) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        let Some(text) = line.get(hashes..) else { continue };
        if !(1..=6).contains(&hashes) || !(text.is_empty() || text.starts_with(' ')) {
            continue;
        }
        let text = text.trim().trim_end_matches('#').trim().replace('`', "");
        let base = slug(&text);
        let mut anchor = base.clone();
        let mut n = 0;
        while found.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        found.insert(anchor);
    }
    found
}

/// Every link target of `doc` outside code: inline links and images `[text](target)`, and
/// reference definitions `[name]: target`; each with its line number.
fn link_targets(doc: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    for (number, line) in prose_lines(doc) {
        let line = without_code_spans(line);
        let definition = line.trim_start().strip_prefix('[').and_then(|rest| rest.split_once("]:"));
        if let Some((_, after)) = definition.filter(|(label, _)| !label.contains(']')) {
            if let Some(target) = after.split_whitespace().next() {
                targets.push((number, target.trim_matches(['<', '>']).to_owned()));
            }
            continue;
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let inside = rest[..end].trim();
            let target = if let Some(angled) = inside.strip_prefix('<') {
                angled.split('>').next().unwrap_or_default()
            } else {
                inside.split_whitespace().next().unwrap_or_default()
            };
            targets.push((number, target.to_owned()));
            rest = &rest[end..];
        }
    }
    targets
}

/// Whether a link leaves the repository (a URL with a scheme, or protocol-relative).
fn is_external(target: &str) -> bool {
    target.starts_with("//")
        || target.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// `path` with its `.` and `..` steps taken, or None when it climbs above the root.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for part in path.components() {
        match part {
            Component::Normal(name) => parts.push(name),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

/// Where a link from the document at `from` (a path from the root) points: the file, from the
/// root, and the anchor if any.
fn resolve(from: &Path, target: &str) -> Option<(PathBuf, Option<String>)> {
    let (file, anchor) = match target.split_once('#') {
        Some((file, anchor)) => (file, Some(anchor.to_owned())),
        None => (target, None),
    };
    let file = if file.is_empty() {
        from.to_path_buf()
    } else {
        normalise(&from.parent().unwrap_or(Path::new("")).join(file.replace("%20", " ")))?
    };
    Some((file, anchor))
}

/// What is wrong with the links of the documents `docs` (paths from the root), reading each
/// file through `read` (None: no such file) and asking `exists` about other targets.
fn broken_links(
    docs: &[PathBuf],
    read: &dyn Fn(&Path) -> Option<String>,
    exists: &dyn Fn(&Path) -> bool,
) -> Vec<String> {
    let mut broken = Vec::new();
    for doc in docs {
        let Some(text) = read(doc) else {
            broken.push(format!("{}: cannot be read", doc.display()));
            continue;
        };
        for (line, target) in link_targets(&text) {
            if target.is_empty() {
                broken.push(format!("{}:{line}: an empty link", doc.display()));
                continue;
            }
            if is_external(&target) {
                continue;
            }
            let at = format!("{}:{line}: `{target}`", doc.display());
            let Some((file, anchor)) = resolve(doc, &target) else {
                broken.push(format!("{at} points outside the repository"));
                continue;
            };
            let Some(anchor) = anchor else {
                if !exists(&file) {
                    broken.push(format!("{at}: no file {}", file.display()));
                }
                continue;
            };
            if file.extension().is_none_or(|ext| ext != "md") {
                broken.push(format!("{at}: an anchor into {}, which is not Markdown", file.display()));
                continue;
            }
            match read(&file) {
                None => broken.push(format!("{at}: no file {}", file.display())),
                Some(linked) if !anchors(&linked).contains(&anchor) => {
                    broken.push(format!("{at}: no heading with the anchor #{anchor} in {}", file.display()))
                }
                Some(_) => {}
            }
        }
    }
    broken
}

/// The documents of docs/ that README.md does not link to.
fn unlinked_from_readme(readme: &str, docs: &[PathBuf]) -> Vec<PathBuf> {
    let linked: BTreeSet<PathBuf> = link_targets(readme)
        .into_iter()
        .filter_map(|(_, target)| resolve(Path::new("README.md"), &target))
        .map(|(file, _)| file)
        .collect();
    docs.iter().filter(|doc| doc.starts_with("docs") && !linked.contains(*doc)).cloned().collect()
}

/// The source files `doc` names by path in a code span outside code blocks, each with its line
/// number: a span with a `/` that ends in `.rs`, or in `.rs::item` (`backend/limits/network.rs`,
/// `domain/oidc.rs`, `server/tests/http/attack_list.rs`).
fn named_source_files(doc: &str) -> Vec<(usize, String)> {
    let mut named = Vec::new();
    for (number, line) in prose_lines(doc) {
        for span in line.split('`').skip(1).step_by(2) {
            let path = span.split("::").next().unwrap_or_default();
            if path.contains('/') && path.ends_with(".rs") && !path.contains(char::is_whitespace) {
                named.push((number, path.to_owned()));
            }
        }
    }
    named
}

/// The source files the documents `docs` name that do not exist: a path is read from the root,
/// or from `app/src/` (the documents write `backend/…` and `domain/…` for the app's modules).
fn missing_source_files(
    docs: &[PathBuf],
    read: &dyn Fn(&Path) -> Option<String>,
    exists: &dyn Fn(&Path) -> bool,
) -> Vec<String> {
    let mut missing = Vec::new();
    for doc in docs {
        let text = read(doc).unwrap_or_default();
        for (line, path) in named_source_files(&text) {
            if !exists(Path::new(&path)) && !exists(&Path::new("app/src").join(&path)) {
                missing.push(format!("{}:{line}: `{path}`: no such file", doc.display()));
            }
        }
    }
    missing
}

fn read_from_root(path: &Path) -> Option<String> {
    std::fs::read_to_string(root().join(path)).ok()
}

#[test]
fn every_relative_link_and_anchor_of_the_readme_and_docs_leads_somewhere() {
    let docs = documents();
    assert!(docs.len() >= 2, "README.md and docs/*.md: {docs:?}");
    let broken = broken_links(&docs, &read_from_root, &|path| root().join(path).exists());
    assert!(broken.is_empty(), "{} broken link(s):\n  {}", broken.len(), broken.join("\n  "));
}

#[test]
fn the_readme_links_to_every_document_in_docs() {
    let docs = documents();
    let readme = read_from_root(Path::new("README.md")).unwrap_or_default();
    let unlinked = unlinked_from_readme(&readme, &docs);
    assert!(unlinked.is_empty(), "README.md does not link to {unlinked:?}: add each to its table of documents");
}

#[test]
fn every_source_file_the_readme_and_docs_name_by_path_exists() {
    let docs = documents();
    let named: usize = docs.iter().map(|doc| named_source_files(&read_from_root(doc).unwrap_or_default()).len()).sum();
    assert!(named >= 20, "the documents name their modules by path; found only {named}");
    let missing = missing_source_files(&docs, &read_from_root, &|path| root().join(path).is_file());
    assert!(missing.is_empty(), "{} stale path(s):\n  {}", missing.len(), missing.join("\n  "));
}

#[test]
fn headings_get_githubs_anchors() {
    assert_eq!(slug("Where is the rule …?"), "where-is-the-rule-");
    assert_eq!(slug("The portal and the TAN system (SPEC 5, 7)"), "the-portal-and-the-tan-system-spec-5-7");
    assert_eq!(slug("Step-up: a fresh second factor"), "step-up-a-fresh-second-factor");
    assert_eq!(slug("`./x test` on a new_machine"), "x-test-on-a-new_machine");
    let doc = "# Riegel\n## Setup\n```sh\n# not a heading\n```\n## Setup\n#nohash\n### `x` steps ###\n";
    let found: Vec<String> = anchors(doc).into_iter().collect();
    assert_eq!(found, ["riegel", "setup", "setup-1", "x-steps"]);
}

#[test]
fn the_check_finds_missing_files_headings_and_documents() {
    let files = [
        ("README.md", "# Riegel\nSee [use](docs/use.md#pages), [gone](docs/gone.md), [site](https://a.example).\n"),
        (
            "docs/use.md",
            "# Use\n## Pages\n[back](../README.md#riegel) [self](#nowhere) [up](../../x) `[code](no.md)`\n",
        ),
        (
            "docs/more.md",
            "# More\n```\n[fenced](missing.md)\n```\n![picture](screenshots/a.png)\n[ref]: ../README.md#no\n",
        ),
    ];
    let read = |path: &Path| files.iter().find(|(name, _)| Path::new(name) == path).map(|(_, text)| text.to_string());
    let exists = |path: &Path| read(path).is_some() || path == Path::new("docs/screenshots/a.png");
    let docs: Vec<PathBuf> = files.iter().map(|(name, _)| PathBuf::from(name)).collect();
    let broken = broken_links(&docs, &read, &exists);
    assert_eq!(
        broken,
        [
            "README.md:2: `docs/gone.md`: no file docs/gone.md",
            "docs/use.md:3: `#nowhere`: no heading with the anchor #nowhere in docs/use.md",
            "docs/use.md:3: `../../x` points outside the repository",
            "docs/more.md:6: `../README.md#no`: no heading with the anchor #no in README.md",
        ]
    );
    assert_eq!(unlinked_from_readme(files[0].1, &docs), [PathBuf::from("docs/more.md")]);
}

#[test]
fn the_check_finds_a_source_file_named_at_its_old_path() {
    let doc = "# Security\n| bound | `backend/sms_cap.rs::network_of`, `domain/quota.rs` | `tests/` |\n\
               ```\nbackend/fenced.rs\n```\n`server/src/lib.rs` and `x.rs` and `a path/with space.rs`\n";
    let read = |path: &Path| (path == Path::new("docs/security.md")).then(|| doc.to_owned());
    let exists = |path: &Path| [Path::new("app/src/domain/quota.rs"), Path::new("server/src/lib.rs")].contains(&path);
    let named: Vec<String> = named_source_files(doc).into_iter().map(|(_, path)| path).collect();
    assert_eq!(named, ["backend/sms_cap.rs", "domain/quota.rs", "server/src/lib.rs"]);
    assert_eq!(
        missing_source_files(&[PathBuf::from("docs/security.md")], &read, &exists),
        ["docs/security.md:2: `backend/sms_cap.rs`: no such file"]
    );
}
