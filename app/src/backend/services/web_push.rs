//! Web Push to the paired device (SPEC 15.1): the device page registers the push
//! subscription its browser made for Riegel's VAPID key, and the settings page shows whether
//! the device receives push.
//!
//! Rules:
//! - Only the paired device (its cookie) registers a subscription; a new one replaces the
//!   earlier, and pairing a device anew forgets it.
//! - The endpoint must be a push service on the allowed list and not Riegel's own host
//!   (`domain::push_service`); the keys must be a P-256 point and a 16-byte secret (RFC 8291).
//!   Anything else is refused and nothing is stored.
//! - What is sent, and a subscription the push service reports gone, are `delivery::web_push`.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    backend::{
        audit::{self, AuditEvent},
        delivery::{providers::Provider, web_push},
        factor::push as factor_push,
        login::access,
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::Secret,
    },
    domain::{channel::Channel, mfa, push_service, time::Timestamp},
    wire::{AppError, InputError, web_push::PushReception},
};

/// The VAPID public key (base64url) a device subscribes with.
pub fn vapid_public_key(state: &AppState) -> Result<String, AppError> {
    match &state.providers.web_push {
        Provider::WebPush(pusher) => Ok(pusher.public_key().to_owned()),
        Provider::Dev(_) | Provider::Smtp(_) | Provider::SmsGateway(_) | Provider::Unconfigured => {
            Err(AppError::internal("no Web Push provider"))
        }
    }
}

/// The host of Riegel's public origin, which no endpoint may name.
fn own_host(state: &AppState) -> String {
    push_service::host_of(&state.config.link_origin).unwrap_or_default()
}

/// The device holding `device_token` registers its subscription.
pub async fn subscribe(
    state: &AppState,
    ctx: &RequestCtx,
    device_token: &Secret<String>,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> Result<(), AppError> {
    let refused = || AppError::Input(InputError::PushSubscriptionRefused);
    let endpoint = endpoint.trim();
    push_service::check(endpoint, &state.config.push_services, &own_host(state)).map_err(|_| refused())?;
    let point = URL_SAFE_NO_PAD.decode(p256dh.trim()).ok().filter(|k| p256::PublicKey::from_sec1_bytes(k).is_ok());
    let secret = URL_SAFE_NO_PAD.decode(auth.trim()).ok().filter(|a| a.len() == 16);
    if point.is_none() || secret.is_none() {
        return Err(refused());
    }
    let mut tx = state.writer.begin().await?;
    let (user_id, _) = factor_push::device(&mut tx, state, device_token).await?;
    store::web_push::set(&mut tx, user_id, endpoint, p256dh.trim(), auth.trim(), ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PushSubscribed { user_id }).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the logged-in account's device receives push.
pub async fn reception(state: &AppState, ctx: &RequestCtx) -> Result<PushReception, AppError> {
    let (mut conn, _, user) = access::member_reading(state, ctx).await?;
    let row = store::web_push::of_user(&mut conn, user.id).await?;
    Ok(match row {
        None => PushReception::NoDevice,
        Some(s) => match (s.push_subscribed_at, s.push_ended_at) {
            (_, Some(at)) => PushReception::Ended { at },
            (Some(since), None) => PushReception::Receiving { since },
            (None, None) => PushReception::NotSubscribed,
        },
    })
}

/// "Testbenachrichtigung senden": a push to the device that names no request. One per resend
/// countdown (30 s) and subscription.
pub async fn send_test(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let (_, user) = access::member(&mut tx, state, ctx).await?;
    let live = store::web_push::of_user(&mut tx, user.id).await?.filter(|s| s.push_ended_at.is_none());
    let Some(endpoint) = live.and_then(|s| s.push_endpoint) else {
        return Err(AppError::Input(InputError::MethodUnavailable));
    };
    let policy = &state.config.policy;
    let since = Timestamp(ctx.now.0 - policy.resend_cooldown_secs);
    if let Some(last) = store::outbox::last_made_to(&mut tx, Channel::WebPush, &endpoint, since).await? {
        let wait = mfa::cooldown_left(Timestamp(last), ctx.now, policy);
        return Err(AppError::Cooldown { retry_after_secs: wait.max(1) });
    }
    let payload = serde_json::json!({ "kind": "test", "at": ctx.now.0 });
    web_push::notify_device(&mut tx, user.id, &payload, ctx.now).await?;
    Ok(state.commit(tx).await?)
}
