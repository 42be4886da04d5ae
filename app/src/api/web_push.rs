//! Web Push to the paired device (SPEC 15.1): the device page's subscription and the VAPID key
//! it subscribes with; whether the device receives push.

use leptos::prelude::*;

use crate::wire::{AppError, web_push::PushReception};

/// The VAPID public key (base64url) the device page subscribes with.
#[server(prefix = "/api", endpoint = "device/vapid-key")]
pub async fn vapid_key() -> Result<String, AppError> {
    let (state, _) = super::context::request()?;
    crate::backend::services::web_push::vapid_public_key(&state)
}

/// The paired device's push subscription (`PushSubscription.toJSON()`'s endpoint and keys).
#[server(prefix = "/api", endpoint = "device/push-subscription")]
pub async fn subscribe_device(endpoint: String, p256dh: String, auth: String) -> Result<(), AppError> {
    use crate::backend::login::sessions::CookieJar;
    let (state, ctx) = super::context::request()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::NotAuthenticated)?;
    let device = CookieJar::device(state.config.dev_mode).token(&parts.headers).ok_or(AppError::NotAuthenticated)?;
    crate::backend::services::web_push::subscribe(&state, &ctx, &device, &endpoint, &p256dh, &auth).await
}

/// Whether the account's paired device receives push.
#[server(name = GetPushReception, prefix = "/api", endpoint = "push/reception")]
pub async fn push_reception() -> Result<PushReception, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::web_push::reception(&state, &ctx).await
}

/// "Testbenachrichtigung senden" / "Send a test notification".
#[server(prefix = "/api", endpoint = "push/test")]
pub async fn send_test_push() -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::web_push::send_test(&state, &ctx).await
}
