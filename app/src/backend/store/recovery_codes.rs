//! `recovery_codes`: the account's single-use recovery codes, as keyed hashes.

use super::Conn;
use crate::domain::time::Timestamp;

pub async fn delete_of_user(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(conn).await.map(drop)
}

pub async fn insert(conn: &mut Conn, user_id: i64, code_hash: &[u8], created_at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(code_hash)
        .bind(created_at.0)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn count_unused(conn: &mut Conn, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// The account's unused codes: each one's id and hash.
pub async fn unused_of_user(conn: &mut Conn, user_id: i64) -> Result<Vec<(i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_all(conn)
        .await
}

pub async fn mark_used(conn: &mut Conn, id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE id = $2")
        .bind(now.0)
        .bind(id)
        .execute(conn)
        .await
        .map(drop)
}
