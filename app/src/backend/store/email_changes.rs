//! `email_changes`: e-mail address changes in progress (SPEC 5.3, 5.7), each with the code
//! sent to the new address; `email_change_sends`: every such code, for the account's daily
//! quota.

use super::Conn;
use crate::domain::time::Timestamp;

/// An unused change's code and its counters.
#[derive(sqlx::FromRow)]
pub struct OpenChangeRow {
    pub id: i64,
    pub code_hash: Vec<u8>,
    pub sent_at: i64,
    pub failures: i64,
}

/// The session's newest unused change to `new_email`.
pub async fn latest_open(
    conn: &mut Conn,
    session_hash: &[u8],
    new_email: &str,
) -> Result<Option<OpenChangeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, code_hash, sent_at, failures FROM email_changes
         WHERE session_hash = $1 AND new_email = $2 AND used_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(session_hash)
    .bind(new_email)
    .fetch_optional(conn)
    .await
}

/// Stores a change with an empty code hash; returns its id (see [`set_code_hash`]).
pub async fn create_without_code(
    conn: &mut Conn,
    session_hash: &[u8],
    user_id: i64,
    new_email: &str,
    sent_at: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO email_changes (session_hash, user_id, new_email, code_hash, sent_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(session_hash)
    .bind(user_id)
    .bind(new_email)
    // The code's hash is keyed with the row's id, so it is written once the id is known.
    .bind(Vec::<u8>::new())
    .bind(sent_at.0)
    .fetch_one(conn)
    .await
}

pub async fn set_code_hash(conn: &mut Conn, id: i64, code_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_changes SET code_hash = $1 WHERE id = $2")
        .bind(code_hash)
        .bind(id)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn count_failure(conn: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_changes SET failures = failures + 1 WHERE id = $1").bind(id).execute(conn).await.map(drop)
}

pub async fn mark_used(conn: &mut Conn, id: i64, used_at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_changes SET used_at = $1 WHERE id = $2")
        .bind(used_at.0)
        .bind(id)
        .execute(conn)
        .await
        .map(drop)
}

/// The account's e-mail-change codes sent since `start`: how many, and when the oldest was.
pub async fn sent_in_window(
    conn: &mut Conn,
    user_id: i64,
    start: Timestamp,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as("SELECT count(*), min(at) FROM email_change_sends WHERE user_id = $1 AND at >= $2")
        .bind(user_id)
        .bind(start.0)
        .fetch_one(conn)
        .await
}

pub async fn record_send(conn: &mut Conn, user_id: i64, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO email_change_sends (user_id, at) VALUES ($1, $2)")
        .bind(user_id)
        .bind(at.0)
        .execute(conn)
        .await
        .map(drop)
}
