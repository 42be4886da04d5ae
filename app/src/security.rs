//! The Content-Security-Policy of rendered pages: the app's own script and wasm, its inline
//! bootstrap script by nonce, and nothing else.

use http::{HeaderValue, header};
use leptos::{config::LeptosOptions, nonce::use_nonce, prelude::*};
use leptos_axum::ResponseOptions;

use crate::backend::AppState;

/// Generates this response's nonce and sets the CSP header that allows it.
pub fn provide_nonce_and_csp(options: &LeptosOptions) {
    leptos::nonce::provide_nonce();
    let Some(nonce) = use_nonce() else { return };
    let dev = use_context::<AppState>().is_some_and(|s| s.config.dev_mode);
    // `cargo leptos watch` reloads the page through a websocket on the reload port.
    let reload =
        if dev { format!(" ws://127.0.0.1:{0} ws://localhost:{0}", options.reload_port) } else { String::new() };
    let csp = format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'{reload}; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    );
    if let (Some(res), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&csp)) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}
