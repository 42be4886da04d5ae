//! `audit_events`: the append-only record of what happened (SPEC 6.5), and the counts and
//! lists read back from it.

use super::Conn;
use crate::domain::time::Timestamp;

/// A successful login as the start page shows it.
#[derive(sqlx::FromRow)]
pub struct LoginRow {
    pub id: i64,
    pub at: i64,
    pub ip: Option<String>,
    pub detail: String,
}

/// The account's successful login before the newest one (the newest is this session's).
pub async fn login_before_newest(conn: &mut Conn, user_id: i64) -> Result<Option<LoginRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, ip, detail FROM audit_events WHERE user_id = $1 AND kind = 'login.succeeded'
         ORDER BY id DESC LIMIT 1 OFFSET 1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Wrong passwords for the account recorded after the event `after_id`.
pub async fn failed_logins_after(conn: &mut Conn, user_id: i64, after_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE user_id = $1 AND kind = 'login.failed' AND id > $2")
        .bind(user_id)
        .bind(after_id)
        .fetch_one(conn)
        .await
}

/// Registrations started for `email` after `since` (SPEC 2.1's per-address cap on e-mails).
pub async fn registrations_started_since(conn: &mut Conn, email: &str, since: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE kind = 'registration.started'
         AND json_extract(detail, '$.email') = $1 AND at > $2",
    )
    .bind(email)
    .bind(since.0)
    .fetch_one(conn)
    .await
}
