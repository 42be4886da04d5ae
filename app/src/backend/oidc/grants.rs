//! What lies between an authorization request and its tokens, each found by the keyed hash of
//! a random value that only its holder has:
//! - a request waiting for its user's login (the browser holds the cookie);
//! - an authorization code: single use, [`CODE_TTL_SECS`], bound to client, redirect URI and
//!   PKCE challenge; a second use revokes the access tokens the first one got;
//! - an access token for userinfo, [`TOKEN_TTL_SECS`].

use sqlx::AnyConnection;

use crate::{
    backend::crypto::{Keys, Purpose, Secret, random_token},
    domain::{
        authorization_details::Detail,
        oidc::{AuthorizationRequest, CODE_TTL_SECS, Proof, REQUEST_TTL_SECS, TOKEN_TTL_SECS},
        time::Timestamp,
    },
};

fn hash(keys: &Keys, token: &str) -> Vec<u8> {
    keys.keyed_hash(Purpose::OidcGrant, token.as_bytes())
}

/// Keeps `request` until its user has logged in; returns the browser's cookie value.
pub async fn save_request(
    conn: &mut AnyConnection,
    keys: &Keys,
    request: &AuthorizationRequest,
    now: Timestamp,
) -> Result<Secret<String>, sqlx::Error> {
    sqlx::query("DELETE FROM oidc_requests WHERE expires_at <= $1").bind(now.0).execute(&mut *conn).await?;
    let token = random_token();
    let json = serde_json::to_string(request).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query("INSERT INTO oidc_requests (id_hash, client_id, request, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash(keys, token.expose()))
        .bind(&request.client_id)
        .bind(json)
        .bind(now.plus_secs(REQUEST_TTL_SECS).0)
        .execute(conn)
        .await?;
    Ok(token)
}

/// The request waiting behind a browser's cookie, if it has not expired.
pub async fn waiting_request(
    conn: &mut AnyConnection,
    keys: &Keys,
    token: &Secret<String>,
    now: Timestamp,
) -> Result<Option<AuthorizationRequest>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT request FROM oidc_requests WHERE id_hash = $1 AND expires_at > $2")
            .bind(hash(keys, token.expose()))
            .bind(now.0)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|(json,)| serde_json::from_str(&json).ok()))
}

/// Whether a login through the browser holding `cookie` must pass a second factor even from
/// the trusted IP: the application waiting for it asked for one (step-up, `max_age`,
/// `prompt=login`).
pub async fn login_needs_mfa(
    conn: &mut AnyConnection,
    keys: &Keys,
    cookie: Option<&Secret<String>>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let Some(cookie) = cookie else { return Ok(false) };
    Ok(waiting_request(conn, keys, cookie, now).await?.is_some_and(|r| r.asks_mfa))
}

pub async fn delete_request(conn: &mut AnyConnection, keys: &Keys, token: &Secret<String>) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM oidc_requests WHERE id_hash = $1").bind(hash(keys, token.expose())).execute(conn).await?;
    Ok(())
}

/// What an authorization code stands for.
#[derive(Clone, Debug)]
pub struct Grant {
    pub client_id: String,
    pub user_id: i64,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub scope: String,
    pub auth_time: Timestamp,
    pub proof: Proof,
    /// The transaction confirmed with a TAN.
    pub details: Option<Detail>,
}

pub async fn issue_code(
    conn: &mut AnyConnection,
    keys: &Keys,
    grant: &Grant,
    now: Timestamp,
) -> Result<Secret<String>, sqlx::Error> {
    // A used code is kept while its tokens live, for the reuse check.
    let stale = now.minus_secs(TOKEN_TTL_SECS).0;
    sqlx::query("DELETE FROM oidc_codes WHERE expires_at <= $1").bind(stale).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM oidc_tokens WHERE expires_at <= $1").bind(stale).execute(&mut *conn).await?;
    let code = random_token();
    sqlx::query(
        "INSERT INTO oidc_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, nonce, scope, auth_time, proof, \
         authorization_details, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(hash(keys, code.expose()))
    .bind(&grant.client_id)
    .bind(grant.user_id)
    .bind(&grant.redirect_uri)
    .bind(&grant.code_challenge)
    .bind(&grant.nonce)
    .bind(&grant.scope)
    .bind(grant.auth_time.0)
    .bind(grant.proof.as_stored())
    .bind(grant.details.as_ref().map(Detail::canonical))
    .bind(now.plus_secs(CODE_TTL_SECS).0)
    .execute(conn)
    .await?;
    Ok(code)
}

/// What redeeming a code found.
pub enum Redeemed {
    /// First use within its time: the code is used up now.
    Granted { code_hash: Vec<u8>, grant: Box<Grant> },
    /// Used before: the access tokens of its first use are revoked now.
    Reused,
    /// Unknown or expired.
    Invalid,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    client_id: String,
    user_id: i64,
    redirect_uri: String,
    code_challenge: Option<String>,
    nonce: Option<String>,
    scope: String,
    auth_time: i64,
    proof: Option<String>,
    authorization_details: Option<String>,
}

pub async fn redeem(
    conn: &mut AnyConnection,
    keys: &Keys,
    code: &str,
    now: Timestamp,
) -> Result<Redeemed, sqlx::Error> {
    let code_hash = hash(keys, code);
    let row: Option<GrantRow> = sqlx::query_as(
        "UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING client_id, user_id, redirect_uri, code_challenge, nonce, scope, auth_time, proof, authorization_details",
    )
    .bind(now.0)
    .bind(&code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(r) = row {
        let grant = Grant {
            client_id: r.client_id,
            user_id: r.user_id,
            redirect_uri: r.redirect_uri,
            code_challenge: r.code_challenge,
            nonce: r.nonce,
            scope: r.scope,
            auth_time: Timestamp(r.auth_time),
            proof: Proof::from_stored(r.proof.as_deref()),
            details: r.authorization_details.and_then(|d| serde_json::from_str(&d).ok()),
        };
        return Ok(Redeemed::Granted { code_hash, grant: Box::new(grant) });
    }
    let used: Option<(i64,)> =
        sqlx::query_as("SELECT user_id FROM oidc_codes WHERE code_hash = $1 AND used_at IS NOT NULL")
            .bind(&code_hash)
            .fetch_optional(&mut *conn)
            .await?;
    if used.is_none() {
        return Ok(Redeemed::Invalid);
    }
    sqlx::query("UPDATE oidc_tokens SET revoked_at = $1 WHERE code_hash = $2 AND revoked_at IS NULL")
        .bind(now.0)
        .bind(&code_hash)
        .execute(conn)
        .await?;
    Ok(Redeemed::Reused)
}

pub async fn issue_token(
    conn: &mut AnyConnection,
    keys: &Keys,
    code_hash: &[u8],
    grant: &Grant,
    now: Timestamp,
) -> Result<Secret<String>, sqlx::Error> {
    let token = random_token();
    sqlx::query(
        "INSERT INTO oidc_tokens (token_hash, code_hash, client_id, user_id, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash(keys, token.expose()))
    .bind(code_hash)
    .bind(&grant.client_id)
    .bind(grant.user_id)
    .bind(&grant.scope)
    .bind(now.plus_secs(TOKEN_TTL_SECS).0)
    .execute(conn)
    .await?;
    Ok(token)
}

/// The account and scope of a live access token.
pub async fn token_holder(
    conn: &mut AnyConnection,
    keys: &Keys,
    token: &str,
    now: Timestamp,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, scope FROM oidc_tokens WHERE token_hash = $1 AND expires_at > $2 AND revoked_at IS NULL",
    )
    .bind(hash(keys, token))
    .bind(now.0)
    .fetch_optional(conn)
    .await
}

/// What tokens say of an account; `None` for a disabled or removed one.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountClaims {
    /// `None` until the account's first token.
    pub subject: Option<String>,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub organisation: Option<String>,
}

pub async fn account(conn: &mut AnyConnection, user_id: i64) -> Result<Option<AccountClaims>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.oidc_subject AS subject, u.email, u.full_name, u.role, o.name AS organisation FROM users u \
         LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1 AND u.disabled_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// The account's `sub`, made (16 random bytes) at its first token; in the caller's write
/// transaction.
pub async fn subject(conn: &mut AnyConnection, user_id: i64) -> Result<String, sqlx::Error> {
    let made = random_token();
    sqlx::query("UPDATE users SET oidc_subject = $1 WHERE id = $2 AND oidc_subject IS NULL")
        .bind(&made.expose()[..22])
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("SELECT oidc_subject FROM users WHERE id = $1").bind(user_id).fetch_one(conn).await
}
