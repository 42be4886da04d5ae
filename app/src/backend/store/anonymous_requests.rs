//! `anonymous_requests`: requests made without an account, per network, for the per-IP cap
//! (SPEC 1.2).

use super::Conn;
use crate::domain::time::Timestamp;

/// Forgets the network's requests made at or before `cutoff`.
pub async fn delete_until(conn: &mut Conn, ip: &str, cutoff: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM anonymous_requests WHERE ip = $1 AND at <= $2")
        .bind(ip)
        .bind(cutoff.0)
        .execute(conn)
        .await
        .map(drop)
}

/// How many requests the network has on record, and when the oldest was made.
pub async fn count_and_oldest(conn: &mut Conn, ip: &str) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as("SELECT count(*), min(at) FROM anonymous_requests WHERE ip = $1").bind(ip).fetch_one(conn).await
}

pub async fn insert(conn: &mut Conn, ip: &str, kind: &str, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO anonymous_requests (ip, kind, at) VALUES ($1, $2, $3)")
        .bind(ip)
        .bind(kind)
        .bind(at.0)
        .execute(conn)
        .await
        .map(drop)
}
