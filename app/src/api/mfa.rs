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
    /// The account has a paired device: "Authenticate via push approval" is offered.
    pub push_available: bool,
    /// The newest push of this login.
    pub push: Option<crate::domain::push::PushView>,
    /// Pushes left today, when fewer than the warning threshold.
    pub pushes_left: Option<u32>,
}

/// The paired push device, as the settings show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedDevice {
    pub name: String,
    pub paired_at: i64,
    pub paired_at_text: String,
}

/// What pairing a push device shows: the one-use link and its QR code as SVG.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPairing {
    pub link: String,
    pub qr_svg: String,
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

/// "Authentifizierung über Push-Bestätigung" / "Authenticate via push approval".
#[server(prefix = "/api", endpoint = "mfa/push")]
pub async fn send_push() -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::push::send(&state, &ctx).await
}

/// Goes on after the device approved: the login screen calls it when its event stream says
/// so, or the user presses "Weiter" with JavaScript off.
#[server(prefix = "/api", endpoint = "mfa/push/finish")]
pub async fn finish_push() -> Result<(), AppError> {
    use crate::backend::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let token = crate::backend::services::push::finish(&state, &ctx).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&token))?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Pairing a push device, step 1 (behind a TAN every time): the link and its QR code.
#[server(prefix = "/api", endpoint = "push/pairing")]
pub async fn start_push_pairing(tan: Option<String>) -> Result<PushPairing, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::push::start_pairing(&state, &ctx, tan.as_deref().filter(|t| !t.is_empty())).await
}

/// Pairing, step 2, called by the device page: the link's token and the device's public key.
/// The device gets its own long-lived cookie.
#[server(prefix = "/api", endpoint = "device/pair")]
pub async fn pair_device(pairing: String, public_key: String, name: String) -> Result<(), AppError> {
    use crate::backend::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let token = crate::backend::services::push::pair_device(&state, &ctx, &pairing, &public_key, &name).await?;
    super::context::set_cookie(&CookieJar::device(state.config.dev_mode).set_lasting(&token))?;
    Ok(())
}

/// The device's signed answer to a push request: a number, or `deny`.
#[server(prefix = "/api", endpoint = "device/answer")]
pub async fn answer_push(
    request: i64,
    answer: String,
    signature: String,
) -> Result<crate::domain::push::PushState, AppError> {
    use crate::backend::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::NotAuthenticated)?;
    let device = CookieJar::device(state.config.dev_mode).token(&parts.headers).ok_or(AppError::NotAuthenticated)?;
    crate::backend::services::push::answer(&state, &ctx, &device, request, &answer, &signature).await
}

/// The account's paired push device, if any.
#[server(name = GetPairedDevice, prefix = "/api", endpoint = "push/device")]
pub async fn paired_device() -> Result<Option<PairedDevice>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::push::paired_device(&state, &ctx).await
}

/// "Gerät entfernen" / "Remove device": the paired push device can no longer answer.
#[server(prefix = "/api", endpoint = "push/device/remove")]
pub async fn remove_push_device() -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::push::remove_device(&state, &ctx).await
}
