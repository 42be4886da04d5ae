//! `Accept-Language` and `Cookie` as a browser (or an attacker) sends them: the language is
//! always one Riegel speaks, and a session token read from the cookies is one whole value.
#![no_main]

use app::backend::{request::lang_of, login::sessions::CookieJar};
use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let mut headers = HeaderMap::new();
    for name in [header::COOKIE, header::ACCEPT_LANGUAGE, header::COOKIE] {
        if let Some(v) = parts.next().and_then(|p| HeaderValue::from_bytes(p).ok()) {
            headers.append(name, v);
        }
    }
    let _ = lang_of(&headers);
    for dev in [true, false] {
        if let Some(token) = CookieJar::session(dev).token(&headers) {
            let t = token.expose();
            assert!(!t.is_empty() && !t.contains(';'), "{t:?}");
        }
    }
});
