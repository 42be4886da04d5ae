//! The TAN system (SPEC 5): every protected action calls `authorise` inside its own
//! `BEGIN IMMEDIATE` transaction, before it changes anything.
//!
//! `authorise` answers `Ok(Ok(()))` when the action may go ahead (covered by the TAN session,
//! or the right TAN for exactly these data), and `Ok(Err(refusal))` when it may not: a TAN was
//! sent, the TAN was wrong, the TAN system is locked. A refusal's writes (the issued TAN, its
//! outbox row, the wrong-TAN count, the lock) must be committed; the caller does that with
//! `commit_refusal`. `Err` is an internal failure, and nothing is committed.

use sqlx::SqliteConnection;

use super::RequestCtx;
use crate::{
    backend::{
        AppState,
        audit::{self, AuditEvent},
        crypto::{Purpose, hashes_equal, random_tan},
        db,
        outbox::{self, NewMessage},
        sessions::{self, Session},
        timefmt,
    },
    domain::{
        lang::Lang,
        login::LoginState,
        mask,
        mfa::{self, Method},
        quota::{self, QuotaDecision, Usage},
        tan::{self, Action, Mode, TanSettings},
        time::Timestamp,
    },
    wire::{AppError, InputError},
};

/// The TAN-relevant facts of the logged-in account.
#[derive(Debug, sqlx::FromRow)]
pub struct TanUser {
    pub id: i64,
    pub organisation_id: Option<i64>,
    pub role: String,
    pub full_name: String,
    pub email: String,
    pub phone_e164: Option<String>,
    pub tan_locked_at: Option<i64>,
    pub tan_wrong_in_a_row: i64,
    pub tan_mode_password: String,
    pub tan_mode_email: String,
    pub tan_mode_invoice: String,
    pub tan_mode_admin: String,
    pub invoice_threshold_cents: i64,
}

impl TanUser {
    pub fn settings(&self) -> TanSettings {
        let d = TanSettings::default();
        TanSettings {
            password: Mode::parse(&self.tan_mode_password).unwrap_or(d.password),
            email: Mode::parse(&self.tan_mode_email).unwrap_or(d.email),
            invoice: Mode::parse(&self.tan_mode_invoice).unwrap_or(d.invoice),
            admin: Mode::parse(&self.tan_mode_admin).unwrap_or(d.admin),
            invoice_threshold_cents: self.invoice_threshold_cents,
        }
    }

    pub fn tries_left(&self, state: &AppState) -> u32 {
        state.config.policy.tan_max_wrong.saturating_sub(u32::try_from(self.tan_wrong_in_a_row).unwrap_or(u32::MAX))
    }
}

/// The fully authenticated session of the request and its account.
pub async fn logged_in(
    conn: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<(Session, TanUser), AppError> {
    let token = ctx.session_token.as_ref().ok_or(AppError::NotAuthenticated)?;
    let session = sessions::load(conn, &state.keys, token, ctx.now, &state.config.policy)
        .await?
        .filter(|s| s.stage == LoginState::Authenticated)
        .ok_or(AppError::NotAuthenticated)?;
    let user: TanUser = sqlx::query_as(
        "SELECT id, organisation_id, role, full_name, email, phone_e164, tan_locked_at, tan_wrong_in_a_row, tan_mode_password,
                tan_mode_email, tan_mode_invoice, tan_mode_admin, invoice_threshold_cents
         FROM users WHERE id = ? AND disabled_at IS NULL",
    )
    .bind(session.user_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotAuthenticated)?;
    Ok((session, user))
}

/// Whether the session's TAN session is open for this request (same IP).
pub fn tan_session_active(session: &Session, ctx: &RequestCtx) -> bool {
    session.tan_ip.as_deref() == Some(ctx.ip.to_string().as_str())
}

/// Ends the session's TAN session (SPEC 5.4), if one is open: asks the database, not the
/// session as loaded, since `authorise` may have opened one in the same transaction.
pub async fn end_tan_session(
    conn: &mut SqliteConnection,
    ctx: &RequestCtx,
    session: &Session,
    user_id: i64,
    reason: &'static str,
) -> Result<(), sqlx::Error> {
    let ended =
        sqlx::query("UPDATE sessions SET tan_ip = NULL, tan_opened_at = NULL WHERE id_hash = ? AND tan_ip IS NOT NULL")
            .bind(&session.id_hash)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if ended > 0 {
        audit::record(conn, ctx.now, Some(ctx.ip), AuditEvent::TanSessionEnded { user_id, reason }).await?;
    }
    Ok(())
}

/// What an action presents to be authorised.
pub struct Protected<'a> {
    pub action: Action,
    /// The action's data in a canonical form; the TAN is bound to their keyed digest.
    pub canonical: &'a str,
    /// What the SMS says the TAN authorises, in the user's language.
    pub description: String,
}

fn digest(state: &AppState, p: &Protected<'_>) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::TanDigest, format!("{}\n{}", p.action.as_str(), p.canonical).as_bytes())
}

fn tan_hash(state: &AppState, tan_id: i64, tan: &str) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::Tan, format!("{tan_id}:{tan}").as_bytes())
}

#[derive(sqlx::FromRow)]
struct Issued {
    id: i64,
    digest: Vec<u8>,
    tan_hash: Vec<u8>,
    issued_at: i64,
}

pub async fn authorise(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    session: &Session,
    user: &TanUser,
    p: Protected<'_>,
    tan_input: Option<&str>,
) -> Result<Result<(), AppError>, AppError> {
    let policy = &state.config.policy;
    if user.tan_locked_at.is_some() {
        return Ok(Err(AppError::TanLocked));
    }
    let Some(phone) = user.phone_e164.as_deref() else {
        return Ok(Err(AppError::TanLocked));
    };
    if session.tan_ip.is_some() && !tan_session_active(session, ctx) {
        end_tan_session(tx, ctx, session, user.id, "ip_changed").await?;
    }
    let settings = user.settings();
    if !tan::needs_tan(p.action, &settings, tan_session_active(session, ctx)) {
        return Ok(Ok(()));
    }
    let digest = digest(state, &p);
    let input = tan_input.map(str::trim).filter(|t| !t.is_empty());
    let Some(input) = input else {
        return Ok(Err(issue(tx, state, ctx, session, user, &p, &digest, phone).await?));
    };
    let Ok(typed) = tan::normalise(input) else {
        return Ok(Err(AppError::Input(InputError::TanMalformed)));
    };
    let latest: Option<Issued> = sqlx::query_as(
        "SELECT id, digest, tan_hash, issued_at FROM tans
         WHERE session_hash = ? AND action = ? AND state = 'issued' ORDER BY id DESC LIMIT 1",
    )
    .bind(&session.id_hash)
    .bind(p.action.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(issued) = latest.filter(|t| tan::is_fresh(Timestamp(t.issued_at), ctx.now, policy)) else {
        return Ok(Err(AppError::TanExpired));
    };
    if !hashes_equal(&issued.digest, &digest) {
        set_tan_state(tx, issued.id, tan::TanEvent::DataChanged).await?;
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanVoided { user_id: user.id, action: p.action }).await?;
        return Ok(Err(AppError::TanVoid));
    }
    if !hashes_equal(&tan_hash(state, issued.id, &typed), &issued.tan_hash) {
        let (wrong, lock) = tan::after_wrong_tan(u32::try_from(user.tan_wrong_in_a_row).unwrap_or(u32::MAX), policy);
        sqlx::query(
            "UPDATE users SET tan_wrong_in_a_row = ?, tan_locked_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?",
        )
        .bind(i64::from(wrong))
        .bind(lock)
        .bind(ctx.now.0)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::TanRefused { user_id: user.id, action: p.action, wrong_in_a_row: wrong };
        audit::record(tx, ctx.now, Some(ctx.ip), event).await?;
        if lock {
            audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanLocked { user_id: user.id }).await?;
            end_tan_session(tx, ctx, session, user.id, "tan_locked").await?;
            return Ok(Err(AppError::TanLocked));
        }
        return Ok(Err(AppError::TanWrong { tries_left: policy.tan_max_wrong.saturating_sub(wrong) }));
    }
    set_tan_state(tx, issued.id, tan::TanEvent::Accepted).await?;
    sqlx::query("UPDATE users SET tan_wrong_in_a_row = 0 WHERE id = ?").bind(user.id).execute(&mut *tx).await?;
    if settings.mode(p.action) == Mode::PerSession {
        sqlx::query("UPDATE sessions SET tan_ip = ?, tan_opened_at = ? WHERE id_hash = ?")
            .bind(ctx.ip.to_string())
            .bind(ctx.now.0)
            .bind(&session.id_hash)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanAccepted { user_id: user.id, action: p.action }).await?;
    Ok(Ok(()))
}

async fn set_tan_state(tx: &mut SqliteConnection, id: i64, event: tan::TanEvent) -> Result<(), AppError> {
    let next = tan::transition(tan::TanState::Issued, event).ok_or_else(|| AppError::internal("illegal TAN step"))?;
    let name = match next {
        tan::TanState::Issued => "issued",
        tan::TanState::Used => "used",
        tan::TanState::Void => "void",
    };
    sqlx::query("UPDATE tans SET state = ? WHERE id = ? AND state = 'issued'").bind(name).bind(id).execute(tx).await?;
    Ok(())
}

/// Sends a TAN for exactly these data, or, within the resend countdown, prompts for the one
/// already sent. Returns the prompt (or the quota refusal).
#[allow(clippy::too_many_arguments)]
async fn issue(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    session: &Session,
    user: &TanUser,
    p: &Protected<'_>,
    digest: &[u8],
    phone: &str,
) -> Result<AppError, AppError> {
    let policy = &state.config.policy;
    let prompt = |cooldown_secs: i64| AppError::TanRequired {
        description: p.description.clone(),
        phone: mask::phone(phone),
        cooldown_secs,
        tries_left: user.tries_left(state),
    };
    let last: Option<(Vec<u8>, i64)> = sqlx::query_as(
        "SELECT digest, issued_at FROM tans WHERE session_hash = ? AND action = ? AND state = 'issued'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(&session.id_hash)
    .bind(p.action.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((d, at)) = last {
        let wait = mfa::cooldown_left(Timestamp(at), ctx.now, policy);
        if wait > 0 && hashes_equal(&d, digest) {
            return Ok(prompt(wait));
        }
    }
    let usage = sms_usage(tx, state, user.id, ctx.now).await?;
    if let QuotaDecision::Exceeded { free_at } =
        quota::decide(usage, policy.tan_sms_quota, ctx.now, policy.quota_window_secs)
    {
        return Ok(AppError::TanQuotaExceeded { free_at: free_at.0, free_at_text: timefmt::minute(free_at, ctx.lang) });
    }
    if let Some(refusal) = super::challenge::network_sms_refusal(tx, state, ctx).await? {
        return Ok(refusal);
    }
    super::challenge::count_network_sms(tx, ctx).await?;
    // One valid TAN per action and session: a new one replaces the old.
    sqlx::query("UPDATE tans SET state = 'void' WHERE session_hash = ? AND action = ? AND state = 'issued'")
        .bind(&session.id_hash)
        .bind(p.action.as_str())
        .execute(&mut *tx)
        .await?;
    let tan = random_tan();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tans (session_hash, user_id, action, digest, tan_hash, issued_at, state)
         VALUES (?, ?, ?, ?, x'', ?, 'issued') RETURNING id",
    )
    .bind(&session.id_hash)
    .bind(user.id)
    .bind(p.action.as_str())
    .bind(digest)
    .bind(ctx.now.0)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE tans SET tan_hash = ? WHERE id = ?")
        .bind(tan_hash(state, id, tan.expose()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let minutes = policy.tan_ttl_secs / 60;
    let body = match ctx.lang {
        Lang::De => format!(
            "TAN {}: {}. Gültig {minutes} Minuten. Geben Sie die TAN nur ein, wenn Sie das selbst veranlasst haben.",
            tan.expose(),
            p.description
        ),
        Lang::En => format!(
            "TAN {}: {}. Valid for {minutes} minutes. Only enter it if you asked for this yourself.",
            tan.expose(),
            p.description
        ),
    };
    outbox::enqueue(tx, NewMessage { channel: Method::Sms, recipient: phone, subject: "", body: &body }, ctx.now)
        .await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanIssued { user_id: user.id, action: p.action }).await?;
    Ok(prompt(policy.resend_cooldown_secs))
}

/// TAN SMS sent to this account in the rolling window (SPEC 5.6; a new login does not reset it).
pub(crate) async fn sms_usage(
    conn: &mut SqliteConnection,
    state: &AppState,
    user_id: i64,
    now: Timestamp,
) -> Result<Usage, sqlx::Error> {
    let start = quota::window_start(now, state.config.policy.quota_window_secs, Timestamp(0));
    let (used, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), min(issued_at) FROM tans WHERE user_id = ? AND issued_at > ?")
            .bind(user_id)
            .bind(start.0)
            .fetch_one(conn)
            .await?;
    Ok(Usage { used: u32::try_from(used).unwrap_or(u32::MAX), oldest: oldest.map(Timestamp) })
}

/// Commits a refusal's writes (issued TAN, wrong count, lock) and returns it as the error.
pub async fn commit_refusal(state: &AppState, tx: db::WriteTx, refusal: AppError) -> Result<(), AppError> {
    tx.commit().await?;
    state.outbox_nudge.notify_one();
    Err(refusal)
}

/// Lifts a TAN lock (SPEC 5.5) inside the caller's transaction; the support console calls
/// this with the agent's identity and reason.
pub async fn unlock(
    tx: &mut SqliteConnection,
    ctx: &RequestCtx,
    user_id: i64,
    by: Option<i64>,
    reason: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET tan_locked_at = NULL, tan_wrong_in_a_row = 0 WHERE id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanUnlocked { user_id, by, reason }).await?;
    Ok(())
}
