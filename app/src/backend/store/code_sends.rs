//! `code_sends`: every one-time code sent, by purpose and channel, counted by the daily
//! quotas (SPEC 4.1–4.3).

use super::Conn;
use crate::{
    backend::db::batch::{Value, Write},
    domain::{
        mfa::{Method, Purpose},
        time::Timestamp,
    },
};

/// What sending one code decides on, in one read: the account's last send for this purpose
/// and channel (the cooldown), its sends in the window after its last quota reset (the
/// quota), and, for an SMS, its network's SMS in the window (the cap).
#[derive(sqlx::FromRow)]
pub struct SendFactsRow {
    pub last_sent_at: Option<i64>,
    pub used: i64,
    pub oldest: Option<i64>,
    pub network_used: i64,
    pub network_oldest: Option<i64>,
}

/// See [`SendFactsRow`]; `network` is `None` for a send that is no SMS (its count is 0).
pub async fn send_facts(
    conn: &mut Conn,
    user_id: i64,
    purpose: Purpose,
    channel: Method,
    start: Timestamp,
    network: Option<&str>,
) -> Result<SendFactsRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT max(at) FROM code_sends WHERE user_id = $1 AND purpose = $2 AND channel = $3) AS last_sent_at,
                count(*) AS used, min(at) AS oldest,
                (SELECT count(*) FROM sms_sends WHERE network = $5 AND at >= $4) AS network_used,
                (SELECT min(at) FROM sms_sends WHERE network = $5 AND at >= $4) AS network_oldest
         FROM code_sends
         WHERE user_id = $1 AND purpose = $2 AND channel = $3 AND at >= $4
           AND id > (SELECT quota_reset_code_id FROM users WHERE id = $1)",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(channel.as_str())
    .bind(start.0)
    .bind(network)
    .fetch_one(conn)
    .await
}

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

/// One code sent, counted with the transaction's commit (`db::batch`).
pub fn record(user_id: i64, purpose: Purpose, channel: Method, at: Timestamp) -> Write {
    Write {
        sql: "INSERT INTO code_sends (user_id, purpose, channel, at) VALUES ($1, $2, $3, $4)",
        values: vec![
            Value::Int(user_id),
            Value::Text(purpose.as_str().into()),
            Value::Text(channel.as_str().into()),
            Value::Int(at.0),
        ],
    }
}
