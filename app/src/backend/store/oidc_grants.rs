//! `oidc_settled_requests`, `oidc_codes`, `oidc_tokens`: what lies between an authorization
//! request and its tokens, each row found by the keyed hash of a value only its holder has.

use super::Conn;
use crate::domain::time::Timestamp;

/// Forgets the marks of settled requests that would have expired by `now` anyway.
pub async fn delete_settled_requests_expired_by(conn: &mut Conn, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM oidc_settled_requests WHERE expires_at <= $1").bind(now.0).execute(conn).await.map(drop)
}

/// Marks the request whose sealed cookie hashes to `id_hash` settled; `false` when it was
/// settled before (another request got there first).
pub async fn settle_request(conn: &mut Conn, id_hash: &[u8], expires_at: Timestamp) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO oidc_settled_requests (id_hash, expires_at) VALUES ($1, $2) ON CONFLICT (id_hash) DO NOTHING",
    )
    .bind(id_hash)
    .bind(expires_at.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn request_is_settled(conn: &mut Conn, id_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT expires_at FROM oidc_settled_requests WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Deletes the codes (used or not) that expired at or before `at`.
pub async fn delete_codes_expired_by(conn: &mut Conn, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM oidc_codes WHERE expires_at <= $1").bind(at.0).execute(conn).await.map(drop)
}

/// Deletes the access tokens (revoked or not) that expired at or before `at`.
pub async fn delete_tokens_expired_by(conn: &mut Conn, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM oidc_tokens WHERE expires_at <= $1").bind(at.0).execute(conn).await.map(drop)
}

/// A new authorization code and what it stands for.
pub struct NewCode<'a> {
    pub code_hash: &'a [u8],
    pub client_id: &'a str,
    pub user_id: i64,
    pub redirect_uri: &'a str,
    pub code_challenge: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub scope: &'a str,
    pub auth_time: Timestamp,
    pub proof: Option<&'a str>,
    /// The confirmed transaction as canonical JSON.
    pub authorization_details: Option<String>,
    pub expires_at: Timestamp,
}

pub async fn insert_code(conn: &mut Conn, code: NewCode<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oidc_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, nonce, scope, auth_time, proof, \
         authorization_details, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(code.code_hash)
    .bind(code.client_id)
    .bind(code.user_id)
    .bind(code.redirect_uri)
    .bind(code.code_challenge)
    .bind(code.nonce)
    .bind(code.scope)
    .bind(code.auth_time.0)
    .bind(code.proof)
    .bind(code.authorization_details)
    .bind(code.expires_at.0)
    .execute(conn)
    .await
    .map(drop)
}

/// What a code stands for, as stored.
#[derive(sqlx::FromRow)]
pub struct CodeGrantRow {
    pub client_id: String,
    pub user_id: i64,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub scope: String,
    pub auth_time: i64,
    pub proof: Option<String>,
    pub authorization_details: Option<String>,
}

/// Marks the code used, if it is unused and has not expired; returns what it stands for then.
pub async fn use_code(conn: &mut Conn, code_hash: &[u8], now: Timestamp) -> Result<Option<CodeGrantRow>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING client_id, user_id, redirect_uri, code_challenge, nonce, scope, auth_time, proof, authorization_details",
    )
    .bind(now.0)
    .bind(code_hash)
    .fetch_optional(conn)
    .await
}

/// The account of the code, if the code exists and was used before.
pub async fn used_code_user(conn: &mut Conn, code_hash: &[u8]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM oidc_codes WHERE code_hash = $1 AND used_at IS NOT NULL")
        .bind(code_hash)
        .fetch_optional(conn)
        .await
}

/// Revokes the access tokens got with the code that are not revoked yet.
pub async fn revoke_tokens_of_code(conn: &mut Conn, code_hash: &[u8], now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE oidc_tokens SET revoked_at = $1 WHERE code_hash = $2 AND revoked_at IS NULL")
        .bind(now.0)
        .bind(code_hash)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn insert_token(
    conn: &mut Conn,
    token_hash: &[u8],
    code_hash: &[u8],
    client_id: &str,
    user_id: i64,
    scope: &str,
    expires_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oidc_tokens (token_hash, code_hash, client_id, user_id, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(code_hash)
    .bind(client_id)
    .bind(user_id)
    .bind(scope)
    .bind(expires_at.0)
    .execute(conn)
    .await
    .map(drop)
}

/// The account and scope of the access token, if it has neither expired nor been revoked.
pub async fn live_token_holder(
    conn: &mut Conn,
    token_hash: &[u8],
    now: Timestamp,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, scope FROM oidc_tokens WHERE token_hash = $1 AND expires_at > $2 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(now.0)
    .fetch_optional(conn)
    .await
}
