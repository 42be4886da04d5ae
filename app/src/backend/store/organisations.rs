//! `organisations`: the supplier organisations (SPEC "People"), each with its name.

use super::Conn;
use crate::domain::time::Timestamp;

/// Creates an organisation; returns its id.
pub async fn create(conn: &mut Conn, name: &str, created_at: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO organisations (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(created_at.0)
        .fetch_one(conn)
        .await
}

pub async fn id_by_name(conn: &mut Conn, name: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1").bind(name).fetch_optional(conn).await
}

/// The organisation's name; `None` for no organisation or an unknown id.
pub async fn name(conn: &mut Conn, id: Option<i64>) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1").bind(id).fetch_optional(conn).await
}
