//! The push factor (SPEC 3.1, 3.5, 4.1): at the login challenge a push creates a request with
//! a two-digit number for the login screen and three choices for the paired device; only the
//! right number approves. A request lives `push::TTL_SECS` (two minutes); one waits per
//! login, and after a denied or expired one the next waits like a resend (30 s). Pushes have
//! their own quota (20 a rolling 24 h, reset by a login), and the one past it locks the
//! account for 24 h.
//!
//! Pairing and the device's answers are the use cases of `services::push`.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::Rng;

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db,
        delivery::web_push,
        limits::account_lock,
        limits::quota_window::{self, Sends},
        request::RequestCtx,
        state::AppState,
        store::{self, Conn},
        tools::crypto::{Purpose, Secret},
    },
    domain::{
        push::{self, PushState, PushView},
        quota::{self, QuotaDecision},
        time::Timestamp,
    },
    wire::AppError,
};

/// What asking for a push came to. The caller commits in every case.
#[derive(Debug)]
pub enum PushSent {
    /// A new request went to the device.
    Sent,
    /// A request of this login is still waiting (or approved): nothing new was sent.
    Waiting,
    /// Not now: the countdown runs, or the quota is used up (and the account now locked).
    Refused(AppError),
}

/// Tells every open event stream of the account (its device, its login screens), on every
/// instance, to look again. Call after the commit.
pub fn notify(state: &AppState, user_id: i64) {
    state.push_events.publish(user_id);
}

/// Pushes left today, when fewer than the warning threshold (SPEC 4.3).
pub async fn left_to_show(
    conn: &mut Conn,
    state: &AppState,
    user_id: i64,
    now: Timestamp,
) -> Result<Option<u32>, sqlx::Error> {
    let policy = &state.config.policy;
    let used = quota_window::shown(conn, policy, user_id, Sends::Pushes, now).await?;
    Ok(quota::remaining_to_show(used, policy.login_codes_per_channel, policy.quota_warning_below))
}

/// The keyed hash a device's cookie token is stored as.
pub fn device_hash(state: &AppState, token: &Secret<String>) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::PushDevice, token.expose().as_bytes())
}

/// The account and public key of the device holding the cookie `token`.
pub async fn device(conn: &mut Conn, state: &AppState, token: &Secret<String>) -> Result<(i64, Vec<u8>), AppError> {
    store::push::device_by_token(conn, &device_hash(state, token)).await?.ok_or(AppError::NotAuthenticated)
}

/// Whether the account has a paired device.
pub async fn paired(conn: &mut Conn, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(store::push::device_of_user(conn, user_id).await?.is_some())
}

/// Sends a push for the login in progress in `session_hash`, under the push quota. A request
/// still pending for this login is kept (asking again does not send another). The caller commits
/// either way: a refusal may carry the lock of a push one past the quota.
pub async fn create_request(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    session_hash: &[u8],
) -> Result<PushSent, AppError> {
    let latest = store::push::newest_of_session(tx, session_hash).await?;
    let policy = &state.config.policy;
    if let Some(latest) = latest {
        // One waiting (or approved, not yet used) push per login: asking again sends nothing.
        if matches!(
            PushState::of(&latest.state, latest.expires_at, ctx.now.0),
            PushState::Pending | PushState::Approved
        ) && latest.state != "used"
        {
            return Ok(PushSent::Waiting);
        }
        // After a denied or expired push, the next one waits like a resend (SPEC 3.2).
        let wait = crate::domain::mfa::cooldown_left(Timestamp(latest.created_at), ctx.now, policy);
        if wait > 0 {
            return Ok(PushSent::Refused(AppError::Cooldown { retry_after_secs: wait }));
        }
    }
    let used = quota_window::usage(tx, policy, user_id, Sends::Pushes, ctx.now).await?;
    if let QuotaDecision::Exceeded { .. } =
        quota::decide(used, policy.login_codes_per_channel, ctx.now, policy.quota_window_secs)
    {
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::PushQuotaExceeded { user_id }).await?;
        return Ok(PushSent::Refused(account_lock::lock(tx, state, ctx, user_id).await?));
    }
    let (number, offered, nonce) = {
        let mut rng = rand::rngs::OsRng;
        let (number, offered) = push::choices(|n| rng.gen_range(0..n));
        let nonce: [u8; 16] = rng.r#gen();
        (number, offered, URL_SAFE_NO_PAD.encode(nonce))
    };
    let choices = offered.map(|n| n.to_string()).join(",");
    let ip = ctx.ip.to_string();
    let request = store::push::NewRequest {
        user_id,
        session_hash,
        nonce: &nonce,
        number: i64::from(number),
        choices: &choices,
        ip: &ip,
        created_at: ctx.now,
        expires_at: ctx.now.plus_secs(push::TTL_SECS),
    };
    let request_id = store::push::insert_request(tx, &request).await?;
    let payload = serde_json::json!({ "kind": "login", "id": request_id, "at": ctx.now.0, "ip": ip });
    web_push::notify_device(tx, user_id, &payload, ctx.now).await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::PushSent { user_id, request_id }).await?;
    Ok(PushSent::Sent)
}

/// The newest push of the login in progress in `session_hash`.
pub async fn view_of_session(
    conn: &mut Conn,
    session_hash: &[u8],
    now: Timestamp,
) -> Result<Option<PushView>, sqlx::Error> {
    let row = store::push::newest_of_session(conn, session_hash).await?;
    Ok(row.map(|r| {
        let state = PushState::of(&r.state, r.expires_at, now.0);
        PushView {
            number: u8::try_from(r.number).unwrap_or(0),
            state,
            expires_in_secs: if state == PushState::Pending { r.expires_at - now.0 } else { 0 },
        }
    }))
}

/// A push the device denied counts as a wrong entry of the account (SPEC 4.6), and as a
/// failed try of the login challenge it was sent for if that login is still open, so denied
/// pushes cannot be sent without end.
pub async fn count_denied(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    session_hash: &[u8],
) -> Result<(), AppError> {
    use super::{step, wrong_entries};
    use crate::domain::mfa::{ChallengeState, Purpose};
    // Pushes exist only at the login challenge, so the session's challenge is a login's.
    match step::challenge_of(tx, session_hash).await?.filter(|c| matches!(c.state(), ChallengeState::Open { .. })) {
        Some(c) => drop(step::count_failure(tx, state, ctx, user_id, Purpose::Login, c.id, c.state()).await?),
        None => wrong_entries::record(tx, ctx, user_id)?,
    }
    Ok(())
}
