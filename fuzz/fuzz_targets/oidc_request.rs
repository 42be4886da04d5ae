//! An application's authorization request (query string) and its client credentials
//! (`Authorization: Basic`): an accepted request always asks for `openid`, binds a public
//! client to PKCE and any client to PKCE or a nonce, and keeps every value within 512 bytes.
#![no_main]

use app::{backend::input::iban, domain::oidc::check_request};
use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;
use server::oidc::{Pairs, basic_credentials};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let public = flags & 1 == 1;
    if flags & 2 == 2 {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(rest) {
            headers.insert(header::AUTHORIZATION, v);
            if let Some(Ok((id, secret))) = basic_credentials(&headers) {
                let _ = (id.len(), secret.len());
            }
        }
        return;
    }
    let Ok(query) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(rest) else { return };
    let pairs = Pairs(query);
    if pairs.repeated().is_some() {
        return;
    }
    if let Ok(req) = check_request(&pairs, "app", "https://app.example/cb", public, &iban::electronic) {
        assert!(req.scope.split(' ').any(|s| s == "openid"), "{:?}", req.scope);
        assert!(!public || req.code_challenge.is_some(), "public client without PKCE");
        assert!(req.code_challenge.is_some() || req.nonce.is_some(), "neither PKCE nor nonce");
        for v in [&req.state, &req.nonce, &req.login_hint].into_iter().flatten() {
            assert!(v.len() <= 512, "a value of {} bytes", v.len());
        }
    }
});
