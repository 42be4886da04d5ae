//! `tans`: the TANs issued for protected actions (SPEC 5), each sent by SMS.

use super::Conn;
use crate::{
    backend::db::batch::{Value, Write},
    domain::{
        tan::{Action, TanState},
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

/// A TAN as checked against the one typed.
#[derive(sqlx::FromRow)]
pub struct IssuedTanRow {
    pub id: i64,
    pub digest: Vec<u8>,
    pub tan_hash: Vec<u8>,
    pub issued_at: i64,
}

/// The newest TAN still `issued` for this action in the session, fresh or not.
pub async fn latest_issued(
    conn: &mut Conn,
    session_hash: &[u8],
    action: Action,
) -> Result<Option<IssuedTanRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, digest, tan_hash, issued_at FROM tans
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
pub async fn void_issued(conn: &mut Conn, session_hash: &[u8], action: Action) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tans SET state = 'void' WHERE session_hash = $1 AND action = $2 AND state = 'issued'")
        .bind(session_hash)
        .bind(action.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a new `issued` TAN without its hash (see [`set_hash`]); returns its id.
pub async fn insert_issued(
    conn: &mut Conn,
    session_hash: &[u8],
    user_id: i64,
    action: Action,
    digest: &[u8],
    issued_at: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO tans (session_hash, user_id, action, digest, tan_hash, issued_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, 'issued') RETURNING id",
    )
    .bind(session_hash)
    .bind(user_id)
    .bind(action.as_str())
    .bind(digest)
    // The TAN's hash is keyed with the row's id, so it is written once the id is known.
    .bind(Vec::<u8>::new())
    .bind(issued_at.0)
    .fetch_one(conn)
    .await
}

pub async fn set_hash(conn: &mut Conn, tan_id: i64, tan_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tans SET tan_hash = $1 WHERE id = $2").bind(tan_hash).bind(tan_id).execute(conn).await?;
    Ok(())
}
