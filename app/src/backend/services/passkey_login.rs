//! A passkey at the login challenge (SPEC 14.2): "Authenticate via passkey" after the
//! password. The options name the account's keys and need user verification; the answer is
//! checked against the ceremony kept for this session (once: it is taken) and the account's
//! keys as they are now.
//!
//! An answer that does not pass (another origin's or RP ID's, a replayed one, a removed key,
//! another account's key, no user verification) is a wrong entry: it counts toward the
//! challenge's tries and the account's wrong entries (SPEC 3.3, 4.6), like a wrong code. An
//! answer without a ceremony (never begun, expired, or already answered) counts nothing: the
//! user is asked to start again. A key that passes opens the next challenge on passkeys.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        factor::{
            passkey::{self, Assertion, CEREMONY_SECS, Ceremony},
            step,
        },
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::Secret,
    },
    domain::{mfa::Factor, oidc::Proof},
    wire::{AppError, InputError, passkeys::PasskeyOptions},
};

/// The browser's options for passing this session's login challenge with a passkey.
pub async fn options(state: &AppState, ctx: &RequestCtx) -> Result<PasskeyOptions, AppError> {
    let rp = passkey::relying_party(state)?;
    let (mut tx, step, _, _) = step::login_challenge(state, ctx).await?;
    let keys = store::passkeys::of_user(&mut tx, step.account.id).await?;
    let (options, kept) = passkey::start_assertion(&rp, &keys)?;
    let (kind, expires_at) = (Ceremony::Challenge.as_str(), ctx.now.plus_secs(CEREMONY_SECS));
    store::passkeys::begin_ceremony(&mut tx, &step.session.id_hash, kind, &kept, None, expires_at).await?;
    tx.commit().await?;
    Ok(PasskeyOptions { options: serde_json::to_string(&options).map_err(AppError::internal)? })
}

/// The browser's answer at the login challenge. Returns the new session's token.
pub async fn answer(state: &AppState, ctx: &RequestCtx, answer: &str) -> Result<Secret<String>, AppError> {
    let rp = passkey::relying_party(state)?;
    let (mut tx, step, challenge_id, current) = step::login_entry(state, ctx).await?;
    let user_id = step.account.id;
    let kind = Ceremony::Challenge.as_str();
    let Some(ceremony) = store::passkeys::take_ceremony(&mut tx, &step.session.id_hash, kind, ctx.now).await? else {
        return Err(AppError::Input(InputError::PasskeyNotStarted));
    };
    let keys = store::passkeys::of_user(&mut tx, user_id).await?;
    let asserted = match passkey::finish_assertion(&rp, &ceremony.state, answer, &keys) {
        Ok(Assertion::Passed(asserted)) => asserted,
        Ok(Assertion::Failed) => {
            return step::refuse_code(state, ctx, tx, &step, challenge_id, current).await.map_err(|e| match e {
                AppError::CodeWrong { tries_left } => AppError::PasskeyWrong { tries_left },
                other => other,
            });
        }
        // A garbled answer is no entry: nothing is counted, and the ceremony stays.
        Err(refusal) => return Err(refusal),
    };
    store::passkeys::set_used(
        &mut tx,
        asserted.key_id,
        &asserted.credential,
        asserted.sign_count,
        asserted.backed_up,
        ctx.now,
    )
    .await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PasskeyAccepted { user_id }).await?;
    let token = step::pass_login_challenge(&mut tx, state, ctx, &step, current, Proof::Factor(Factor::Passkey)).await?;
    tx.commit().await?;
    Ok(token)
}
