//! Server functions, one file per area, named like the service it calls
//! (`api/totp.rs` → `backend/services/totp.rs`); their request and response types live in the
//! file of the same name in `wire`. Pages import the functions from here and the types from
//! `wire`: nothing is re-exported.
//!
//! Each function is thin: it reads the session and client IP from the request, calls one
//! backend service and maps the error.

pub mod account_recovery;
pub mod accounts;
pub mod auth;
pub mod challenge;
#[cfg(feature = "ssr")]
mod context;
pub mod oidc_login;
pub mod overview;
pub mod passkeys;
pub mod portal;
pub mod push;
pub mod recovery_codes;
pub mod registration;
pub mod settings;
pub mod support;
pub mod totp;
pub mod web_push;

#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, path::Path};

    /// The `.rs` files of `dir` without the extension, less `skip`.
    fn modules(dir: &Path, skip: &[&str]) -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().to_str()?.strip_suffix(".rs").map(str::to_owned))
            .filter(|m| !skip.contains(&m.as_str()))
            .collect()
    }

    /// The module names right after `prefix` in `text`, as in `wire::{AppError, totp::X}` or
    /// `services::totp::start`.
    fn named_after(text: &str, prefix: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for (i, _) in text.match_indices(prefix) {
            let rest = &text[i + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find(';').unwrap_or(group.len())];
                for part in group.split(|c: char| c == ',' || c == '{' || c.is_whitespace()) {
                    if let Some((module, _)) = part.split_once("::") {
                        names.insert(module.to_owned());
                    }
                }
            } else if rest.starts_with(|c: char| c.is_ascii_lowercase()) {
                names.insert(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
            }
        }
        names
    }

    /// What a reader who opens `api/totp.rs` is promised: its service is
    /// `backend/services/totp.rs` and no other, and its types are in `wire/totp.rs`.
    #[test]
    fn api_wire_and_services_line_up_by_file_name() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let api = modules(&src.join("api"), &["mod", "context"]);
        let wire = modules(&src.join("wire"), &["mod", "error"]);
        let services = modules(&src.join("backend/services"), &["mod"]);
        assert!(api.len() > 10, "found only {api:?}");
        let mut offences = Vec::new();
        for m in &api {
            if !services.contains(m) {
                offences.push(format!("api/{m}.rs has no backend/services/{m}.rs"));
            }
            let text = std::fs::read_to_string(src.join(format!("api/{m}.rs"))).unwrap();
            for (layer, names) in
                [("services", named_after(&text, "services::")), ("wire", named_after(&text, "wire::"))]
            {
                for other in names.iter().filter(|n| *n != m) {
                    offences.push(format!("api/{m}.rs names {layer}::{other}"));
                }
            }
        }
        for m in wire.difference(&api) {
            offences.push(format!("wire/{m}.rs has no api/{m}.rs"));
        }
        assert!(offences.is_empty(), "{}", offences.join("\n"));
    }
}
