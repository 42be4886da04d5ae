//! The MFA steps at setup and at the login challenge (SPEC 2.2–2.4, 3, 4): what the MFA page
//! shows, the phone at setup, resend, "Authenticate via X", and a code, an app's code or a
//! recovery code typed at the challenge.

use leptos::prelude::*;

use crate::wire::{AppError, challenge::MfaStatus};

#[server(name = GetMfaStatus, prefix = "/api", endpoint = "mfa/status")]
pub async fn mfa_status() -> Result<MfaStatus, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::challenge::status(&state, &ctx).await
}

/// Setup step 1: the mobile number; sends a code to it.
#[server(prefix = "/api", endpoint = "mfa/setup")]
pub async fn start_setup(phone: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::challenge::start_setup(&state, &ctx, &phone).await
}

/// "Erneut senden" / "Resend".
#[server(prefix = "/api", endpoint = "mfa/resend")]
pub async fn resend_code() -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::challenge::resend(&state, &ctx).await
}

/// "Authentifizierung über X" / "Authenticate via X".
#[server(prefix = "/api", endpoint = "mfa/switch")]
pub async fn switch_method(method: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::challenge::switch_method(&state, &ctx, &method).await
}

/// The typed code. Success sets the new session cookie and goes on: to the start page, or
/// after a forgotten-password link to the new-password form.
#[server(prefix = "/api", endpoint = "mfa/verify")]
pub async fn verify_code(code: String) -> Result<(), AppError> {
    use crate::backend::login::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let passed = crate::backend::services::challenge::verify(&state, &ctx, &code).await?;
    let next = match passed.next {
        "/" => super::context::logged_in(&state, &ctx, &passed.token, "/").await?,
        next => {
            super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&passed.token))?;
            next.to_owned()
        }
    };
    leptos_axum::redirect(&next);
    Ok(())
}

/// "Wiederherstellungscode verwenden" / "Use a recovery code" at the login challenge; the
/// start page then says how many codes are left.
#[server(prefix = "/api", endpoint = "mfa/recovery")]
pub async fn use_recovery_code(code: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let (token, left) = crate::backend::services::challenge::use_recovery_code(&state, &ctx, &code).await?;
    let next = super::context::logged_in(&state, &ctx, &token, &format!("/?recovery_left={left}")).await?;
    leptos_axum::redirect(&next);
    Ok(())
}

/// The code from the authenticator app at the login challenge.
#[server(prefix = "/api", endpoint = "mfa/totp")]
pub async fn use_totp(code: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let token = crate::backend::services::challenge::use_totp(&state, &ctx, &code).await?;
    let next = super::context::logged_in(&state, &ctx, &token, "/").await?;
    leptos_axum::redirect(&next);
    Ok(())
}
