//! The support console (SPEC 6.4): support agents (role `support`, logged in with MFA like
//! everyone) find an account by e-mail or organisation, see its MFA and TAN state, the quotas
//! used in their windows, the 24-hour lock, the trusted IP and recent audit events, and act:
//! send a phone-reset link, lift the lock early, unlock the TAN system. Every action needs a
//! reason and is audited with the agent as the actor, in the same transaction.

use sqlx::AnyConnection;

use super::RequestCtx;
use crate::{
    backend::{
        AppState, access, account_lock,
        audit::{self, AuditEvent},
        db::Flag,
        links, messages, outbox,
        quota_window::{self, Sends},
        tan, timefmt,
    },
    domain::{
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
    me.agent_id()?;
    let pattern = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let rows: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT u.id, u.full_name, u.email, o.name, u.role FROM users u
         LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE lower(u.email) LIKE $1 ESCAPE '\\' OR lower(o.name) LIKE $1 ESCAPE '\\' OR lower(u.full_name) LIKE $1 ESCAPE '\\'
         ORDER BY o.name, u.email LIMIT 50",
    )
    .bind(&pattern)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, full_name, email, organisation, role)| AccountHit { id, full_name, email, organisation, role })
        .collect())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    full_name: String,
    email: String,
    organisation: Option<String>,
    role: String,
    disabled_at: Option<i64>,
    phone_e164: Option<String>,
    phone_verified_at: Option<i64>,
    last_mfa_method: String,
    trusted_ip: Option<String>,
    locked_until: Option<i64>,
    tan_locked_at: Option<i64>,
}

pub async fn account(state: &AppState, ctx: &RequestCtx, user_id: i64) -> Result<AccountDetail, AppError> {
    let policy = &state.config.policy;
    let (mut conn, _, me) = access::member_reading(state, ctx).await?;
    me.agent_id()?;
    let r: Row = sqlx::query_as(
        "SELECT u.id, u.full_name, u.email, o.name AS organisation, u.role, u.disabled_at, u.phone_e164,
                u.phone_verified_at, u.last_mfa_method, u.trusted_ip, u.locked_until, u.tan_locked_at
         FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::BadRequest)?;
    let mut quotas = Vec::new();
    for (name, kind) in [
        ("login_sms", Sends::Codes { purpose: Purpose::Login, channel: Method::Sms }),
        ("login_email", Sends::Codes { purpose: Purpose::Login, channel: Method::Email }),
        ("setup_sms", Sends::Codes { purpose: Purpose::Setup, channel: Method::Sms }),
        ("tan_sms", Sends::TanSms),
    ] {
        let used = quota_window::usage(&mut conn, policy, r.id, kind, ctx.now).await?.used;
        quotas.push(QuotaUse { name: name.into(), used, limit: quota_window::limit(policy, kind) });
    }
    let tan_locked_ip: Option<String> = match r.tan_locked_at {
        Some(_) => sqlx::query_scalar(
            "SELECT ip FROM audit_events WHERE user_id = $1 AND kind = 'tan.locked' ORDER BY id DESC LIMIT 1",
        )
        .bind(r.id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten(),
        None => None,
    };
    let phone_reset_open: bool = sqlx::query_scalar::<_, Flag>(
        "SELECT EXISTS (SELECT 1 FROM links WHERE user_id = $1 AND kind = 'phone_reset' AND state = 'open' AND expires_at > $2)",
    )
    .bind(r.id)
    .bind(ctx.now.0)
    .fetch_one(&mut *conn)
    .await?.0;
    let messages = messages_to(&mut conn, ctx, &r.email, r.phone_e164.as_deref()).await?;
    let events = audit::events_of(&mut conn, r.id, 30, ctx.lang).await?;
    Ok(AccountDetail {
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

#[derive(sqlx::FromRow)]
struct MessageRow {
    channel: String,
    created_at: i64,
    attempts: i64,
    sent_at: Option<i64>,
    last_error: Option<String>,
    next_attempt_at: i64,
    gave_up_at: Option<i64>,
}

/// The newest 10 messages to an address or phone, with how their delivery went: a failing
/// provider shows here with its error and the next attempt.
async fn messages_to(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    email: &str,
    phone: Option<&str>,
) -> Result<Vec<MessageState>, AppError> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT channel, created_at, attempts, sent_at, last_error, next_attempt_at, gave_up_at FROM outbox
         WHERE recipient = $1 OR recipient = $2 ORDER BY id DESC LIMIT 10",
    )
    .bind(email)
    .bind(phone.unwrap_or(email))
    .fetch_all(&mut *conn)
    .await?;
    let at = |unix: i64| (unix, timefmt::minute(Timestamp(unix), ctx.lang));
    Ok(rows
        .into_iter()
        .map(|m| MessageState {
            channel: m.channel,
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
    let address: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND password_hash != ''")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::BadRequest)?;
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
    if !account_lock::lift(&mut tx, user_id, ctx.now).await? {
        return Err(AppError::BadRequest);
    }
    Ok(audit::record_and_commit(tx, ctx, AuditEvent::LockLifted { user_id, by, reason: &reason }).await?)
}

/// Unlocks the TAN system after three wrong TANs (SPEC 5.5).
pub async fn unlock_tan(state: &AppState, ctx: &RequestCtx, user_id: i64, raw: &str) -> Result<(), AppError> {
    let reason = reason_of(state, raw)?;
    let mut tx = state.writer.begin().await?;
    let by = access::member(&mut tx, state, ctx).await?.1.agent_id()?;
    let locked: Option<Option<i64>> = sqlx::query_scalar("SELECT tan_locked_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    if !matches!(locked, Some(Some(_))) {
        return Err(AppError::BadRequest);
    }
    tan::unlock(&mut tx, ctx, user_id, Some(by), &reason).await?;
    tx.commit().await?;
    Ok(())
}
