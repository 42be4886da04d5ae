//! The confirmation of a transaction another application asks for through OpenID Connect
//! (`authorization_details`, SPEC 11.3). The protocol endpoints themselves are plain HTTP
//! (`server::oidc`); these two serve Riegel's confirmation page.

use leptos::prelude::*;

use crate::wire::{AppError, oidc_login::Confirmation};

/// The transaction waiting for this browser's confirmation, `None` when there is none.
#[server(name = GetWaitingConfirmation, prefix = "/api", endpoint = "oidc/waiting")]
pub async fn waiting_confirmation() -> Result<Option<Confirmation>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::oidc_login::waiting_confirmation(&state, &ctx).await
}

/// Asked without a TAN: a TAN SMS naming the transaction (428). With the right TAN: back to
/// the application with a code that carries the confirmed transaction. A login older than the
/// application allows (or without the second factor it asked for) goes to a new login.
#[server(prefix = "/api", endpoint = "oidc/confirm")]
pub async fn confirm_for_application(tan: Option<String>) -> Result<(), AppError> {
    use crate::backend::services::oidc_login::{self, Confirmed};
    let (state, ctx) = super::context::request()?;
    // The confirmation page is a plain form (an island there would weigh 18 KiB in every page's
    // wasm, docs/performance.md): it cannot run a passkey's ceremony, so its TANs come by SMS,
    // the fallback of every way (SPEC 5.8). A passkey's answer is still taken here.
    let tan = tan.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "sms".to_owned());
    match oidc_login::confirm(&state, &ctx, Some(&tan)).await? {
        Confirmed::Application(url) => {
            super::context::forget_waiting_request(state.config.dev_mode)?;
            leptos_axum::redirect(&url);
        }
        Confirmed::LogIn(next) => leptos_axum::redirect(next.path()),
    }
    Ok(())
}
