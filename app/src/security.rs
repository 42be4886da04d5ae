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
pub fn page_csp(nonce: &str, reload_port: Option<u32>) -> String {
    let reload = reload_port.map(|p| format!(" ws://127.0.0.1:{p} ws://localhost:{p}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; manifest-src 'self'; connect-src 'self'{reload}; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Gives the hydration scripts the nonce the server's policy allows.
pub fn provide_page_nonce() {
    let nonce = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(Nonce::from_value(nonce));
    }
}
