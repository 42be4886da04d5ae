//! Getting back into an account: the forgotten password, and the check of a phone-reset link
//! (SPEC 6.2; support sends it in `support`, the login with it ends in
//! `login::completion::phone_reset_done`). Recovery codes, the factor, are `recovery_codes`.
//!
//! Forgotten password (SPEC 6.3): an e-mail link (single use, 1 h), then the MFA challenge,
//! then a new password; every session of the account ends and a notice goes to the address.
//!
//! - The request answers the same whether or not an account has the address, counts against
//!   the per-IP cap, and sends an account at most `password_reset_links_per_window` links in
//!   the rolling quota window (more requests are answered the same and send nothing).
//! - An account without a verified phone gets no link but a notice to contact support: it has
//!   no second factor, and the mailbox alone must not set a new password.
//! - Following the link is a button press (a POST), so a mail scanner that opens links does
//!   not use it up. It starts a session at `ResetChallenge`: the login challenge, with the
//!   account's phone when it has one (the e-mail already proved the address).
//! - The challenge passed, the session is at `NewPassword` and can do nothing else.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::LockKey,
        delivery::outbox,
        factor, input,
        limits::account_lock,
        limits::anonymous_cap::anonymous_request,
        login::access,
        login::links,
        login::sessions,
        messages,
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::{Password, Secret},
    },
    domain::{
        email,
        links::LinkKind,
        login::{LoginEvent, LoginState, transition},
        time::Timestamp,
    },
    wire::{AppError, InputError},
};

pub async fn request_password_reset(state: &AppState, ctx: &RequestCtx, raw_email: &str) -> Result<(), AppError> {
    let policy = &state.config.policy;
    let address = email::normalise(raw_email).ok_or(AppError::Input(InputError::EmailMalformed))?;
    anonymous_request(state, ctx, "password_reset").await?;
    let mut tx = state.writer.begin().await?;
    let account = store::users::reset_account_by_email(&mut tx, &address).await?;
    let Some(store::users::ResetAccountRow { id: user_id, has_phone }) = account else {
        // The same work as for an account: a row and a commit (nothing reveals the difference
        // but the mailbox).
        let event = AuditEvent::PasswordResetRequested { user_id: None, sent: false };
        audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
        tx.commit().await?;
        return Ok(());
    };
    // The account's links are counted under its lock (`db::locks`).
    tx.lock([LockKey::Account(user_id)]).await?;
    if !has_phone {
        // SPEC 6.3 needs the MFA challenge after the link; an account without a verified
        // phone has no second factor, so the mailbox alone must not set a new password.
        outbox::email_to(
            &mut tx,
            &address,
            messages::password_reset_needs_support(ctx.lang, &state.config.support_contact),
            ctx.now,
        )
        .await?;
        audit::record(
            &mut tx,
            ctx.now,
            Some(ctx.ip),
            AuditEvent::PasswordResetRequested { user_id: Some(user_id), sent: false },
        )
        .await?;
        state.commit(tx).await?;
        return Ok(());
    }
    let sent =
        store::links::count_password_resets_since(&mut tx, user_id, ctx.now.minus_secs(policy.quota_window_secs))
            .await?;
    if sent >= i64::from(policy.password_reset_links_per_window) {
        let event = AuditEvent::PasswordResetRequested { user_id: Some(user_id), sent: false };
        audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
        tx.commit().await?;
        return Ok(());
    }
    let link = links::issue(&mut tx, state, LinkKind::PasswordReset, user_id, None, ctx.now).await?;
    let text = messages::password_reset_link(ctx.lang, link.expose(), policy.password_reset_ttl_secs / 60);
    outbox::email_to(&mut tx, &address, text, ctx.now).await?;
    let event = AuditEvent::PasswordResetRequested { user_id: Some(user_id), sent: true };
    audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    state.commit(tx).await?;
    Ok(())
}

/// Whether a phone-reset link may still be used (its page shows the login form only then).
pub async fn check_phone_reset_link(state: &AppState, ctx: &RequestCtx, token: &str) -> Result<(), AppError> {
    let mut conn = state.pool.acquire().await?;
    links::find(&mut conn, &state.keys, LinkKind::PhoneReset, token, None, ctx.now).await.map(|_| ())
}

/// Uses the link and opens the challenge. Returns the new session's token.
pub async fn follow_password_reset(
    state: &AppState,
    ctx: &RequestCtx,
    token: &str,
) -> Result<Secret<String>, AppError> {
    let mut tx = state.writer.begin().await?;
    let link = links::find(&mut tx, &state.keys, LinkKind::PasswordReset, token, None, ctx.now).await?;
    let user_id = link.user_id;
    // The link names its account; from here on its bars and quotas are read under its lock,
    // and only one of two racing uses of the link succeeds (`links::use_once`).
    tx.lock([LockKey::Account(user_id)]).await?;
    let store::users::BarsRow { disabled, locked_until } = store::users::bars(&mut tx, user_id).await?;
    if disabled {
        return Err(AppError::LinkInvalid);
    }
    if let Some(until) = locked_until.map(Timestamp).filter(|u| *u > ctx.now) {
        // The code quota locked the account: no code can be sent before then. The link stays
        // open for its hour (support may lift the lock meanwhile).
        return Err(account_lock::locked_error(state, ctx, until));
    }
    links::use_once(&mut tx, link).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PasswordResetLinkFollowed { user_id }).await?;
    let stage = transition(LoginState::Anonymous, LoginEvent::ResetLinkFollowed).map_err(AppError::internal)?;
    if let Some(old) = &ctx.session_token {
        sessions::delete(&mut tx, &state.keys, old).await?;
    }
    let session = sessions::create(&mut tx, &state.keys, user_id, stage, ctx.ip, ctx.now).await?;
    let hash = sessions::id_hash(&state.keys, &session);
    let account = store::users::mfa_account(&mut tx, user_id).await?.into();
    match factor::open_login_challenge(&mut tx, state, ctx, account, &hash, stage, None).await {
        Ok(()) => {}
        Err(lock @ AppError::AccountLocked { .. }) => {
            tx.commit().await?;
            return Err(lock);
        }
        Err(e) => return Err(e),
    }
    state.commit(tx).await?;
    Ok(session)
}

/// The new password (after the challenge). Ends every session of the account, the TAN
/// session with them, forgets the trusted IP and tells the address.
pub async fn set_new_password(state: &AppState, ctx: &RequestCtx, password: Password) -> Result<(), AppError> {
    let (user_id, address, full_name, company) = {
        let mut conn = state.pool.acquire().await?;
        let session = access::session_reading(&mut conn, state, ctx).await?;
        if session.stage != LoginState::NewPassword {
            return Err(AppError::WrongStep { home: session.stage.home().to_owned() });
        }
        let names = store::users::names(&mut conn, session.user_id).await?;
        (session.user_id, names.email, names.full_name, names.organisation)
    };
    let hash =
        input::new_password_hash(state, &password, &address, &full_name, company.as_deref().unwrap_or("")).await?;
    let mut tx = state.writer.begin().await?;
    let session = Some(access::session(&mut tx, state, ctx).await?)
        .filter(|s| s.stage == LoginState::NewPassword && s.user_id == user_id)
        .ok_or(AppError::NotAuthenticated)?;
    transition(session.stage, LoginEvent::PasswordReset).map_err(AppError::internal)?;
    store::users::set_password_forget_trusted_ip(&mut tx, user_id, &hash).await?;
    let sessions_ended = store::sessions::delete_all_of_user(&mut tx, user_id).await?;
    outbox::email_to(&mut tx, &address, messages::password_reset_notice(ctx.lang), ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PasswordReset { user_id, sessions_ended }).await?;
    state.commit(tx).await?;
    Ok(())
}
