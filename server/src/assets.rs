//! The static files of the site: their hashed names and how long browsers keep them.
//!
//! A release build (`cargo leptos build --release`, `hash-files = true`) names every file of
//! `pkg/` after its content (`riegel.<hash>.wasm`) and writes the hashes to `hash.txt` beside
//! the server binary; `--precompress` leaves a `.br` and a `.gz` of each beside it, which the
//! static file service picks by the request's `Accept-Encoding`. A hashed file never changes, so
//! browsers keep it for a year without asking again; everything else is asked for each time.

use std::path::PathBuf;

use leptos::config::LeptosOptions;

/// Turns hashed file names on when the build left its hash file beside the running binary, so
/// the binary serves the names its build made whether or not `LEPTOS_HASH_FILES` is set.
pub fn with_hashed_files(mut options: LeptosOptions) -> LeptosOptions {
    if !options.hash_files && hash_file(&options).is_some_and(|p| p.is_file()) {
        options.hash_files = true;
    }
    options
}

fn hash_file(options: &LeptosOptions) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(options.hash_file.as_ref()))
}

/// The stylesheet's address, for the pages rendered outside Leptos (device, dev outbox). Read
/// from the hash file on each call, as Leptos's own `HashedStylesheet` does for every page:
/// these two pages are rare, and each state keeps its own options.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    let hash = options
        .hash_files
        .then(|| hash_file(options))
        .flatten()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| text.lines().find_map(|l| l.trim().strip_prefix("css:").map(|h| format!(".{}", h.trim()))))
        .unwrap_or_default();
    format!("/{}/{}{hash}.css", options.site_pkg_dir, options.output_name)
}

/// The `Cache-Control` of a static file under `/pkg/`: a year for a content-hashed name,
/// otherwise the browser asks again (and gets 304 while it is unchanged).
pub fn cache_control(path: &str) -> &'static str {
    if is_hashed(path) { "public, max-age=31536000, immutable" } else { "no-cache" }
}

/// cargo-leptos puts an MD5 in unpadded base64url (22 characters) between name and extension;
/// the split loader's unhashed placeholder name is 22 underscores.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split('.').any(|part| {
        part.len() == 22
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && part.bytes().any(|b| b.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_names_are_kept_for_a_year() {
        let year = "public, max-age=31536000, immutable";
        assert_eq!(cache_control("/pkg/riegel.Yq0B2n5Xc1mN3dW9zK7aTQ.wasm"), year);
        assert_eq!(cache_control("/pkg/riegel.Yq0B2n5Xc1mN3dW9zK7aTQ.wasm.br"), year);
        assert_eq!(cache_control("/pkg/__wasm_split.a-0B2n5Xc1mN3dW9zK7a_Q.js"), year);
        assert_eq!(cache_control("/pkg/riegel.wasm"), "no-cache");
        assert_eq!(cache_control("/pkg/riegel.css"), "no-cache");
        assert_eq!(cache_control("/pkg/__wasm_split.______________________.js"), "no-cache");
    }
}
