//! `code_sends`: every one-time code sent, per account, purpose and channel: the resend
//! cooldown and the code quotas count them (SPEC 2.3, 3.2, 4.1).

use super::Conn;
use crate::domain::time::Timestamp;

/// When the account was last sent a code for this purpose on this channel.
pub async fn last_sent_at(
    conn: &mut Conn,
    user_id: i64,
    purpose: &str,
    channel: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(at) FROM code_sends WHERE user_id = $1 AND purpose = $2 AND channel = $3")
        .bind(user_id)
        .bind(purpose)
        .bind(channel)
        .fetch_one(conn)
        .await
}

pub async fn record(
    conn: &mut Conn,
    user_id: i64,
    purpose: &str,
    channel: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO code_sends (user_id, purpose, channel, at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(purpose)
        .bind(channel)
        .bind(at.0)
        .execute(conn)
        .await?;
    Ok(())
}
