//! `totp`, `totp_pending`: the account's confirmed authenticator app and a secret waiting
//! for its first code. Secrets are stored sealed.

use super::Conn;
use crate::domain::time::Timestamp;

/// Forgets the account's pending secret, if any.
pub async fn delete_pending(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_pending WHERE user_id = $1").bind(user_id).execute(conn).await.map(drop)
}

pub async fn insert_pending(
    conn: &mut Conn,
    user_id: i64,
    secret_enc: &[u8],
    created_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO totp_pending (user_id, secret_enc, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(secret_enc)
        .bind(created_at.0)
        .execute(conn)
        .await
        .map(drop)
}

/// The account's pending sealed secret, if it was made after `created_after`.
pub async fn pending_secret(
    conn: &mut Conn,
    user_id: i64,
    created_after: Timestamp,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT secret_enc FROM totp_pending WHERE user_id = $1 AND created_at > $2")
        .bind(user_id)
        .bind(created_after.0)
        .fetch_optional(conn)
        .await
}

/// Stores the account's app as confirmed `now` with `last_step` used, replacing any earlier one.
pub async fn upsert_confirmed(
    conn: &mut Conn,
    user_id: i64,
    secret_enc: &[u8],
    now: Timestamp,
    last_step: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO totp (user_id, secret_enc, created_at, confirmed_at, last_step) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET secret_enc = excluded.secret_enc, created_at = excluded.created_at,
             confirmed_at = excluded.confirmed_at, last_step = excluded.last_step",
    )
    .bind(user_id)
    .bind(secret_enc)
    .bind(now.0)
    .bind(now.0)
    .bind(last_step)
    .execute(conn)
    .await
    .map(drop)
}

/// The account's app: its sealed secret, when it was confirmed, and the last step used.
#[derive(sqlx::FromRow)]
pub struct TotpRow {
    pub secret_enc: Vec<u8>,
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

pub async fn of_user(conn: &mut Conn, user_id: i64) -> Result<Option<TotpRow>, sqlx::Error> {
    sqlx::query_as("SELECT secret_enc, confirmed_at, last_step FROM totp WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// Records the step of a code used, so no code of it or before it is accepted again.
pub async fn set_last_step(conn: &mut Conn, user_id: i64, step: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE totp SET last_step = $1 WHERE user_id = $2")
        .bind(step)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}
