//! `tans`: the TANs issued for protected actions (SPEC 5): sent by SMS, or a passkey's
//! ceremony kept with the data's digest (SPEC 14.3).

use super::Conn;
use crate::{
    backend::db::batch::{Value, Write},
    domain::{
        tan::{Action, TanState, Way},
        time::Timestamp,
    },
};

/// The account's TANs issued since `start`: how many, and when the oldest was issued.
pub async fn issued_in_window(
    conn: &mut Conn,
    user_id: i64,
    start: Timestamp,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as("SELECT count(*), min(issued_at) FROM tans WHERE user_id = $1 AND issued_at >= $2")
        .bind(user_id)
        .bind(start.0)
        .fetch_one(conn)
        .await
}

/// What issuing a TAN decides on, in one read: the session's newest TAN still issued for
/// the action (when, for which data, which way, and a passkey's ceremony: the resend
/// countdown), the account's TANs in the window (the TAN quota, every way), and the network's
/// SMS in the window (the SMS cap).
#[derive(sqlx::FromRow)]
pub struct IssueFactsRow {
    pub last_issued_at: Option<i64>,
    pub last_digest: Option<Vec<u8>>,
    pub last_way: Option<String>,
    pub last_ceremony: Option<String>,

    pub used: i64,
    pub oldest: Option<i64>,
    pub network_used: i64,
    pub network_oldest: Option<i64>,
}

pub async fn issue_facts(
    conn: &mut Conn,
    session_hash: &[u8],
    action: Action,
    user_id: i64,
    start: Timestamp,
    network: &str,
) -> Result<IssueFactsRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT issued_at FROM tans WHERE session_hash = $1 AND action = $2 AND state = 'issued'
                 ORDER BY id DESC LIMIT 1) AS last_issued_at,
                (SELECT digest FROM tans WHERE session_hash = $1 AND action = $2 AND state = 'issued'
                 ORDER BY id DESC LIMIT 1) AS last_digest,
                (SELECT way FROM tans WHERE session_hash = $1 AND action = $2 AND state = 'issued'
                 ORDER BY id DESC LIMIT 1) AS last_way,
                (SELECT ceremony FROM tans WHERE session_hash = $1 AND action = $2 AND state = 'issued'
                 ORDER BY id DESC LIMIT 1) AS last_ceremony,

                count(*) AS used, min(issued_at) AS oldest,
                (SELECT count(*) FROM sms_sends WHERE network = $5 AND at >= $4) AS network_used,
                (SELECT min(at) FROM sms_sends WHERE network = $5 AND at >= $4) AS network_oldest
         FROM tans WHERE user_id = $3 AND issued_at >= $4",
    )
    .bind(session_hash)
    .bind(action.as_str())
    .bind(user_id)
    .bind(start.0)
    .bind(network)
    .fetch_one(conn)
    .await
}

/// An issued TAN as checked against the answer: the typed TAN's hash, or a passkey's
/// ceremony.
#[derive(sqlx::FromRow)]
pub struct IssuedTanRow {
    pub id: i64,
    pub digest: Vec<u8>,
    pub tan_hash: Vec<u8>,
    pub issued_at: i64,
    pub way: String,
    pub ceremony: Option<String>,
}

/// The newest TAN still `issued` for this action in the session, fresh or not.
pub async fn latest_issued(
    conn: &mut Conn,
    session_hash: &[u8],
    action: Action,
) -> Result<Option<IssuedTanRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, digest, tan_hash, issued_at, way, ceremony FROM tans
         WHERE session_hash = $1 AND action = $2 AND state = 'issued' ORDER BY id DESC LIMIT 1",
    )
    .bind(session_hash)
    .bind(action.as_str())
    .fetch_optional(conn)
    .await
}

/// Moves the TAN from state `from` to `to`; a TAN no longer in `from` stays as it is.
/// Written with the transaction's commit (`db::batch`).
pub fn change_state(tan_id: i64, from: TanState, to: TanState) -> Write {
    Write {
        sql: "UPDATE tans SET state = $1 WHERE id = $2 AND state = $3",
        values: vec![Value::Text(to.as_str().into()), Value::Int(tan_id), Value::Text(from.as_str().into())],
    }
}

/// Voids every TAN still `issued` for this action in the session.
pub fn void_issued(session_hash: &[u8], action: Action) -> Write {
    Write {
        sql: "UPDATE tans SET state = 'void' WHERE session_hash = $1 AND action = $2 AND state = 'issued'",
        values: vec![Value::Blob(session_hash.to_vec()), Value::Text(action.as_str().into())],
    }
}

/// Voids the account's passkey TAN ceremonies still `issued` (a key was removed).
pub fn void_passkey_ceremonies(user_id: i64) -> Write {
    Write {
        sql: "UPDATE tans SET state = 'void' WHERE user_id = $1 AND way = 'passkey' AND state = 'issued'",
        values: vec![Value::Int(user_id)],
    }
}

/// A TAN to store as `issued`.
pub struct NewTan<'a> {
    pub session_hash: &'a [u8],
    pub user_id: i64,
    pub action: Action,
    pub digest: &'a [u8],
    pub issued_at: Timestamp,
    pub way: Way,
    /// A passkey's ceremony (options and state, as JSON); none for SMS.
    pub ceremony: Option<String>,
}

/// Stores a new `issued` TAN without its hash (see [`set_hash`]; a passkey's TAN never has
/// one). Returns the new row's id: sent with the writes kept so far
/// (`WriteTx::send_kept_with`), the voiding of the earlier TAN among them.
pub fn insert_issued(new: NewTan<'_>) -> Write {
    Write {
        // The TAN's hash is keyed with the row's id, so it is written once the id is known.
        sql: "INSERT INTO tans (session_hash, user_id, action, digest, tan_hash, issued_at, state, way, ceremony)
              VALUES ($1, $2, $3, $4, $5, $6, 'issued', $7, $8) RETURNING id",
        values: vec![
            Value::Blob(new.session_hash.to_vec()),
            Value::Int(new.user_id),
            Value::Text(new.action.as_str().into()),
            Value::Blob(new.digest.to_vec()),
            Value::Blob(Vec::new()),
            Value::Int(new.issued_at.0),
            Value::Text(new.way.as_str().into()),
            Value::OptText(new.ceremony),
        ],
    }
}

/// Written with the transaction's commit (`db::batch`).
pub fn set_hash(tan_id: i64, tan_hash: &[u8]) -> Write {
    Write {
        sql: "UPDATE tans SET tan_hash = $1 WHERE id = $2",
        values: vec![Value::Blob(tan_hash.to_vec()), Value::Int(tan_id)],
    }
}
