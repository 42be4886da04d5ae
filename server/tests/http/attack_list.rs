//! The list of attacks at the top of attacks.rs names the tests that cover each one. This
//! checks that every test it names exists, so a renamed or deleted test cannot leave the list
//! promising coverage that is gone.

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

#[test]
fn every_test_the_attack_list_names_exists() {
    let attacks = include_str!("attacks.rs");
    let names = named_in_header(attacks);
    assert!(names.len() > 20, "the header of attacks.rs lists the tests of each attack: {names:?}");
    let mut missing = Vec::new();
    for name in &names {
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
    assert!(
        missing.is_empty(),
        "the attack list at the top of attacks.rs names {} test(s) that do not exist:\n  {}",
        missing.len(),
        missing.join("\n  ")
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
