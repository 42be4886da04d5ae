//! Recovery codes (issue 8): ten single-use codes that pass the login challenge when the
//! phone is out of reach. A set is shown once: right after MFA setup, and on demand behind a
//! TAN (every time). Only their keyed hash is stored, bound to the account; a new set
//! replaces the old one. Using one is in `challenge::use_recovery_code`.

use sqlx::SqliteConnection;

use super::{RequestCtx, portal::describe, tan as tans};
use crate::{
    backend::{
        AppState,
        audit::{self, AuditEvent},
        crypto::{Purpose, Secret, random_recovery_code},
    },
    domain::{
        mfa::{RECOVERY_CODES, display_recovery_code},
        tan::Action,
        time::Timestamp,
    },
    wire::AppError,
};

/// The keyed hash of a recovery code (normalised), bound to its account.
pub(crate) fn code_hash(state: &AppState, user_id: i64, code: &str) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::RecoveryCode, format!("{user_id}:{code}").as_bytes())
}

/// Replaces the account's codes with a new set and returns it, as shown (`ABCDE-FGHJK`).
async fn issue(
    conn: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
) -> Result<Vec<String>, AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?").bind(user_id).execute(&mut *conn).await?;
    let mut shown = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code: Secret<String> = random_recovery_code();
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)")
            .bind(user_id)
            .bind(code_hash(state, user_id, code.expose()))
            .bind(ctx.now.0)
            .execute(&mut *conn)
            .await?;
        shown.push(display_recovery_code(code.expose()));
    }
    sqlx::query("UPDATE users SET recovery_codes_due = 0 WHERE id = ?").bind(user_id).execute(&mut *conn).await?;
    audit::record(conn, ctx.now, Some(ctx.ip), AuditEvent::RecoveryCodesCreated { user_id }).await?;
    Ok(shown)
}

/// Right after MFA setup: the new set, once. `None` once it was shown.
pub async fn due(state: &AppState, ctx: &RequestCtx) -> Result<Option<Vec<String>>, AppError> {
    let mut tx = state.writer.begin().await?;
    let (_, user) = tans::logged_in(&mut tx, state, ctx).await?;
    let due: bool = sqlx::query_scalar("SELECT recovery_codes_due FROM users WHERE id = ?")
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
    if !due {
        return Ok(None);
    }
    let shown = issue(&mut tx, state, ctx, user.id).await?;
    tx.commit().await?;
    Ok(Some(shown))
}

/// A new set on demand, behind a TAN every time.
pub async fn renew(state: &AppState, ctx: &RequestCtx, tan: Option<&str>) -> Result<Vec<String>, AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, user) = tans::logged_in(&mut tx, state, ctx).await?;
    let description =
        describe(ctx.lang, "Neue Wiederherstellungscodes erzeugen".into(), "create new recovery codes".into());
    let protected = tans::Protected { action: Action::NewRecoveryCodes, canonical: "recovery_codes", description };
    if let Err(refusal) = tans::authorise(&mut tx, state, ctx, &session, &user, protected, tan).await? {
        return tans::commit_refusal(state, tx, refusal).await.map(|()| Vec::new());
    }
    let shown = issue(&mut tx, state, ctx, user.id).await?;
    tx.commit().await?;
    Ok(shown)
}

/// Unused codes of an account.
pub(crate) async fn remaining(conn: &mut SqliteConnection, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// Marks the account's code matching `code` used, comparing every unused one in constant
/// time; whether one matched.
pub(crate) async fn use_one(
    conn: &mut SqliteConnection,
    state: &AppState,
    user_id: i64,
    code: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let typed = code_hash(state, user_id, code);
    let unused: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT id, code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut matched = None;
    for (id, hash) in unused {
        if crate::backend::crypto::hashes_equal(&typed, &hash) {
            matched = Some(id);
        }
    }
    let Some(id) = matched else { return Ok(false) };
    sqlx::query("UPDATE recovery_codes SET used_at = ? WHERE id = ?").bind(now.0).bind(id).execute(conn).await?;
    Ok(true)
}
