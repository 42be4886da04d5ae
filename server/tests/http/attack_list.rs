//! The list of attacks at the top of attacks.rs, and the tables of bounds in
//! docs/security.md, name the tests that cover each attack and each bound. This checks that
//! every test they name exists (and that every bound names one), so a renamed or deleted test
//! cannot leave a list promising coverage that is gone.

use std::path::{Path, PathBuf};

/// Where the test binary's modules are, one file each.
fn module_file(module: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http").join(format!("{module}.rs"))
}

/// Every backticked span of the `//!` header, in order, each once.
fn named_in_header(source: &str) -> Vec<String> {
    let header: Vec<&str> = source.lines().map_while(|l| l.strip_prefix("//!")).collect();
    let text = header.join("\n");
    assert!(text.matches('`').count().is_multiple_of(2), "an unpaired backtick in the header of attacks.rs");
    let mut names: Vec<String> = Vec::new();
    for (i, span) in text.split('`').enumerate() {
        // The odd pieces are the ones between a pair of backticks.
        if i % 2 == 1 && !names.iter().any(|n| n == span) {
            names.push(span.to_owned());
        }
    }
    names
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

/// What is wrong with each of `names` (`name` for a test of attacks.rs, or `module::name`):
/// not a test name, or no such test.
fn missing_tests(names: &[String]) -> Vec<String> {
    let attacks = include_str!("attacks.rs");
    let mut missing = Vec::new();
    for name in names {
        let (module, test) = name.split_once("::").unwrap_or(("attacks", name));
        if !is_identifier(module) || !is_identifier(test) {
            missing.push(format!("`{name}`: not a test name (`name` or `module::name`)"));
            continue;
        }
        let source = if module == "attacks" {
            attacks.to_owned()
        } else {
            match std::fs::read_to_string(module_file(module)) {
                Ok(source) => source,
                Err(e) => {
                    missing.push(format!("`{name}`: no module file {module}.rs ({e})"));
                    continue;
                }
            }
        };
        if !has_test(&source, test) {
            missing.push(format!("`{name}`: no #[test] or #[tokio::test] fn {test} in {module}.rs"));
        }
    }
    missing
}

#[test]
fn every_test_the_attack_list_names_exists() {
    let names = named_in_header(include_str!("attacks.rs"));
    assert!(names.len() > 20, "the header of attacks.rs lists the tests of each attack: {names:?}");
    let missing = missing_tests(&names);
    assert!(
        missing.is_empty(),
        "the attack list at the top of attacks.rs names {} test(s) that do not exist:\n  {}",
        missing.len(),
        missing.join("\n  ")
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/security.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows = tested_rows(&doc);
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
}

#[test]
fn the_check_tells_tests_from_helpers() {
    let attacks = include_str!("attacks.rs");
    assert!(has_test(attacks, "thirty_parallel_wrong_codes_count_exactly_five"), "#[tokio::test]");
    assert!(has_test(attacks, "kill_9_during_delivery_loses_no_outbox_message_and_no_counter"), "with arguments");
    let startup = std::fs::read_to_string(module_file("startup")).unwrap();
    assert!(has_test(&startup, "bad_databases_and_settings_stop_the_start_with_one_line"), "#[test]");
    assert!(!has_test(attacks, "snapshot"), "a helper is no test");
    assert!(!has_test(attacks, "thirty_parallel_wrong_codes"), "a prefix of a test's name is no test");
    assert!(!has_test(&startup, "start"), "nor is a helper of another module");
}
