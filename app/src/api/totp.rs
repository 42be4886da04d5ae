//! Enrolling an authenticator app (SPEC 3.1); its code at the login challenge is
//! `challenge::use_totp`.

use leptos::prelude::*;

use crate::wire::{AppError, totp::TotpEnrolment};

/// Enrolling an authenticator app, step 1 (behind a TAN every time): the secret and QR code.
#[server(prefix = "/api", endpoint = "totp/start")]
pub async fn start_totp(tan: Option<String>) -> Result<TotpEnrolment, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::totp::start(&state, &ctx, tan.as_deref().filter(|t| !t.is_empty())).await
}

/// Enrolling an authenticator app, step 2: its first code.
#[server(prefix = "/api", endpoint = "totp/confirm")]
pub async fn confirm_totp(code: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::totp::confirm(&state, &ctx, &code).await
}
