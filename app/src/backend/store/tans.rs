//! `tans`: the TANs issued for protected actions (SPEC 5), each sent by SMS.

use super::Conn;
use crate::domain::time::Timestamp;

/// The account's TANs issued since `start`: how many, and when the oldest was issued. A login
/// does not reset them (SPEC 5.6).
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
