//! MFA setup and the login challenge (SPEC 2.2–2.4, 3, 4).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::domain::mfa::Method;

/// The flow an MFA step belongs to (headings, step indicator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaFlow {
    Login,
    /// Step 3 of the self-registration.
    Registration,
    /// After the invited colleague set a password.
    Invitation,
    /// A new phone after a support phone-reset link.
    PhoneReset,
    /// The challenge of a forgotten-password link.
    PasswordReset,
}

/// What the MFA pages show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub flow: MfaFlow,
    /// Setting up MFA (true) or answering the login challenge (false).
    pub setup: bool,
    /// The channel of the current code; `None` while setup has no number yet.
    pub method: Option<Method>,
    /// Where the code went, masked.
    pub destination: Option<String>,
    /// The "Authenticate via X" links.
    pub other_methods: Vec<Method>,
    /// Seconds until "Resend" is allowed.
    pub cooldown_secs: i64,
    /// Codes left today on this channel, when fewer than the warning threshold.
    pub codes_left: Option<u32>,
    /// The daily quota `codes_left` is part of.
    pub codes_total: u32,
    /// Wrong entries left in this challenge.
    pub tries_left: u32,
    /// Too many wrong codes: a new code must be requested.
    pub exhausted: bool,
    /// The account has an authenticator app: its code is accepted here.
    pub totp: bool,
    /// A code was sent in this challenge (not so when it opened on the authenticator app).
    pub code_sent: bool,
}

/// What enrolling an authenticator app shows: the secret (base32, to type in), the
/// `otpauth://` URL and its QR code as SVG.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    pub secret: String,
    pub url: String,
    pub qr_svg: String,
}

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
    use crate::backend::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let passed = crate::backend::services::challenge::verify(&state, &ctx, &code).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&passed.token))?;
    leptos_axum::redirect(passed.next);
    Ok(())
}

/// "Wiederherstellungscode verwenden" / "Use a recovery code" at the login challenge; the
/// start page then says how many codes are left.
#[server(prefix = "/api", endpoint = "mfa/recovery")]
pub async fn use_recovery_code(code: String) -> Result<(), AppError> {
    use crate::backend::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let (token, left) = crate::backend::services::challenge::use_recovery_code(&state, &ctx, &code).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&token))?;
    leptos_axum::redirect(&format!("/?recovery_left={left}"));
    Ok(())
}

/// The code from the authenticator app at the login challenge.
#[server(prefix = "/api", endpoint = "mfa/totp")]
pub async fn use_totp(code: String) -> Result<(), AppError> {
    use crate::backend::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let token = crate::backend::services::challenge::use_totp(&state, &ctx, &code).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&token))?;
    leptos_axum::redirect("/");
    Ok(())
}

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

/// The recovery codes due after MFA setup, once; `None` once shown.
#[server(name = GetDueRecoveryCodes, prefix = "/api", endpoint = "mfa/recovery-codes")]
pub async fn due_recovery_codes() -> Result<Option<Vec<String>>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::recovery_codes::due(&state, &ctx).await
}

/// A new set of recovery codes, behind a TAN every time.
#[server(prefix = "/api", endpoint = "mfa/recovery-codes/new")]
pub async fn new_recovery_codes(tan: Option<String>) -> Result<Vec<String>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::recovery_codes::renew(&state, &ctx, tan.as_deref().filter(|t| !t.is_empty())).await
}
