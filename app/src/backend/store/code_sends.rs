//! `code_sends`: every one-time code sent, by purpose and channel, counted by the daily
//! quotas (SPEC 4.1–4.3).

use super::Conn;
use crate::domain::{
    mfa::{Method, Purpose},
    time::Timestamp,
};

/// The account's codes for `purpose` on `channel` sent since `start` and after its last quota
/// reset: how many, and when the oldest was sent.
pub async fn sent_in_window(
    conn: &mut Conn,
    user_id: i64,
    purpose: Purpose,
    channel: Method,
    start: Timestamp,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), min(at) FROM code_sends
         WHERE user_id = $1 AND purpose = $2 AND channel = $3 AND at >= $4
           AND id > (SELECT quota_reset_code_id FROM users WHERE id = $1)",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(channel.as_str())
    .bind(start.0)
    .fetch_one(conn)
    .await
}

/// When the account was last sent a code for this purpose on this channel.
pub async fn last_sent_at(
    conn: &mut Conn,
    user_id: i64,
    purpose: Purpose,
    channel: Method,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(at) FROM code_sends WHERE user_id = $1 AND purpose = $2 AND channel = $3")
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(channel.as_str())
        .fetch_one(conn)
        .await
}

pub async fn record(
    conn: &mut Conn,
    user_id: i64,
    purpose: Purpose,
    channel: Method,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO code_sends (user_id, purpose, channel, at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(channel.as_str())
        .bind(at.0)
        .execute(conn)
        .await?;
    Ok(())
}
