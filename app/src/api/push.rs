//! Push approval (SPEC 3.5): the push at the login challenge, pairing a device, and the
//! device's answers. The event streams are plain HTTP (`server::push`).

use leptos::prelude::*;

use crate::wire::{
    AppError,
    push::{PairedDevice, PushPairing},
};

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
