//! The site's static files (`server/src/assets.rs`): the compressed copy the browser asks for,
//! a year's cache for content-hashed names, and pages never cached.

use std::fs;

use crate::harness::{Client, TestApp, ip};

const HASHED: &str = "riegel.Yq0B2n5Xc1mN3dW9zK7aTQ.wasm";

/// A site folder as `cargo leptos build --release --split --precompress` leaves it, with
/// contents that say which copy was sent.
fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    fs::create_dir(&pkg).unwrap();
    fs::write(pkg.join(HASHED), "the plain copy").unwrap();
    fs::write(pkg.join(format!("{HASHED}.br")), "the brotli copy").unwrap();
    fs::write(pkg.join(format!("{HASHED}.gz")), "the gzip copy").unwrap();
    fs::write(pkg.join("riegel.css"), "main { }").unwrap();
    site
}

#[tokio::test]
async fn a_hashed_file_is_sent_in_the_encoding_asked_for_and_kept_for_a_year() {
    let site = site();
    let app = TestApp::start_with_site(site.path()).await;
    let client = Client::new(&app, ip(1));
    let path = format!("/pkg/{HASHED}");
    for (accept, body, encoding) in [
        ("gzip, deflate, br, zstd", "the brotli copy", Some("br")),
        ("gzip", "the gzip copy", Some("gzip")),
        ("identity", "the plain copy", None),
    ] {
        let res = client.get_with(&path, &[("accept-encoding", accept)]).await;
        assert_eq!(res.status, 200, "{accept}");
        assert_eq!(res.body, body, "{accept}");
        assert_eq!(res.header(http::header::CONTENT_ENCODING).as_deref(), encoding, "{accept}");
        assert_eq!(res.header(http::header::CACHE_CONTROL).as_deref(), Some("public, max-age=31536000, immutable"));
        assert_eq!(res.header(http::header::VARY).as_deref(), Some("accept-encoding"));
        assert_eq!(res.header(http::header::CONTENT_TYPE).as_deref(), Some("application/wasm"));
    }
}

#[tokio::test]
async fn a_file_without_a_hash_is_asked_for_again_and_pages_are_never_stored() {
    let site = site();
    let app = TestApp::start_with_site(site.path()).await;
    let client = Client::new(&app, ip(1));
    let css = client.get("/pkg/riegel.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header(http::header::CACHE_CONTROL).as_deref(), Some("no-cache"));
    let page = client.get("/login").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header(http::header::CACHE_CONTROL).as_deref(), Some("no-store"));
    // The pages rendered outside Leptos link the same stylesheet (unhashed here: no hash file).
    for page in ["/device", "/dev/outbox"] {
        let body = client.get(page).await.body;
        assert!(body.contains(r#"<link rel="stylesheet" href="/pkg/riegel.css">"#), "{page}: {body}");
    }
    let missing = client.get("/pkg/riegel.Zz0B2n5Xc1mN3dW9zK7aTQ.wasm").await;
    assert_eq!(missing.status, 404);
}
