//! The Content-Security-Policy of rendered pages: the app's own script and wasm, its inline
//! bootstrap script by nonce, and nothing else.
//!
//! The server's header middleware mints each request's nonce, hands it to the page through the
//! request's extensions ([`PageNonce`]) and sets [`page_csp`] on every HTML answer itself, so
//! the header never depends on the page remembering to set it.

use std::sync::Arc;

use leptos::{nonce::Nonce, prelude::*};

/// This request's CSP nonce, put into the request's extensions by the server.
#[derive(Clone, Debug)]
pub struct PageNonce(pub Arc<str>);

/// The policy of an HTML page whose scripts carry `nonce`. `reload_port` is the websocket port
/// `cargo leptos watch` reloads pages through (development only).
///
/// `form_target`: the origin of an application waiting for this browser's login (OpenID
/// Connect). Without JavaScript the last login form is answered with a redirect to it, and
/// browsers hold such a redirect to `form-action` too.
pub fn page_csp(nonce: &str, reload_port: Option<u32>, form_target: Option<&str>) -> String {
    let reload = reload_port.map(|p| format!(" ws://127.0.0.1:{p} ws://localhost:{p}")).unwrap_or_default();
    let form_target = form_target.filter(|o| is_origin(o)).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; manifest-src 'self'; connect-src 'self'{reload}; \
         form-action 'self'{form_target}; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// `http(s)://host[:port]` and nothing else, so no value can add a directive.
fn is_origin(o: &str) -> bool {
    let Some(rest) = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")) else { return false };
    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// Gives the hydration scripts the nonce the server's policy allows.
pub fn provide_page_nonce() {
    let nonce = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(Nonce::from_value(nonce));
    }
}

#[cfg(test)]
mod tests {
    use super::page_csp;

    #[test]
    fn only_an_origin_widens_form_action() {
        assert!(page_csp("n", None, None).contains("form-action 'self';"));
        assert!(
            page_csp("n", None, Some("https://rp.example:8443"))
                .contains("form-action 'self' https://rp.example:8443;")
        );
        for bad in ["https://rp.example; script-src *", "javascript:x", "https://", "https://rp.example/cb"] {
            assert!(page_csp("n", None, Some(bad)).contains("form-action 'self';"), "{bad}");
        }
    }
}
