//! `organisations`: the supplier organisations (SPEC "People"), each with its name.

use super::Conn;
use crate::domain::time::Timestamp;

/// A new organisation; its id.
pub async fn insert(conn: &mut Conn, name: &str, now: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO organisations (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now.0)
        .fetch_one(conn)
        .await
}

pub async fn name_by_id(conn: &mut Conn, organisation_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1").bind(organisation_id).fetch_one(conn).await
}
