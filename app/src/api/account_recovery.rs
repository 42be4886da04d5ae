//! Getting back into an account: the forgotten password (SPEC 6.3) and the check of a
//! phone-reset link (SPEC 6.2).

use leptos::prelude::*;

use crate::wire::AppError;

/// "Forgot password": always answers the same, whether or not an account has the address.
#[server(prefix = "/api", endpoint = "password/forgot")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::account_recovery::request_password_reset(&state, &ctx, &email).await?;
    // The page says what happened, with or without JavaScript.
    leptos_axum::redirect("/password/forgot?sent=1");
    Ok(())
}

/// Follows a forgotten-password link (a button, so mail scanners that open links do not use
/// it up): the MFA challenge comes next.
#[server(prefix = "/api", endpoint = "password/reset")]
pub async fn follow_password_reset(token: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::account_recovery};
    let (state, ctx) = super::context::request()?;
    let session = account_recovery::follow_password_reset(&state, &ctx, &token).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&session))?;
    leptos_axum::redirect("/mfa");
    Ok(())
}

/// Whether a phone-reset link is still good (its page shows the login form only then).
#[server(name = CheckPhoneResetLink, prefix = "/api", endpoint = "phone/reset/check")]
pub async fn check_phone_reset_link(token: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::account_recovery::check_phone_reset_link(&state, &ctx, &token).await
}

/// The new password after the challenge; every session ends, the user logs in again.
#[server(prefix = "/api", endpoint = "password/new")]
pub async fn set_new_password(password: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::account_recovery, tools::crypto::Secret};
    let (state, ctx) = super::context::request()?;
    account_recovery::set_new_password(&state, &ctx, Secret::new(password)).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).clear())?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}
