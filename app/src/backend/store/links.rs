//! `links`: the single-use e-mail links (invitation, password reset, phone reset), stored
//! under the hash of their token, with their state and expiry.

use super::Conn;
use crate::domain::links::LinkKind;
use crate::{backend::db::Flag, domain::time::Timestamp};

/// Voids the account's open links of every kind.
pub async fn void_open_for_user(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE links SET state = 'void' WHERE user_id = $1 AND state = 'open'")
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// Password-reset links made for the account after `since`, whatever became of them.
pub async fn count_password_resets_since(conn: &mut Conn, user_id: i64, since: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM links WHERE user_id = $1 AND kind = 'password_reset' AND created_at > $2")
        .bind(user_id)
        .bind(since.0)
        .fetch_one(conn)
        .await
}

/// Whether the account has an open phone-reset link not expired at `now`.
pub async fn phone_reset_open(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, Flag>(
        "SELECT EXISTS (SELECT 1 FROM links WHERE user_id = $1 AND kind = 'phone_reset' AND state = 'open' AND expires_at > $2)",
    )
    .bind(user_id)
    .bind(now.0)
    .fetch_one(conn)
    .await?
    .0)
}

/// A link as stored; whether it may be used is decided in `domain::links`.
#[derive(sqlx::FromRow)]
pub struct LinkRow {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: i64,
    pub state: String,
}

/// Voids the account's open links of `kind`.
pub async fn void_open(conn: &mut Conn, user_id: i64, kind: LinkKind) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE links SET state = 'void' WHERE user_id = $1 AND kind = $2 AND state = 'open'")
        .bind(user_id)
        .bind(kind.as_str())
        .execute(conn)
        .await
        .map(drop)
}

/// Stores a new open link.
pub async fn insert_open(
    conn: &mut Conn,
    kind: LinkKind,
    user_id: i64,
    token_hash: &[u8],
    created_by: Option<i64>,
    created_at: Timestamp,
    expires_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO links (kind, user_id, token_hash, created_by, created_at, expires_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, 'open')",
    )
    .bind(kind.as_str())
    .bind(user_id)
    .bind(token_hash)
    .bind(created_by)
    .bind(created_at.0)
    .bind(expires_at.0)
    .execute(conn)
    .await
    .map(drop)
}

/// The link of `kind` with this token hash, in whatever state.
pub async fn by_token_hash(conn: &mut Conn, token_hash: &[u8], kind: LinkKind) -> Result<Option<LinkRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, user_id, expires_at, state FROM links WHERE token_hash = $1 AND kind = $2")
        .bind(token_hash)
        .bind(kind.as_str())
        .fetch_optional(conn)
        .await
}

/// Marks an open link used; returns rows affected (0 when it was no longer open).
pub async fn mark_used(conn: &mut Conn, id: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE links SET state = 'used' WHERE id = $1 AND state = 'open'")
        .bind(id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
}
