//! Passkeys (SPEC 14): the settings' list and changes, and a passkey at the login challenge.
//! A ceremony is two calls: the options for the browser's credentials API, then its answer
//! (the `PublicKeyCredential` as JSON).

use leptos::prelude::*;

use crate::wire::{
    AppError,
    passkeys::{LoginCeremony, PasskeyOptions, PasskeyView},
};

/// The account's passkeys, oldest first.
#[server(name = GetPasskeys, prefix = "/api", endpoint = "passkeys")]
pub async fn passkeys() -> Result<Vec<PasskeyView>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::passkeys::list(&state, &ctx).await
}

/// Enrolling a passkey, step 1 (behind a TAN every time): the options for `name`.
#[server(prefix = "/api", endpoint = "passkeys/start")]
pub async fn start_passkey(name: String, tan: Option<String>) -> Result<PasskeyOptions, AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = tan.as_deref().filter(|t| !t.is_empty());
    crate::backend::services::passkeys::start(&state, &ctx, &name, tan).await
}

/// Enrolling a passkey, step 2: the browser's answer.
#[server(prefix = "/api", endpoint = "passkeys/finish")]
pub async fn finish_passkey(answer: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::passkeys::finish(&state, &ctx, &answer).await
}

#[server(prefix = "/api", endpoint = "passkeys/rename")]
pub async fn rename_passkey(id: i64, name: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::passkeys::rename(&state, &ctx, id, &name).await
}

/// Removing a passkey needs no TAN.
#[server(prefix = "/api", endpoint = "passkeys/remove")]
pub async fn remove_passkey(id: i64) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::passkeys::remove(&state, &ctx, id).await
}

/// "Authenticate via passkey" at the login challenge: the options naming the account's keys.
#[server(prefix = "/api", endpoint = "mfa/passkey/options")]
pub async fn passkey_challenge_options() -> Result<PasskeyOptions, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::passkeys::challenge_options(&state, &ctx).await
}

/// Whether the login page offers "Log in with a passkey": only where Riegel is reached by a
/// domain name (WebAuthn knows no IP address as relying party).
#[server(prefix = "/api", endpoint = "login/passkey/offered")]
pub async fn passkey_login_offered() -> Result<bool, AppError> {
    let (state, _) = super::context::request()?;
    Ok(crate::backend::services::passkeys::login::offered(&state))
}

/// "Log in with a passkey" (no password): the options naming no key, and the sealed
/// ceremony to send back with the answer.
#[server(prefix = "/api", endpoint = "login/passkey/options")]
pub async fn passkey_login_options() -> Result<LoginCeremony, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::passkeys::login::start(&state, &ctx)
}

/// The browser's answer to a login with a passkey alone, with its ceremony; a key that passes
/// logs in.
#[server(prefix = "/api", endpoint = "login/passkey")]
pub async fn log_in_with_passkey(ceremony: String, answer: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let token = crate::backend::services::passkeys::login::log_in(&state, &ctx, &ceremony, &answer).await?;
    let next = super::context::logged_in(&state, &ctx, &token, "/").await?;
    leptos_axum::redirect(&next);
    Ok(())
}

/// The browser's answer at the login challenge; a key that passes logs the session in.
#[server(prefix = "/api", endpoint = "mfa/passkey")]
pub async fn use_passkey(answer: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let token = crate::backend::services::passkeys::use_at_challenge(&state, &ctx, &answer).await?;
    let next = super::context::logged_in(&state, &ctx, &token, "/").await?;
    leptos_axum::redirect(&next);
    Ok(())
}
