//! The support console (SPEC 6.4): support agents (role `support`, logged in with MFA like
//! everyone) find an account by e-mail or organisation, see its MFA and TAN state, the quotas
//! used in their windows, the 24-hour lock, the trusted IP and recent audit events, and act:
//! send a phone-reset link, lift the lock early, unlock the TAN system. Every action needs a
//! reason and is audited with the agent as the actor, in the same transaction.
//!
//! An agent never acts on their own account (they could lift their own lock or unlock their
//! own TAN system and guess again): another agent does, or an operator on the command line
//! (`server account …`, audited with the actor "operator" and the reason). Searches and
//! account views are audited too, before the agent sees anything.

use crate::{
    backend::{
        audit::{self, Actor, AuditEvent},
        db::LockKey,
        delivery::outbox,
        limits::account_lock,
        limits::quota_window::{self, Sends},
        login::access,
        login::links,
        messages,
        request::RequestCtx,
        state::AppState,
        store, tan,
        tools::timefmt,
    },
    domain::{
        email,
        links::LinkKind,
        mask,
        mfa::{Method, Purpose},
        time::Timestamp,
    },
    wire::{
        AppError, InputError,
        support::{AccountDetail, AccountHit, MessageState, QuotaUse},
    },
};

/// The longest search text kept in the audit log.
const AUDITED_QUERY_CHARS: usize = 40;

/// An agent's action on an account: never their own.
fn not_own(agent: i64, user_id: i64) -> Result<(), AppError> {
    if agent == user_id { Err(AppError::OwnAccount) } else { Ok(()) }
}

/// A search text as the audit log keeps it: an e-mail address masked (it may be the address
/// of someone without an account), anything else as typed, both cut to a few characters.
fn audited_query(q: &str) -> String {
    let kept = if q.contains('@') { mask::email(q) } else { q.to_owned() };
    kept.chars().take(AUDITED_QUERY_CHARS).collect()
}

fn reason_of(state: &AppState, raw: &str) -> Result<String, AppError> {
    let reason = raw.trim();
    let n = reason.chars().count();
    if n < state.config.policy.support_reason_min_chars || n > 500 {
        return Err(AppError::Input(InputError::ReasonMissing));
    }
    Ok(reason.to_owned())
}

pub async fn search(state: &AppState, ctx: &RequestCtx, raw: &str) -> Result<Vec<AccountHit>, AppError> {
    let q = raw.trim().to_lowercase();
    if q.chars().count() < 3 {
        return Err(AppError::Input(InputError::SearchTooShort));
    }
    let (mut conn, _, me) = access::member_reading(state, ctx).await?;
    let by = me.agent_id()?;
    let rows = store::users::search(&mut conn, &q).await?;
    drop(conn);
    let event = AuditEvent::SupportSearched { by, query: audited_query(&q), hits: rows.len() };
    audit::record_and_commit(state.writer.begin().await?, ctx, event).await?;
    Ok(rows
        .into_iter()
        .map(|h| AccountHit {
            id: h.id,
            full_name: h.full_name,
            email: h.email,
            organisation: h.organisation,
            role: h.role,
        })
        .collect())
}

pub async fn account(state: &AppState, ctx: &RequestCtx, user_id: i64) -> Result<AccountDetail, AppError> {
    let policy = &state.config.policy;
    let (mut conn, _, me) = access::member_reading(state, ctx).await?;
    let by = me.agent_id()?;
    let r = store::users::support_view(&mut conn, user_id).await?.ok_or(AppError::BadRequest)?;
    let mut quotas = Vec::new();
    for (name, kind) in [
        ("login_sms", Sends::Codes { purpose: Purpose::Login, channel: Method::Sms }),
        ("login_email", Sends::Codes { purpose: Purpose::Login, channel: Method::Email }),
        ("setup_sms", Sends::Codes { purpose: Purpose::Setup, channel: Method::Sms }),
        ("tan_sms", Sends::TanSms),
        ("wrong_entries", Sends::WrongEntries),
    ] {
        let used = quota_window::shown(&mut conn, policy, r.id, kind, ctx.now).await?.used;
        quotas.push(QuotaUse { name: name.into(), used, limit: quota_window::limit(policy, kind) });
    }
    let tan_locked_ip = match r.tan_locked_at {
        Some(_) => store::audit_events::newest_tan_lock_ip(&mut conn, r.id).await?,
        None => None,
    };
    let phone_reset_open = store::links::phone_reset_open(&mut conn, r.id, ctx.now).await?;
    let messages = messages_to(&mut conn, ctx, &r.email, r.phone_e164.as_deref()).await?;
    let events = audit::events_of(&mut conn, r.id, 30, ctx.lang).await?;
    drop(conn);
    // Nothing is shown that was not audited first.
    audit::record_and_commit(state.writer.begin().await?, ctx, AuditEvent::SupportViewed { user_id: r.id, by }).await?;
    Ok(AccountDetail {
        own_account: r.id == by,
        id: r.id,
        full_name: r.full_name,
        email: r.email,
        organisation: r.organisation,
        role: r.role,
        disabled: r.disabled_at.is_some(),
        phone: r.phone_e164.filter(|_| r.phone_verified_at.is_some()).as_deref().map(mask::phone),
        last_method: r.last_mfa_method,
        trusted_ip: r.trusted_ip,
        locked_until: r
            .locked_until
            .map(Timestamp)
            .filter(|u| *u > ctx.now)
            .map(|u| (u.0, timefmt::minute(u, ctx.lang))),
        tan_locked: r.tan_locked_at.is_some(),
        tan_locked_ip,
        quotas,
        phone_reset_open,
        messages,
        events,
    })
}

/// The newest 10 messages to an address or phone, with how their delivery went: a failing
/// provider shows here with its error and the next attempt.
async fn messages_to(
    conn: &mut store::Conn,
    ctx: &RequestCtx,
    email: &str,
    phone: Option<&str>,
) -> Result<Vec<MessageState>, AppError> {
    let rows = store::outbox::newest_to(conn, email, phone).await?;
    let at = |unix: i64| (unix, timefmt::minute(Timestamp(unix), ctx.lang));
    Ok(rows
        .into_iter()
        .map(|m| MessageState {
            // Only `Method::as_str` writes the column.
            channel: Method::parse(&m.channel).unwrap_or(Method::Email),
            created: at(m.created_at),
            attempts: m.attempts,
            sent: m.sent_at.map(at),
            last_error: m.last_error,
            next_attempt: (m.sent_at.is_none() && m.gave_up_at.is_none()).then(|| at(m.next_attempt_at)),
            gave_up: m.gave_up_at.map(at),
        })
        .collect())
}

/// Sends a phone-reset link to the account's address (SPEC 6.2): single use, 24 h.
pub async fn send_phone_reset(state: &AppState, ctx: &RequestCtx, user_id: i64, raw: &str) -> Result<(), AppError> {
    let reason = reason_of(state, raw)?;
    let mut tx = state.writer.begin().await?;
    let by = access::member(&mut tx, state, ctx).await?.1.agent_id()?;
    not_own(by, user_id)?;
    tx.lock([LockKey::Account(user_id)]).await?;
    let address = store::users::email_with_password(&mut tx, user_id).await?.ok_or(AppError::BadRequest)?;
    let link = links::issue(&mut tx, state, LinkKind::PhoneReset, user_id, Some(by), ctx.now).await?;
    let text = messages::phone_reset_link(ctx.lang, link.expose(), state.config.policy.phone_reset_ttl_secs / 3600);
    outbox::email_to(&mut tx, &address, text, ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PhoneResetLinkSent { user_id, by, reason: &reason })
        .await?;
    state.commit(tx).await?;
    Ok(())
}

/// Lifts the 24-hour lock early (SPEC 4.4); the daily limits start afresh.
pub async fn lift_lock(state: &AppState, ctx: &RequestCtx, user_id: i64, raw: &str) -> Result<(), AppError> {
    let reason = reason_of(state, raw)?;
    let mut tx = state.writer.begin().await?;
    let by = access::member(&mut tx, state, ctx).await?.1.agent_id()?;
    not_own(by, user_id)?;
    tx.lock([LockKey::Account(user_id)]).await?;
    if !account_lock::lift(&mut tx, user_id, ctx.now).await? {
        return Err(AppError::BadRequest);
    }
    let event = AuditEvent::LockLifted { user_id, by: Actor::Agent(by), reason: &reason };
    Ok(audit::record_and_commit(tx, ctx, event).await?)
}

/// Unlocks the TAN system after three wrong TANs (SPEC 5.5).
pub async fn unlock_tan(state: &AppState, ctx: &RequestCtx, user_id: i64, raw: &str) -> Result<(), AppError> {
    let reason = reason_of(state, raw)?;
    let mut tx = state.writer.begin().await?;
    let by = access::member(&mut tx, state, ctx).await?.1.agent_id()?;
    not_own(by, user_id)?;
    tx.lock([LockKey::Account(user_id)]).await?;
    if store::users::tan_locked_at(&mut tx, user_id).await?.is_none() {
        return Err(AppError::BadRequest);
    }
    tan::unlock(&mut tx, ctx.now, Some(ctx.ip), user_id, Actor::Agent(by), &reason).await?;
    tx.commit().await?;
    Ok(())
}

/// What an operator does on the command line (SPEC 6.4) for an account no agent may act on
/// (an agent's own, or when no other agent is there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorAction {
    /// Lift the 24-hour lock early; the daily limits start afresh.
    LiftLock,
    /// Unlock the TAN system.
    UnlockTan,
}

/// An operator's action on the account with `raw_email`, with a reason, audited with the actor
/// "operator" (no account, no IP). The error is the sentence the command line prints.
pub async fn operator_act(
    state: &AppState,
    now: Timestamp,
    raw_email: &str,
    raw_reason: &str,
    action: OperatorAction,
) -> Result<(), String> {
    let address = email::normalise(raw_email).ok_or_else(|| format!("not an e-mail address: {raw_email}"))?;
    let min = state.config.policy.support_reason_min_chars;
    let reason = reason_of(state, raw_reason).map_err(|_| format!("--reason needs {min} to 500 characters"))?;
    let run = async {
        let mut tx = state.writer.begin().await?;
        let Some(account) = store::users::login_account_by_email(&mut tx, &address).await? else {
            return Ok(Err(format!("no account has the address {address}")));
        };
        let user_id = account.id;
        tx.lock([LockKey::Account(user_id)]).await?;
        let by = Actor::Operator;
        match action {
            OperatorAction::LiftLock => {
                if !account_lock::lift(&mut tx, user_id, now).await? {
                    return Ok(Err(format!("the account {address} is not locked")));
                }
                audit::record(&mut tx, now, None, AuditEvent::LockLifted { user_id, by, reason: &reason }).await?;
            }
            OperatorAction::UnlockTan => {
                if store::users::tan_locked_at(&mut tx, user_id).await?.is_none() {
                    return Ok(Err(format!("the TAN system of {address} is not locked")));
                }
                tan::unlock(&mut tx, now, None, user_id, by, &reason).await?;
            }
        }
        state.commit(tx).await?;
        Ok::<_, sqlx::Error>(Ok(()))
    };
    run.await.map_err(|e| format!("database: {e}"))?
}
