//! `audit_events`: the append-only record of what happened (SPEC 6.5), and the counts and
//! lists read back from it.

use super::Conn;
use crate::{
    backend::db::batch::{Row, Value},
    domain::time::Timestamp,
};

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

/// Failed logins of the account (`login.failed`: wrong password, disabled account, void link)
/// recorded after the event `after_id`.
pub async fn failed_logins_after(conn: &mut Conn, user_id: i64, after_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE user_id = $1 AND kind = 'login.failed' AND id > $2")
        .bind(user_id)
        .bind(after_id)
        .fetch_one(conn)
        .await
}

/// One event as a row of the transaction's insert, sent with its commit
/// (`db::batch`); `detail` is its JSON.
pub fn row(
    at: Timestamp,
    kind: &str,
    user_id: Option<i64>,
    actor_id: Option<i64>,
    ip: Option<String>,
    detail: String,
) -> Row {
    Row {
        insert: "INSERT INTO audit_events (at, kind, user_id, actor_id, ip, detail) VALUES",
        tuple: "($1, $2, $3, $4, $5, $6)",
        values: vec![
            Value::Int(at.0),
            Value::Text(kind.to_owned()),
            Value::OptInt(user_id),
            Value::OptInt(actor_id),
            Value::OptText(ip),
            Value::Text(detail),
        ],
    }
}

/// An event of an account as its activity list shows it, with who acted.
#[derive(sqlx::FromRow)]
pub struct ActivityRow {
    pub at: i64,
    pub kind: String,
    pub ip: Option<String>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub detail: String,
}

/// The account's `limit` newest events, newest first.
pub async fn newest_of_user(conn: &mut Conn, user_id: i64, limit: i64) -> Result<Vec<ActivityRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.at, a.kind, a.ip, a.actor_id, actor.full_name AS actor_name, actor.role AS actor_role, a.detail
         FROM audit_events a LEFT JOIN users actor ON actor.id = a.actor_id
         WHERE a.user_id = $1 ORDER BY a.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Invitations the admin sent or was refused after `since`.
pub async fn count_invitations_since(conn: &mut Conn, actor_id: i64, since: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE actor_id = $1 AND kind IN ('invitation.sent', 'invitation.refused')
         AND at > $2",
    )
    .bind(actor_id)
    .bind(since.0)
    .fetch_one(conn)
    .await
}

/// The IP of the account's newest `tan.locked` event (`None` also when it has none).
pub async fn newest_tan_lock_ip(conn: &mut Conn, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    let ip: Option<Option<String>> = sqlx::query_scalar(
        "SELECT ip FROM audit_events WHERE user_id = $1 AND kind = 'tan.locked' ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(ip.flatten())
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
