//! `users`: the accounts, with their contact data, factors' state and quota resets.

use super::Conn;
use crate::{backend::db::Flag, domain::time::Timestamp};

pub async fn email_of(conn: &mut Conn, user_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(user_id).fetch_one(conn).await
}

/// Remembers push as the factor the account passed its last login challenge with.
pub async fn set_last_mfa_method_push(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_mfa_method = 'push' WHERE id = $1").bind(user_id).execute(conn).await.map(drop)
}

/// Whether a new set of recovery codes is waiting to be shown once (right after MFA setup).
pub async fn recovery_codes_due(conn: &mut Conn, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, Flag>("SELECT recovery_codes_due FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await?
        .0)
}

pub async fn clear_recovery_codes_due(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET recovery_codes_due = 0 WHERE id = $1").bind(user_id).execute(conn).await.map(drop)
}

/// Resets the account's daily limits at `now`: marks the newest code send and push of the
/// tables as the last ones that still count.
pub async fn reset_quotas(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET quota_reset_at = $1,
             quota_reset_code_id = coalesce((SELECT max(id) FROM code_sends), 0),
             quota_reset_push_id = coalesce((SELECT max(id) FROM push_requests), 0)
         WHERE id = $2",
    )
    .bind(now.0)
    .bind(user_id)
    .execute(conn)
    .await
    .map(drop)
}
