//! `outbox`: the e-mails and SMS waiting to be delivered or delivered, with how delivery went.

use super::Conn;
use crate::{
    backend::db::batch::{Value, Write},
    domain::{channel::Channel, time::Timestamp},
};

/// A message as the support console shows its delivery.
#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    pub channel: String,
    pub created_at: i64,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub gave_up_at: Option<i64>,
}

/// The newest 10 messages to the address or the phone, newest first.
pub async fn newest_to(conn: &mut Conn, email: &str, phone: Option<&str>) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT channel, created_at, attempts, sent_at, last_error, next_attempt_at, gave_up_at FROM outbox
         WHERE recipient = $1 OR recipient = $2 ORDER BY id DESC LIMIT 10",
    )
    .bind(email)
    .bind(phone.unwrap_or(email))
    .fetch_all(conn)
    .await
}

/// The messages of one channel not yet delivered nor given up: how many, and when the oldest
/// was written.
#[derive(sqlx::FromRow)]
pub struct Waiting {
    pub channel: String,
    pub waiting: i64,
    pub oldest: Option<i64>,
}

/// What waits for delivery, per channel that has any.
pub async fn waiting(conn: &mut Conn) -> Result<Vec<Waiting>, sqlx::Error> {
    sqlx::query_as(
        "SELECT channel, count(*) AS waiting, min(created_at) AS oldest FROM outbox
         WHERE sent_at IS NULL AND gave_up_at IS NULL GROUP BY channel",
    )
    .fetch_all(conn)
    .await
}

/// Adds a message due at once; returns its id.
/// A message for the outbox, written with the transaction's commit (`db::batch`).
pub fn enqueue_later(channel: Channel, recipient: &str, subject: &str, body: &str, now: Timestamp) -> Write {
    Write {
        sql: "INSERT INTO outbox (channel, recipient, subject, body, created_at, next_attempt_at)
              VALUES ($1, $2, $3, $4, $5, $6)",
        values: vec![
            Value::Text(channel.as_str().into()),
            Value::Text(recipient.to_owned()),
            Value::Text(subject.to_owned()),
            Value::Text(body.to_owned()),
            Value::Int(now.0),
            Value::Int(now.0),
        ],
    }
}

pub async fn enqueue(
    conn: &mut Conn,
    channel: Channel,
    recipient: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(channel.as_str())
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(now.0)
    .bind(now.0)
    .fetch_one(conn)
    .await
}

/// When the newest message of `channel` to `recipient` since `since` was made, if any.
pub async fn last_made_to(
    conn: &mut Conn,
    channel: Channel,
    recipient: &str,
    since: Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(created_at) FROM outbox WHERE channel = $1 AND recipient = $2 AND created_at >= $3")
        .bind(channel.as_str())
        .bind(recipient)
        .bind(since.0)
        .fetch_one(conn)
        .await
}

/// A due row of the outbox.
#[derive(Debug, sqlx::FromRow)]
pub struct DueRow {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// Takes up to `limit` due messages (oldest id first) by moving their next attempt to
/// `claimed_until`; returns them, in no particular order.
///
/// Workers of several instances claim side by side, without a lock: the outer condition
/// repeats the inner one, so a row another worker claimed meanwhile (PostgreSQL re-checks an
/// updated row against the outer condition once the other's update commits) is skipped,
/// never claimed twice.
pub async fn claim_due(
    conn: &mut Conn,
    claimed_until: Timestamp,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<DueRow>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id IN (
             SELECT id FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $2
             ORDER BY id LIMIT $3)
           AND sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $2
         RETURNING id, channel, recipient, subject, body, attempts, created_at",
    )
    .bind(claimed_until.0)
    .bind(now.0)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Records a delivery and wipes the body (unless the message was already marked sent).
pub async fn mark_sent(conn: &mut Conn, id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $1, body = '', attempts = attempts + 1, last_error = NULL
         WHERE id = $2 AND sent_at IS NULL",
    )
    .bind(now.0)
    .bind(id)
    .execute(conn)
    .await
    .map(drop)
}

/// Records a failed attempt after which the message is given up, and wipes the body.
pub async fn mark_given_up(conn: &mut Conn, id: i64, reason: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET gave_up_at = $1, body = '', attempts = attempts + 1, last_error = $2 WHERE id = $3")
        .bind(now.0)
        .bind(reason)
        .bind(id)
        .execute(conn)
        .await
        .map(drop)
}

/// Records a failed attempt to be retried at `next_attempt_at`.
pub async fn mark_failed(
    conn: &mut Conn,
    id: i64,
    reason: &str,
    next_attempt_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3")
        .bind(next_attempt_at.0)
        .bind(reason)
        .bind(id)
        .execute(conn)
        .await
        .map(drop)
}

/// Makes every waiting message claimed into the future due at `now`.
pub async fn release_claims(conn: &mut Conn, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at > $2",
    )
    .bind(now.0)
    .bind(now.0)
    .execute(conn)
    .await
    .map(drop)
}
