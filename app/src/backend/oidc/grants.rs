//! What lies between an authorization request and its tokens, each found by the keyed hash of
//! a random value that only its holder has:
//! - a request waiting for its user's login (the browser holds the cookie);
//! - an authorization code: single use, [`CODE_TTL_SECS`], bound to client, redirect URI and
//!   PKCE challenge; a second use revokes the access tokens the first one got;
//! - an access token for userinfo, [`TOKEN_TTL_SECS`].

use sqlx::AnyConnection;

use crate::{
    backend::{
        crypto::{Keys, Purpose, Secret, random_token},
        store,
    },
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
    store::oidc_grants::delete_expired_requests(conn, now).await?;
    let token = random_token();
    let json = serde_json::to_string(request).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let expires_at = now.plus_secs(REQUEST_TTL_SECS);
    store::oidc_grants::insert_request(conn, &hash(keys, token.expose()), &request.client_id, &json, expires_at)
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
    let json = store::oidc_grants::live_request_json(conn, &hash(keys, token.expose()), now).await?;
    Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
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
    store::oidc_grants::delete_request(conn, &hash(keys, token.expose())).await
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
    let stale = now.minus_secs(TOKEN_TTL_SECS);
    store::oidc_grants::delete_codes_expired_by(conn, stale).await?;
    store::oidc_grants::delete_tokens_expired_by(conn, stale).await?;
    let code = random_token();
    let code_hash = hash(keys, code.expose());
    store::oidc_grants::insert_code(
        conn,
        store::oidc_grants::NewCode {
            code_hash: &code_hash,
            client_id: &grant.client_id,
            user_id: grant.user_id,
            redirect_uri: &grant.redirect_uri,
            code_challenge: grant.code_challenge.as_deref(),
            nonce: grant.nonce.as_deref(),
            scope: &grant.scope,
            auth_time: grant.auth_time,
            proof: grant.proof.as_stored(),
            authorization_details: grant.details.as_ref().map(Detail::canonical),
            expires_at: now.plus_secs(CODE_TTL_SECS),
        },
    )
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

pub async fn redeem(
    conn: &mut AnyConnection,
    keys: &Keys,
    code: &str,
    now: Timestamp,
) -> Result<Redeemed, sqlx::Error> {
    let code_hash = hash(keys, code);
    if let Some(r) = store::oidc_grants::use_code(conn, &code_hash, now).await? {
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
    if store::oidc_grants::used_code_user(conn, &code_hash).await?.is_none() {
        return Ok(Redeemed::Invalid);
    }
    store::oidc_grants::revoke_tokens_of_code(conn, &code_hash, now).await?;
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
    store::oidc_grants::insert_token(
        conn,
        &hash(keys, token.expose()),
        code_hash,
        &grant.client_id,
        grant.user_id,
        &grant.scope,
        now.plus_secs(TOKEN_TTL_SECS),
    )
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
    store::oidc_grants::live_token_holder(conn, &hash(keys, token), now).await
}

/// The account's `sub`, made (16 random bytes) at its first token; in the caller's write
/// transaction.
pub async fn subject(conn: &mut AnyConnection, user_id: i64) -> Result<String, sqlx::Error> {
    let made = random_token();
    store::users::set_oidc_subject_if_unset(conn, user_id, &made.expose()[..22]).await?;
    store::users::oidc_subject(conn, user_id).await
}
