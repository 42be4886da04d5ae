//! The end of every successful login (SPEC 1.4, 1.5, 4.2), whichever factor passed it: the
//! request's IP becomes the account's trusted IP, the daily limits reset, the factor is
//! remembered for the next challenge, a set of recovery codes not yet shown after an MFA setup
//! is no longer offered (it belonged to that setup's session), and the session gets a new id at
//! the next stage (no fixation). The phone reset's end (6.2) is here too: it completes a login with a new phone.

use crate::backend::db::WriteTx;

use super::sessions;
use crate::{
    backend::{
        audit::{self, AuditEvent},
        delivery::outbox,
        limits::quota_window,
        messages,
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::Secret,
    },
    domain::{login::LoginState, mask, oidc::Proof},
    wire::AppError,
};

/// Completes a login in the caller's transaction; returns the new session's token. `proof`
/// is what passed it.
pub async fn complete(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    old_session_hash: &[u8],
    stage: LoginState,
    proof: Proof,
) -> Result<Secret<String>, AppError> {
    let factor = match proof {
        Proof::Factor(f) => Some(f),
        Proof::Password | Proof::RecoveryCode => None,
    };
    store::users::set_trusted_ip_and_factor(tx, user_id, &ctx.ip.to_string(), factor).await?;
    quota_window::reset(tx, user_id, ctx.now).await?;
    store::sessions::delete_by_hash(tx, old_session_hash).await?;
    let token = sessions::create_proven(tx, &state.keys, user_id, stage, ctx.ip, ctx.now, proof).await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::LoginSucceeded { user_id, factor }).await?;
    Ok(token)
}

/// The end of a phone reset (SPEC 6.2): every other session ends (their TAN sessions with
/// them; the new session has none), and a notice goes to the e-mail address.
pub async fn phone_reset_done(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    token: &Secret<String>,
    phone: &str,
) -> Result<(), AppError> {
    let keep = sessions::id_hash(&state.keys, token);
    let other_sessions_ended = store::sessions::delete_others_of_user(tx, user_id, &keep).await?;
    let address = store::users::email_of(tx, user_id).await?;
    let phone_masked = mask::phone(phone);
    let text = messages::phone_reset_notice(ctx.lang, &phone_masked);
    outbox::email_to(tx, &address, text, ctx.now).await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::PhoneReset { user_id, phone_masked, other_sessions_ended })
        .await?;
    Ok(())
}
