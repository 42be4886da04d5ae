//! `sessions`: the login sessions (SPEC 1.7), each at a stage of the login, stored under the
//! hash of its id.

use super::Conn;
use crate::backend::db::batch::{Value, Write};
use crate::domain::login::LoginState;
use crate::domain::time::Timestamp;

/// Ends the account's sessions at any stage but `kept`; the rows affected.
pub async fn delete_for_user_except_stage(conn: &mut Conn, user_id: i64, kept: LoginState) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND stage <> $2")
        .bind(user_id)
        .bind(kept.as_str())
        .execute(conn)
        .await?
        .rows_affected())
}

/// A session as stored; `stage` and `proof` by name.
#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub stage: String,
    pub ip: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub tan_ip: Option<String>,
    pub proof: Option<String>,
}

/// The session stored under `id_hash`, expired or not.
pub async fn by_hash(conn: &mut Conn, id_hash: &[u8]) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, stage, ip, created_at, last_seen_at, tan_ip, proof FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await
}

/// The session's new last-seen time, sent with the transaction's commit (`db::batch`).
pub fn touch(id_hash: &[u8], now: Timestamp) -> Write {
    Write {
        sql: "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
        values: vec![Value::Int(now.0), Value::Blob(id_hash.to_vec())],
    }
}

/// A new session, created and last seen `now`: kept for the transaction's commit
/// (`db::batch`), or run at once (`Write::run`).
pub fn insert_later(
    id_hash: &[u8],
    user_id: i64,
    stage: LoginState,
    ip: &str,
    now: Timestamp,
    proof: Option<&str>,
) -> Write {
    Write {
        sql: "INSERT INTO sessions (id_hash, user_id, stage, ip, created_at, last_seen_at, proof)
              VALUES ($1, $2, $3, $4, $5, $6, $7)",
        values: vec![
            Value::Blob(id_hash.to_vec()),
            Value::Int(user_id),
            Value::Text(stage.as_str().to_owned()),
            Value::Text(ip.to_owned()),
            Value::Int(now.0),
            Value::Int(now.0),
            Value::OptText(proof.map(str::to_owned)),
        ],
    }
}

/// The end of the session stored under `id_hash`, sent with the transaction's commit.
pub fn delete_later(id_hash: &[u8]) -> Write {
    Write { sql: "DELETE FROM sessions WHERE id_hash = $1", values: vec![Value::Blob(id_hash.to_vec())] }
}

/// Deletes the session stored under `id_hash`; returns its user, if there was one.
pub async fn delete_returning_user(conn: &mut Conn, id_hash: &[u8]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id")
        .bind(id_hash)
        .fetch_optional(conn)
        .await
}

pub async fn delete_by_hash(conn: &mut Conn, id_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(conn).await?;
    Ok(())
}

/// Deletes every session of the user but the one stored under `keep`; returns how many.
pub async fn delete_others_of_user(conn: &mut Conn, user_id: i64, keep: &[u8]) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash != $2")
        .bind(user_id)
        .bind(keep)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Deletes every session of the user; returns how many.
pub async fn delete_all_of_user(conn: &mut Conn, user_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?.rows_affected())
}

/// Opens the session's TAN session from `ip`.
pub async fn open_tan_session(conn: &mut Conn, id_hash: &[u8], ip: &str, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET tan_ip = $1, tan_opened_at = $2 WHERE id_hash = $3")
        .bind(ip)
        .bind(at.0)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends the session's TAN session; returns 1 if one was open, 0 if not.
pub async fn close_tan_session(conn: &mut Conn, id_hash: &[u8]) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE sessions SET tan_ip = NULL, tan_opened_at = NULL WHERE id_hash = $1 AND tan_ip IS NOT NULL")
        .bind(id_hash)
        .execute(conn)
        .await?
        .rows_affected())
}
