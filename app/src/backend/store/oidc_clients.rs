//! `oidc_clients`: applications registered by an operator; a confidential client's secret as
//! its keyed hash, redirect URIs one per line.

use super::Conn;
use crate::domain::time::Timestamp;

/// Registers a client unless its id is taken; returns rows affected (0 when taken).
pub async fn insert(
    conn: &mut Conn,
    id: &str,
    name: &str,
    secret_hash: Option<&[u8]>,
    redirect_uris: &str,
    post_logout_uris: &str,
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris, post_logout_uris, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(name)
    .bind(secret_hash)
    .bind(redirect_uris)
    .bind(post_logout_uris)
    .bind(now.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A registered client as stored (URI lists one per line).
#[derive(sqlx::FromRow)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub secret_hash: Option<Vec<u8>>,
    pub redirect_uris: String,
    pub post_logout_uris: String,
}

pub async fn find(conn: &mut Conn, id: &str) -> Result<Option<ClientRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, secret_hash, redirect_uris, post_logout_uris FROM oidc_clients WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}
