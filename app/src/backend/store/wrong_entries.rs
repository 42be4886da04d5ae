//! `wrong_entries`: every wrong second-factor entry at a login challenge, per account
//! (SPEC 4.6), counted over the rolling window after the account's last reset.

use super::Conn;
use crate::{
    backend::db::batch::{Value, Write},
    domain::time::Timestamp,
};

/// The account's wrong entries since `start` and after its last reset: how many, and when the
/// oldest was made.
pub async fn in_window(conn: &mut Conn, user_id: i64, start: Timestamp) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), min(at) FROM wrong_entries
         WHERE user_id = $1 AND at >= $2
           AND id > (SELECT quota_reset_entry_id FROM users WHERE id = $1)",
    )
    .bind(user_id)
    .bind(start.0)
    .fetch_one(conn)
    .await
}

/// One wrong entry of the account, sent with the transaction's commit (`db::batch`).
pub fn record(user_id: i64, at: Timestamp) -> Write {
    Write {
        sql: "INSERT INTO wrong_entries (user_id, at) VALUES ($1, $2)",
        values: vec![Value::Int(user_id), Value::Int(at.0)],
    }
}
