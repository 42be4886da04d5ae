//! `push_devices`, `push_pairings`, `push_requests`: the paired device of an account (one
//! each), its one-use pairing links, and the push approval requests sent to it.

use super::Conn;
use crate::domain::{push::Outcome, time::Timestamp};

/// Forgets the account's pairing link, if any.
pub async fn delete_pairings_of_user(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM push_pairings WHERE user_id = $1").bind(user_id).execute(conn).await.map(drop)
}

pub async fn insert_pairing(
    conn: &mut Conn,
    user_id: i64,
    token_hash: &[u8],
    created_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO push_pairings (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(token_hash)
        .bind(created_at.0)
        .execute(conn)
        .await
        .map(drop)
}

/// Deletes the pairing link with `token_hash` if it was made after `created_after`; its account.
pub async fn take_pairing(
    conn: &mut Conn,
    token_hash: &[u8],
    created_after: Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("DELETE FROM push_pairings WHERE token_hash = $1 AND created_at > $2 RETURNING user_id")
        .bind(token_hash)
        .bind(created_after.0)
        .fetch_optional(conn)
        .await
}

/// The account of the pairing link with `token_hash` if it was made after `created_after`.
pub async fn pairing_user(
    conn: &mut Conn,
    token_hash: &[u8],
    created_after: Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM push_pairings WHERE token_hash = $1 AND created_at > $2")
        .bind(token_hash)
        .bind(created_after.0)
        .fetch_optional(conn)
        .await
}

/// Pairs the device with the account, replacing any earlier one (and its push subscription);
/// paired and last seen `now`.
pub async fn upsert_device(
    conn: &mut Conn,
    user_id: i64,
    token_hash: &[u8],
    public_key: &[u8],
    name: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO push_devices (user_id, token_hash, public_key, name, paired_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, public_key = excluded.public_key,
             name = excluded.name, paired_at = excluded.paired_at, last_seen_at = excluded.last_seen_at,
             push_endpoint = NULL, push_p256dh = NULL, push_auth = NULL, push_subscribed_at = NULL,
             push_ended_at = NULL",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(public_key)
    .bind(name)
    .bind(now.0)
    .bind(now.0)
    .execute(conn)
    .await
    .map(drop)
}

/// Unpairs the account's device; rows affected (0 when none was paired).
pub async fn delete_device(conn: &mut Conn, user_id: i64) -> Result<u64, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM push_devices WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(removed.rows_affected())
}

/// The paired device of the account: its name and when it was paired.
pub async fn device_of_user(conn: &mut Conn, user_id: i64) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT name, paired_at FROM push_devices WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// The account of the device holding the token with `token_hash`, and the device's public key.
pub async fn device_by_token(conn: &mut Conn, token_hash: &[u8]) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT user_id, public_key FROM push_devices WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

/// The device holding the token with `token_hash`: its account, name and when it was paired.
pub async fn device_facts_by_token(
    conn: &mut Conn,
    token_hash: &[u8],
) -> Result<Option<(i64, String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT user_id, name, paired_at FROM push_devices WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

pub async fn set_device_last_seen(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE push_devices SET last_seen_at = $1 WHERE user_id = $2")
        .bind(now.0)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// Makes the account's pending requests expire at `now` at the latest.
pub async fn expire_pending_of_user(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE push_requests SET expires_at = CASE WHEN expires_at < $1 THEN expires_at ELSE $1 END WHERE user_id = $2 AND state = 'pending'")
        .bind(now.0)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// A request as its device shows it; `choices` is the offered numbers, comma-separated.
#[derive(sqlx::FromRow)]
pub struct PendingRequestRow {
    pub id: i64,
    pub nonce: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub choices: String,
}

/// The account's requests still pending and not expired at `now`, oldest first.
pub async fn pending_of_user(
    conn: &mut Conn,
    user_id: i64,
    now: Timestamp,
) -> Result<Vec<PendingRequestRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, nonce, created_at, expires_at, ip, choices FROM push_requests
         WHERE user_id = $1 AND state = 'pending' AND expires_at > $2 ORDER BY id",
    )
    .bind(user_id)
    .bind(now.0)
    .fetch_all(conn)
    .await
}

/// The newest request of a login: to finish it with, to decide whether another may be sent,
/// and as its login screen shows it.
#[derive(sqlx::FromRow)]
pub struct SessionRequestRow {
    pub id: i64,
    pub number: i64,
    /// `pending`, `approved`, `denied` or `used` (read through `domain::push::PushState::of`).
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The newest request of the login in progress in `session_hash`.
pub async fn newest_of_session(conn: &mut Conn, session_hash: &[u8]) -> Result<Option<SessionRequestRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, number, state, created_at, expires_at FROM push_requests WHERE session_hash = $1
         ORDER BY id DESC LIMIT 1",
    )
    .bind(session_hash)
    .fetch_optional(conn)
    .await
}

/// A request as it is sent: the right `number` and the offered `choices` (comma-separated).
pub struct NewRequest<'a> {
    pub user_id: i64,
    pub session_hash: &'a [u8],
    pub nonce: &'a str,
    pub number: i64,
    pub choices: &'a str,
    pub ip: &'a str,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Stores a new pending request; its id.
pub async fn insert_request(conn: &mut Conn, r: &NewRequest<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO push_requests (user_id, session_hash, nonce, number, choices, ip, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(r.user_id)
    .bind(r.session_hash)
    .bind(r.nonce)
    .bind(r.number)
    .bind(r.choices)
    .bind(r.ip)
    .bind(r.created_at.0)
    .bind(r.expires_at.0)
    .fetch_one(conn)
    .await
}

/// A request as the device's answer is checked against it.
#[derive(sqlx::FromRow)]
pub struct AnsweredRequestRow {
    pub nonce: String,
    pub number: i64,
    pub state: String,
    pub expires_at: i64,
    pub session_hash: Vec<u8>,
}

/// The request `request_id`, if it was sent to the account.
pub async fn request_of_user(
    conn: &mut Conn,
    request_id: i64,
    user_id: i64,
) -> Result<Option<AnsweredRequestRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT nonce, number, state, expires_at, session_hash FROM push_requests WHERE id = $1 AND user_id = $2",
    )
    .bind(request_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Records the device's answer.
pub async fn set_answer(
    conn: &mut Conn,
    request_id: i64,
    outcome: Outcome,
    answered_at: Timestamp,
) -> Result<(), sqlx::Error> {
    let state = match outcome {
        Outcome::Approved => "approved",
        Outcome::Denied { .. } => "denied",
    };
    sqlx::query("UPDATE push_requests SET state = $1, answered_at = $2 WHERE id = $3")
        .bind(state)
        .bind(answered_at.0)
        .bind(request_id)
        .execute(conn)
        .await
        .map(drop)
}

/// An approved request passed its login challenge: it never passes another.
pub async fn mark_used(conn: &mut Conn, request_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE push_requests SET state = 'used' WHERE id = $1").bind(request_id).execute(conn).await.map(drop)
}

/// The account's pushes sent since `start` and after its last quota reset: how many, and
/// when the oldest was sent.
pub async fn sent_in_window(
    conn: &mut Conn,
    user_id: i64,
    start: Timestamp,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), min(created_at) FROM push_requests
         WHERE user_id = $1 AND created_at >= $2 AND id > (SELECT quota_reset_push_id FROM users WHERE id = $1)",
    )
    .bind(user_id)
    .bind(start.0)
    .fetch_one(conn)
    .await
}
