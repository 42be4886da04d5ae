//! `challenges`, `challenge_codes`: a session's MFA challenge (its channel, state and tries,
//! SPEC 3.3) and the one-time codes sent in it, stored as keyed hashes.

use super::Conn;
use crate::{
    backend::db::{
        Flag,
        batch::{Value, Write},
    },
    domain::{
        mfa::{ChallengeState, Method},
        time::Timestamp,
    },
};

/// A challenge as stored: `state` is `open`, `verified` or `exhausted`, `method` the channel
/// it sends codes on.
#[derive(sqlx::FromRow)]
pub struct ChallengeRow {
    pub id: i64,
    pub method: String,
    pub phone_e164: Option<String>,
    pub state: String,
    pub failures: i64,
}

/// The challenge of the session stored under `session_hash`, if it has one.
pub async fn of_session(conn: &mut Conn, session_hash: &[u8]) -> Result<Option<ChallengeRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, method, phone_e164, state, failures FROM challenges WHERE session_hash = $1")
        .bind(session_hash)
        .fetch_optional(conn)
        .await
}

/// Opens the password step's challenge on `method`; returns its id.
/// Returns the new row's id: sent with the writes kept so far (`WriteTx::send_kept_with`).
pub fn open_login(session_hash: &[u8], user_id: i64, method: Method, now: Timestamp) -> Write {
    Write {
        sql: "INSERT INTO challenges (session_hash, user_id, purpose, method, state, created_at)
              VALUES ($1, $2, 'login', $3, 'open', $4) RETURNING id",
        values: vec![
            Value::Blob(session_hash.to_vec()),
            Value::Int(user_id),
            Value::Text(method.as_str().into()),
            Value::Int(now.0),
        ],
    }
}

/// Opens an MFA setup's challenge, by SMS to `phone_e164`; returns its id.
pub async fn open_setup(
    conn: &mut Conn,
    session_hash: &[u8],
    user_id: i64,
    phone_e164: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO challenges (session_hash, user_id, purpose, method, phone_e164, state, created_at)
         VALUES ($1, $2, 'setup', 'sms', $3, 'open', $4) RETURNING id",
    )
    .bind(session_hash)
    .bind(user_id)
    .bind(phone_e164)
    .bind(now.0)
    .fetch_one(conn)
    .await
}

/// Stores a challenge's new state: its name, and the tries counted while it is open.
/// Sent with the transaction's commit (`db::batch`).
pub fn set_state(challenge_id: i64, next: ChallengeState) -> Write {
    let (state, failures) = match next {
        ChallengeState::Open { failures } => ("open", i64::from(failures)),
        ChallengeState::Verified => ("verified", 0),
        ChallengeState::Exhausted => ("exhausted", 0),
    };
    Write {
        sql: "UPDATE challenges SET state = $1, failures = $2 WHERE id = $3",
        values: vec![Value::Text(state.into()), Value::Int(failures), Value::Int(challenge_id)],
    }
}

pub async fn set_phone(conn: &mut Conn, challenge_id: i64, phone_e164: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE challenges SET phone_e164 = $1 WHERE id = $2")
        .bind(phone_e164)
        .bind(challenge_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_method(conn: &mut Conn, challenge_id: i64, method: Method) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE challenges SET method = $1 WHERE id = $2")
        .bind(method.as_str())
        .bind(challenge_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A code sent in the challenge, stored with the transaction's commit (`db::batch`).
pub fn add_code(challenge_id: i64, channel: Method, code_hash: &[u8], sent_at: Timestamp) -> Write {
    Write {
        sql: "INSERT INTO challenge_codes (challenge_id, channel, code_hash, sent_at) VALUES ($1, $2, $3, $4)",
        values: vec![
            Value::Int(challenge_id),
            Value::Text(channel.as_str().into()),
            Value::Blob(code_hash.to_vec()),
            Value::Int(sent_at.0),
        ],
    }
}

/// A code of a challenge as stored.
#[derive(sqlx::FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub code_hash: Vec<u8>,
    pub sent_at: i64,
    pub channel: String,
}

/// The challenge's codes not used yet, expired or not.
pub async fn unused_codes(conn: &mut Conn, challenge_id: i64) -> Result<Vec<CodeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, code_hash, sent_at, channel FROM challenge_codes WHERE challenge_id = $1 AND used_at IS NULL",
    )
    .bind(challenge_id)
    .fetch_all(conn)
    .await
}

/// A code used up, sent with the transaction's commit (`db::batch`).
pub fn mark_code_used(code_id: i64, at: Timestamp) -> Write {
    Write {
        sql: "UPDATE challenge_codes SET used_at = $1 WHERE id = $2",
        values: vec![Value::Int(at.0), Value::Int(code_id)],
    }
}

/// Whether any code was sent in the challenge.
pub async fn any_code_sent(conn: &mut Conn, challenge_id: i64) -> Result<bool, sqlx::Error> {
    let sent: Flag = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM challenge_codes WHERE challenge_id = $1)")
        .bind(challenge_id)
        .fetch_one(conn)
        .await?;
    Ok(sent.0)
}

pub async fn delete_codes(conn: &mut Conn, challenge_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM challenge_codes WHERE challenge_id = $1").bind(challenge_id).execute(conn).await?;
    Ok(())
}
