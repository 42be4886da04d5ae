//! docs/security.md names the tests that cover each bound (its tables of bounds) and each
//! attack (its section "Attacks and the tests that try them"). This checks that every test it
//! names exists (and that every bound and every attack names one), so a renamed or deleted test
//! cannot leave a list promising coverage that is gone; and that the attack list names every
//! test of the attack suite and of the concurrency tests, so a new one cannot go unlisted.

use std::{
    ops::Range,
    path::{Path, PathBuf},
};

/// The heading of the attack list in docs/security.md.
const ATTACK_LIST: &str = "## Attacks and the tests that try them";

/// The modules whose every test the attack list names: the attack suite, and the parallel
/// requests against each bound.
const ATTACK_SUITE: [&str; 2] = ["attacks", "concurrency"];

/// Where the test binary's modules are, one file each.
fn module_file(module: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http").join(format!("{module}.rs"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn security_documentation() -> String {
    read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/security.md"))
}

/// Where the section under the heading line `heading` is in `doc`: from the line after it up
/// to the next heading of the same or a higher level.
fn section_at(doc: &str, heading: &str) -> Option<Range<usize>> {
    let level = |line: &str| {
        let hashes = line.len() - line.trim_start_matches('#').len();
        (hashes > 0 && line[hashes..].starts_with(' ')).then_some(hashes)
    };
    let own = level(heading)?;
    let mut lines = doc.split_inclusive('\n');
    let mut start = 0;
    for line in lines.by_ref() {
        start += line.len();
        if line.trim_end() == heading {
            let mut end = start;
            for line in lines {
                if level(line).is_some_and(|l| l <= own) {
                    break;
                }
                end += line.len();
            }
            return Some(start..end);
        }
    }
    None
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Whether `source` has `fn name(` (or `async fn name(`) under a `#[test]` or
/// `#[tokio::test…]` attribute: among the attribute and comment lines right above it.
fn has_test(source: &str, name: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let signature = format!("fn {name}(");
    lines.iter().enumerate().any(|(at, line)| {
        let line = line.trim_start();
        if !line.strip_prefix("async ").unwrap_or(line).starts_with(&signature) {
            return false;
        }
        lines[..at]
            .iter()
            .rev()
            .map(|l| l.trim())
            .take_while(|l| !l.is_empty() && !l.ends_with('}') && !l.ends_with(';') && !l.ends_with('{'))
            .any(|l| l.starts_with("#[tokio::test") || l.starts_with("#[test]"))
    })
}

/// The names of the tests in `source`, in order.
fn tests_in(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line.strip_prefix("async ").unwrap_or(line).strip_prefix("fn ")?;
            let name = &rest[..rest.find(['(', '<'])?];
            (is_identifier(name) && has_test(source, name)).then(|| name.to_owned())
        })
        .collect()
}

/// What is wrong with each of `names` (`module::name`): not a test name, or no such test.
fn missing_tests(names: &[String]) -> Vec<String> {
    let mut missing = Vec::new();
    for name in names {
        let Some((module, test)) = name.split_once("::").filter(|(m, t)| is_identifier(m) && is_identifier(t)) else {
            missing.push(format!("`{name}`: not a test name (`module::name`)"));
            continue;
        };
        let source = match std::fs::read_to_string(module_file(module)) {
            Ok(source) => source,
            Err(e) => {
                missing.push(format!("`{name}`: no module file {module}.rs ({e})"));
                continue;
            }
        };
        if !has_test(&source, test) {
            missing.push(format!("`{name}`: no #[test] or #[tokio::test] fn {test} in {module}.rs"));
        }
    }
    missing
}

/// The attack list of docs/security.md names, for each attack, the tests that try it: every
/// one exists, and every test of the attack suite is among them.
#[test]
fn the_attack_list_names_every_attack_test_and_only_tests_that_exist() {
    let doc = security_documentation();
    let at = section_at(&doc, ATTACK_LIST).unwrap_or_else(|| panic!("docs/security.md has no section {ATTACK_LIST:?}"));
    let list = &doc[at];
    assert!(list.matches('`').count().is_multiple_of(2), "an unpaired backtick in the attack list of docs/security.md");
    let rows = tested_rows(list);
    let untested: Vec<&String> = rows.iter().filter(|(_, names)| names.is_empty()).map(|(what, _)| what).collect();
    assert!(untested.is_empty(), "attacks in docs/security.md without a test: {untested:?}");
    let mut names: Vec<String> = Vec::new();
    for name in rows.into_iter().flat_map(|(_, names)| names) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    assert!(names.len() > 20, "the attack list of docs/security.md names the tests of each attack: {names:?}");
    let missing = missing_tests(&names);
    assert!(
        missing.is_empty(),
        "the attack list in docs/security.md names {} test(s) that do not exist:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
    let unnamed: Vec<String> = ATTACK_SUITE
        .iter()
        .flat_map(|module| {
            tests_in(&read(&module_file(module))).into_iter().map(move |test| format!("{module}::{test}"))
        })
        .filter(|test| !names.contains(test))
        .collect();
    assert!(
        unnamed.is_empty(),
        "the attack list in docs/security.md does not name {} test(s) of the attack suite; add each to the row of the \
         attack it tries:\n  {}",
        unnamed.len(),
        unnamed.join("\n  ")
    );
}

/// The rows of every Markdown table in `doc` whose last column is headed "tests": the first
/// cell and the backticked spans of the last cell.
fn tested_rows(doc: &str) -> Vec<(String, Vec<String>)> {
    let cells =
        |line: &str| -> Vec<String> { line.trim().trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect() };
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in doc.lines() {
        if !line.trim_start().starts_with('|') {
            in_table = false;
            continue;
        }
        let row = cells(line);
        if row.iter().all(|c| c.chars().all(|ch| ch == '-' || ch == ':')) {
            continue;
        }
        if !in_table {
            in_table = row.last().is_some_and(|c| c == "tests");
            continue;
        }
        let last = row.last().cloned().unwrap_or_default();
        let names = last.split('`').skip(1).step_by(2).map(str::to_owned).collect();
        rows.push((row[0].clone(), names));
    }
    rows
}

/// docs/security.md gives every secret a caller can present, and every write an anonymous
/// caller can cause, the tests that try to exceed its bound: each row names at least one, and
/// each named test exists.
#[test]
fn every_bound_in_the_security_documentation_names_tests_that_exist() {
    let doc = security_documentation();
    // The attack list has a tests column too; it is checked on its own.
    let bounds = match section_at(&doc, ATTACK_LIST) {
        Some(at) => format!("{}{}", &doc[..at.start], &doc[at.end..]),
        None => doc,
    };
    let rows = tested_rows(&bounds);
    assert!(rows.len() >= 15, "the tables of bounds have a row per secret: {rows:?}");
    let untested: Vec<&String> = rows.iter().filter(|(_, names)| names.is_empty()).map(|(what, _)| what).collect();
    assert!(untested.is_empty(), "rows of docs/security.md without a test: {untested:?}");
    let names: Vec<String> = rows.into_iter().flat_map(|(_, names)| names).collect();
    let missing = missing_tests(&names);
    assert!(
        missing.is_empty(),
        "docs/security.md names {} test(s) that do not exist:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn the_table_reader_takes_the_tests_column_of_tables_headed_tests() {
    let doc =
        "| a | tests |\n|---|---|\n| one | `m::x`, `m::y` |\n| two | |\n\ntext\n| b | c |\n|---|---|\n| z | `m::q` |\n";
    let rows = tested_rows(doc);
    assert_eq!(
        rows,
        vec![("one".to_owned(), vec!["m::x".to_owned(), "m::y".to_owned()]), ("two".to_owned(), Vec::new())]
    );
    // A section runs from its heading to the next heading of its level or a higher one.
    let doc = "# T\n## A\nbefore\n## B\nb\n### B.1\nb1\n#not a heading\n## C\nc\n";
    assert_eq!(section_at(doc, "## B").map(|at| &doc[at]), Some("b\n### B.1\nb1\n#not a heading\n"));
    assert_eq!(section_at(doc, "## C").map(|at| &doc[at]), Some("c\n"));
    assert_eq!(section_at(doc, "## D"), None);
}

#[test]
fn the_check_tells_tests_from_helpers() {
    let attacks = include_str!("attacks.rs");
    let concurrency = include_str!("concurrency.rs");
    assert!(has_test(concurrency, "thirty_parallel_wrong_codes_count_exactly_five"), "#[tokio::test]");
    assert!(has_test(attacks, "kill_9_during_delivery_loses_no_outbox_message_and_no_counter"), "with arguments");
    let startup = std::fs::read_to_string(module_file("startup")).unwrap();
    assert!(has_test(&startup, "bad_databases_and_settings_stop_the_start_with_one_line"), "#[test]");
    assert!(!has_test(attacks, "snapshot"), "a helper is no test");
    assert!(!has_test(concurrency, "thirty_parallel_wrong_codes"), "a prefix of a test's name is no test");
    assert!(!has_test(&startup, "start"), "nor is a helper of another module");
    let listed = tests_in(attacks);
    assert!(listed.iter().any(|t| t == "kill_9_during_delivery_loses_no_outbox_message_and_no_counter"), "{listed:?}");
    assert!(!listed.iter().any(|t| t == "snapshot" || t == "streamed"), "helpers are not listed: {listed:?}");
    assert_eq!(tests_in(attacks).len(), attacks.matches("#[tokio::test").count(), "every test, once: {listed:?}");
}
