//! The end of every successful login (SPEC 1.4, 1.5, 4.2), whichever factor passed it: the
//! request's IP becomes the account's trusted IP, the daily limits reset, the factor is
//! remembered for the next challenge, a set of recovery codes not yet shown after an MFA setup
//! is no longer offered (it belonged to that setup's session), and the session gets a new id at
//! the next stage (no fixation). The phone reset's end (6.2) is here too: it completes a login with a new phone.

use super::sessions;
use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{LockKey, WriteTx},
        delivery::outbox,
        messages,
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::Secret,
    },
    domain::{login::LoginState, mask, mfa::Factor, oidc::Proof},
    wire::AppError,
};

/// Completes a login in the caller's transaction; returns the new session's token. `proof`
/// is what passed it; `codes_due` says a first MFA setup's recovery codes are to be shown to
/// the new session. Every write goes with the commit (`db::batch`): the account's row in one
/// statement, the old session's end (its challenge and codes with it) and the new session's
/// row.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    old_session_hash: &[u8],
    stage: LoginState,
    proof: Proof,
    codes_due: bool,
) -> Result<Secret<String>, AppError> {
    let factor = match proof {
        Proof::Factor(f) => Some(f),
        Proof::PasskeyAlone => Some(Factor::Passkey),
        Proof::Password | Proof::RecoveryCode => None,
    };
    tx.holds(&LockKey::Account(user_id))?;
    tx.later(store::users::complete_login(user_id, &ctx.ip.to_string(), factor, codes_due, ctx.now));
    if !old_session_hash.is_empty() {
        sessions::end_later(tx, old_session_hash);
    }
    let token = sessions::create_later(tx, &state.keys, user_id, stage, ctx.ip, ctx.now, proof);
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::LoginSucceeded { user_id, factor }).await?;
    Ok(token)
}

/// The end of a phone reset (SPEC 6.2), after [`complete`]: every other session ends (their
/// TAN sessions with them), and a notice goes to the e-mail address. `ending` is the session
/// the reset completed: `complete` ends it with the commit, and the new session is written
/// then too, so neither is among the others counted here.
pub async fn phone_reset_done(
    tx: &mut WriteTx,
    ctx: &RequestCtx,
    user_id: i64,
    ending: &[u8],
    phone: &str,
) -> Result<(), AppError> {
    let other_sessions_ended = store::sessions::delete_others_of_user(tx, user_id, ending).await?;
    let address = store::users::email_of(tx, user_id).await?;
    let phone_masked = mask::phone(phone);
    let text = messages::phone_reset_notice(ctx.lang, &phone_masked);
    outbox::email_to(tx, &address, text, ctx.now).await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::PhoneReset { user_id, phone_masked, other_sessions_ended })
        .await?;
    Ok(())
}
