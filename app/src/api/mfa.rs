//! MFA setup and the login challenge (SPEC 2.2–2.4, 3, 4).

pub use crate::wire::mfa::*;
use leptos::prelude::*;

use super::AppError;

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
    let (state, ctx) = super::context::request()?;
    let token = crate::backend::services::push::finish(&state, &ctx).await?;
    let next = super::context::logged_in(&state, &ctx, &token, "/").await?;
    leptos_axum::redirect(&next);
    Ok(())
}

/// Pairing a push device, step 1 (behind a TAN every time): the link and its QR code.
#[server(prefix = "/api", endpoint = "push/pairing")]
pub async fn start_push_pairing(tan: Option<String>) -> Result<PushPairing, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::push::start_pairing(&state, &ctx, tan.as_deref().filter(|t| !t.is_empty())).await
}

/// Pairing, step 2, called by the device page: the link's token and the device's public key.
/// The device gets its own long-lived cookie. A browser that is a paired device already sends
/// `replace`, the confirmation its page showed, or nothing is replaced.
#[server(prefix = "/api", endpoint = "device/pair")]
pub async fn pair_device(
    pairing: String,
    public_key: String,
    name: String,
    replace: Option<String>,
) -> Result<(), AppError> {
    use crate::backend::login::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    let device = CookieJar::device(state.config.dev_mode).token(&parts.headers);
    let token = crate::backend::services::push::pair_device(
        &state,
        &ctx,
        &pairing,
        &public_key,
        &name,
        device.as_ref(),
        replace.as_deref().filter(|r| !r.is_empty()),
    )
    .await?;
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
    use crate::backend::login::sessions::CookieJar;
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
