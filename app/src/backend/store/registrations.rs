//! `registrations`: self-registrations in progress (SPEC 2.1), keyed by the hash of their
//! cookie's token; no account exists until the code is confirmed.

use super::Conn;
use crate::domain::time::Timestamp;

/// A registration in progress.
#[derive(sqlx::FromRow)]
pub struct RegistrationRow {
    pub flow_hash: Vec<u8>,
    pub company: String,
    pub full_name: String,
    pub email: String,
    pub password_hash: String,
    pub code_hash: Option<Vec<u8>>,
    pub codes_sent: i64,
    pub last_sent_at: i64,
    pub failures: i64,
    pub created_at: i64,
}

/// The registration with this flow hash, however old.
pub async fn by_flow_hash(conn: &mut Conn, flow_hash: &[u8]) -> Result<Option<RegistrationRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT flow_hash, company, full_name, email, password_hash, code_hash, codes_sent, last_sent_at, failures,
                created_at
         FROM registrations WHERE flow_hash = $1",
    )
    .bind(flow_hash)
    .fetch_optional(conn)
    .await
}

/// Starts a registration; `now` is both its creation and its first send time.
pub async fn insert(
    conn: &mut Conn,
    flow_hash: &[u8],
    company: &str,
    full_name: &str,
    email: &str,
    password_hash: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO registrations (flow_hash, company, full_name, email, password_hash, last_sent_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(flow_hash)
    .bind(company)
    .bind(full_name)
    .bind(email)
    .bind(password_hash)
    .bind(now.0)
    .bind(now.0)
    .execute(conn)
    .await
    .map(drop)
}

/// Records a send: the code's hash (`None` when no code was sent), one more send, its time.
pub async fn record_send(
    conn: &mut Conn,
    flow_hash: &[u8],
    code_hash: Option<&[u8]>,
    sent_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE registrations SET code_hash = $1, codes_sent = codes_sent + 1, last_sent_at = $2 WHERE flow_hash = $3",
    )
    .bind(code_hash)
    .bind(sent_at.0)
    .bind(flow_hash)
    .execute(conn)
    .await
    .map(drop)
}

pub async fn count_failure(conn: &mut Conn, flow_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE registrations SET failures = failures + 1 WHERE flow_hash = $1")
        .bind(flow_hash)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn delete(conn: &mut Conn, flow_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM registrations WHERE flow_hash = $1").bind(flow_hash).execute(conn).await.map(drop)
}

/// Deletes the registrations created at or before `cutoff`.
pub async fn delete_created_until(conn: &mut Conn, cutoff: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM registrations WHERE created_at <= $1").bind(cutoff.0).execute(conn).await.map(drop)
}
