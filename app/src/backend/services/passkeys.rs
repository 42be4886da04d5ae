//! Passkeys (SPEC 14).
//!
//! In the settings (14.1): enrolled behind a TAN every time, several per account, each named;
//! listed with when it was made and last used; renamed and removed without a TAN. Every
//! change is audited and e-mailed to the owner.
//!
//! At the login challenge (14.2), "Authenticate via passkey" after the password: the options
//! name the account's keys and need user verification; the answer is checked against the
//! ceremony kept for this session (once: it is taken) and the account's keys as they are now.
//! An answer that does not pass (another origin's or RP ID's, a replayed one, a removed key,
//! another account's key, no user verification) is a wrong entry: it counts toward the
//! challenge's tries and the account's wrong entries (SPEC 3.3, 4.6), like a wrong code. An
//! answer without a ceremony (never begun, expired, or already answered) or a garbled one
//! counts nothing: it cannot pass. A key that passes opens the next challenge on passkeys.
//!
//! The login with a passkey alone (14.2, no password) is [`login`].

pub(crate) mod login;

use crate::{
    backend::{
        audit::{self, AuditEvent, PasskeyChange},
        delivery::outbox,
        factor::{
            passkey::{self, Assertion, CEREMONY_SECS, Ceremony},
            step,
        },
        login::access,
        messages::{self, tan::Authorises},
        request::RequestCtx,
        state::AppState,
        store::{self, passkeys::NewPasskey},
        tan,
        tools::{crypto::Secret, timefmt},
    },
    domain::{mfa::Factor, oidc::Proof, tan::Action, time::Timestamp},
    wire::{
        AppError, InputError,
        passkeys::{PasskeyOptions, PasskeyView},
    },
};

/// The account's passkeys, oldest first.
pub async fn list(state: &AppState, ctx: &RequestCtx) -> Result<Vec<PasskeyView>, AppError> {
    let (mut conn, _, user) = access::member_reading(state, ctx).await?;
    let rows = store::passkeys::of_user(&mut conn, user.id).await?;
    Ok(rows
        .into_iter()
        .map(|r| PasskeyView {
            id: r.id,
            name: r.name,
            created_at_text: timefmt::minute(Timestamp(r.created_at), ctx.lang),
            last_used_at_text: r.last_used_at.map(|t| timefmt::minute(Timestamp(t), ctx.lang)),
        })
        .collect())
}

/// Enrolment, step 1, behind a TAN every time: the browser's options for a new key named
/// `raw_name`. The ceremony waits five minutes for the answer.
pub async fn start(
    state: &AppState,
    ctx: &RequestCtx,
    raw_name: &str,
    tan: Option<&str>,
) -> Result<PasskeyOptions, AppError> {
    let name = passkey::normalise_name(raw_name)?;
    let rp = passkey::relying_party(state)?;
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let description = messages::tan::describe(ctx.lang, Authorises::Passkey);
    let canonical = format!("passkey\n{name}");
    let protected = tan::Protected { action: Action::EnrolAuthenticator, canonical: &canonical, description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    let keys = store::passkeys::of_user(&mut tx, user.id).await?;
    let (options, kept) = passkey::start_enrolment(&rp, state, user.id, &user.email, &keys)?;
    let kind = Ceremony::Enrol.as_str();
    let expires_at = ctx.now.plus_secs(CEREMONY_SECS);
    store::passkeys::begin_ceremony(&mut tx, &session.id_hash, kind, &kept, Some(&name), expires_at).await?;
    tx.commit().await?;
    Ok(PasskeyOptions { options: serde_json::to_string(&options).map_err(AppError::internal)? })
}

/// Enrolment, step 2: the browser's answer. A key that proves itself is stored under the
/// name given in step 1; the owner gets an e-mail.
pub async fn finish(state: &AppState, ctx: &RequestCtx, answer: &str) -> Result<(), AppError> {
    let rp = passkey::relying_party(state)?;
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let kind = Ceremony::Enrol.as_str();
    let ceremony = store::passkeys::take_ceremony(&mut tx, &session.id_hash, kind, ctx.now).await?;
    let Some(ceremony) = ceremony else {
        return Err(AppError::Input(InputError::PasskeyNotStarted));
    };
    let name = ceremony.name.unwrap_or_default();
    // The ceremony is used up whatever the answer: a wrong one needs a new TAN.
    let key = match passkey::finish_enrolment(&rp, &ceremony.state, answer) {
        Ok(key) => key,
        Err(refusal) => return state.refuse(tx, refusal).await,
    };
    let credential = serde_json::to_string(&key).map_err(AppError::internal)?;
    let new =
        NewPasskey { user_id: user.id, credential_id: key.cred_id().as_slice(), name: &name, credential: &credential };
    if store::passkeys::insert(&mut tx, new, ctx.now).await?.is_none() {
        return state.refuse(tx, AppError::Input(InputError::PasskeyTaken)).await;
    }
    changed(&mut tx, ctx, user.id, &user.email, PasskeyChange::Added, &name).await?;
    Ok(state.commit(tx).await?)
}

/// Renames one of the account's passkeys.
pub async fn rename(state: &AppState, ctx: &RequestCtx, id: i64, raw_name: &str) -> Result<(), AppError> {
    let name = passkey::normalise_name(raw_name)?;
    let mut tx = state.writer.begin().await?;
    let (_, user) = access::member(&mut tx, state, ctx).await?;
    if !store::passkeys::rename(&mut tx, user.id, id, &name).await? {
        return Err(AppError::Input(InputError::PasskeyUnknown));
    }
    changed(&mut tx, ctx, user.id, &user.email, PasskeyChange::Renamed, &name).await?;
    Ok(state.commit(tx).await?)
}

/// Removes one of the account's passkeys (no TAN: removing a factor gives an attacker
/// nothing). It passes nothing after.
pub async fn remove(state: &AppState, ctx: &RequestCtx, id: i64) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let (_, user) = access::member(&mut tx, state, ctx).await?;
    let Some(name) = store::passkeys::delete(&mut tx, user.id, id).await? else {
        return Err(AppError::Input(InputError::PasskeyUnknown));
    };
    // A TAN ceremony begun before offers the removed key too: it is void (SPEC 14.3).
    tx.later(store::tans::void_passkey_ceremonies(user.id));
    changed(&mut tx, ctx, user.id, &user.email, PasskeyChange::Removed, &name).await?;
    Ok(state.commit(tx).await?)
}

/// A change's audit event and the owner's e-mail, in the change's transaction.
async fn changed(
    tx: &mut crate::backend::db::WriteTx,
    ctx: &RequestCtx,
    user_id: i64,
    email: &str,
    change: PasskeyChange,
    name: &str,
) -> Result<(), sqlx::Error> {
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::PasskeyChanged { user_id, change }).await?;
    outbox::email_to(tx, email, messages::passkey_changed_notice(ctx.lang, change, name), ctx.now).await
}

/// The browser's options for passing this session's login challenge with a passkey.
pub async fn challenge_options(state: &AppState, ctx: &RequestCtx) -> Result<PasskeyOptions, AppError> {
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
pub async fn use_at_challenge(state: &AppState, ctx: &RequestCtx, answer: &str) -> Result<Secret<String>, AppError> {
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
    store::passkeys::set_used(&mut tx, asserted.as_use(), ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PasskeyAccepted { user_id }).await?;
    let token = step::pass_login_challenge(&mut tx, state, ctx, &step, current, Proof::Factor(Factor::Passkey)).await?;
    tx.commit().await?;
    Ok(token)
}
