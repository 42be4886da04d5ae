//! What lies between an authorization request and its tokens:
//! - a request waiting for its user's login: the browser keeps it, sealed (ChaCha20-Poly1305
//!   under a key derived from the server's secret key), so that asking stores nothing; it lives
//!   [`REQUEST_TTL_SECS`](crate::domain::oidc::REQUEST_TTL_SECS) from the moment the application asked, and once a code was issued
//!   for it (or its user logged out) its mark in the database keeps it from working again;
//! - an authorization code: single use, [`CODE_TTL_SECS`], bound to client, redirect URI and
//!   PKCE challenge; a second use revokes the access tokens the first one got;
//! - an access token for userinfo, [`TOKEN_TTL_SECS`].
//!
//! Codes and tokens are found by the keyed hash of a random value only their holder has.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use sqlx::AnyConnection;

use crate::{
    backend::{
        store,
        tools::crypto::{Keys, Purpose, Secret, random_token},
    },
    domain::{
        authorization_details::Detail,
        oidc::{CODE_TTL_SECS, MAX_WAITING_COOKIE_LEN, Proof, SessionTag, TOKEN_TTL_SECS, WaitingRequest},
        time::Timestamp,
    },
};

fn hash(keys: &Keys, token: &str) -> Vec<u8> {
    keys.keyed_hash(Purpose::OidcGrant, token.as_bytes())
}

/// What a sealed request is bound to besides its key (the AEAD's associated data).
const SEALED_REQUEST: &[u8] = b"waiting authorization request";

/// The tag of the session stored under `id_hash`.
pub fn session_tag(id_hash: &[u8]) -> SessionTag {
    let mut tag = [0u8; 16];
    for (t, b) in tag.iter_mut().zip(id_hash) {
        *t = *b;
    }
    SessionTag(tag)
}

/// The browser's cookie value for `waiting`, or `None` when it would be longer than
/// [`MAX_WAITING_COOKIE_LEN`] (a cookie that long is not kept by every browser).
pub fn seal_request(keys: &Keys, waiting: &WaitingRequest) -> Result<Option<Secret<String>>, String> {
    let json = serde_json::to_vec(waiting).map_err(|e| e.to_string())?;
    let sealed = keys.seal(Purpose::OidcRequestSeal, SEALED_REQUEST, &json)?;
    let value = URL_SAFE_NO_PAD.encode(sealed);
    Ok((value.len() <= MAX_WAITING_COOKIE_LEN).then(|| Secret::new(value)))
}

/// A cookie this server sealed, unchanged, that has not expired: its request and the key of
/// its settled mark.
fn open_request(keys: &Keys, cookie: &Secret<String>, now: Timestamp) -> Option<(Vec<u8>, WaitingRequest)> {
    let value = cookie.expose();
    if value.len() > MAX_WAITING_COOKIE_LEN {
        return None;
    }
    let sealed = URL_SAFE_NO_PAD.decode(value).ok()?;
    let json = keys.open(Purpose::OidcRequestSeal, SEALED_REQUEST, &sealed).ok()?;
    let waiting: WaitingRequest = serde_json::from_slice(&json).ok()?;
    waiting.is_live(now).then(|| (keys.keyed_hash(Purpose::OidcGrant, &sealed), waiting))
}

/// The request waiting behind a browser's cookie: sealed by this server (or another instance
/// with its key), not expired, and not settled yet.
pub async fn waiting_request(
    conn: &mut AnyConnection,
    keys: &Keys,
    cookie: &Secret<String>,
    now: Timestamp,
) -> Result<Option<WaitingRequest>, sqlx::Error> {
    let Some((mark, waiting)) = open_request(keys, cookie, now) else { return Ok(None) };
    Ok((!store::oidc_grants::request_is_settled(conn, &mark).await?).then_some(waiting))
}

/// Settles the request behind `cookie` in the caller's write transaction: a code is issued for
/// it now, or its user logged out. Only a logged-in user gets here, so only logins write these
/// marks. `false` when there is no live request behind the cookie or it was settled before.
pub async fn settle_request(
    conn: &mut AnyConnection,
    keys: &Keys,
    cookie: &Secret<String>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let Some((mark, waiting)) = open_request(keys, cookie, now) else { return Ok(false) };
    store::oidc_grants::settle_request(conn, &mark, waiting.expires_at()).await
}

/// Deletes what no request can use any more (housekeeping, outside any use case): marks of
/// settled requests past their expiry (a request's cookie is never open after it), and codes
/// and tokens expired for [`TOKEN_TTL_SECS`] (a used code is kept while its tokens live, for
/// the reuse check).
pub async fn sweep(conn: &mut AnyConnection, now: Timestamp) -> Result<(), sqlx::Error> {
    store::oidc_grants::delete_settled_requests_expired_by(conn, now).await?;
    let stale = now.minus_secs(TOKEN_TTL_SECS);
    store::oidc_grants::delete_codes_expired_by(conn, stale).await?;
    store::oidc_grants::delete_tokens_expired_by(conn, stale).await
}

/// What the application waiting for a login through the browser holding `cookie` asks of
/// it: a second factor even from the trusted IP (step-up, `max_age`, `prompt=login`), and
/// whether that factor must be a passkey.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginAsked {
    pub second_factor: bool,
    pub passkey: bool,
}

pub async fn login_asked(
    conn: &mut AnyConnection,
    keys: &Keys,
    cookie: Option<&Secret<String>>,
    now: Timestamp,
) -> Result<LoginAsked, sqlx::Error> {
    let Some(cookie) = cookie else { return Ok(LoginAsked::default()) };
    Ok(waiting_request(conn, keys, cookie, now).await?.map_or_else(LoginAsked::default, |w| LoginAsked {
        second_factor: w.request.asks_mfa,
        passkey: w.request.asks_phishing_resistant,
    }))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        backend::tools::crypto::SecretKey,
        domain::oidc::{AuthorizationRequest, Prompt, REQUEST_TTL_SECS},
    };

    fn keys(byte: u8) -> Keys {
        Keys::new(SecretKey::new(vec![byte; 32]).unwrap())
    }

    fn waiting(client: &str) -> WaitingRequest {
        let request = AuthorizationRequest {
            client_id: client.into(),
            redirect_uri: "https://rp.example/cb".into(),
            scope: "openid".into(),
            state: Some("st".into()),
            nonce: None,
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            prompt: Prompt::Default,
            max_age: None,
            asks_mfa: false,
            asks_phishing_resistant: false,
            login_hint: None,
            details: None,
        };
        WaitingRequest { request, asked_at: Timestamp(1_000), asked_in: None }
    }

    #[test]
    fn a_sealed_request_opens_unchanged_under_its_own_key_while_it_lives() {
        let k = keys(7);
        let cookie = seal_request(&k, &waiting("portal")).unwrap().unwrap();
        let (mark, opened) = open_request(&k, &cookie, Timestamp(1_000)).unwrap();
        assert_eq!(opened, waiting("portal"));
        assert_eq!(mark.len(), 32);
        assert!(open_request(&k, &cookie, Timestamp(1_000 + REQUEST_TTL_SECS)).is_none(), "expired");
        assert!(open_request(&keys(8), &cookie, Timestamp(1_000)).is_none(), "another server key");
        // Each character changed, one at a time: nothing opens (the client id inside included).
        for at in 0..cookie.expose().len() {
            let mut changed = cookie.expose().clone().into_bytes();
            changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
            let changed = Secret::new(String::from_utf8(changed).unwrap());
            assert!(open_request(&k, &changed, Timestamp(1_000)).is_none(), "changed at {at}");
        }
        // A value sealed for another purpose is no request.
        let json = serde_json::to_vec(&waiting("portal")).unwrap();
        let other = k.seal(Purpose::OidcKeySeal, SEALED_REQUEST, &json).unwrap();
        assert!(open_request(&k, &Secret::new(URL_SAFE_NO_PAD.encode(other)), Timestamp(1_000)).is_none());
        // Two cookies of the same request are two requests, each with its own mark.
        let again = seal_request(&k, &waiting("portal")).unwrap().unwrap();
        assert_ne!(open_request(&k, &again, Timestamp(1_000)).unwrap().0, mark);
    }
}
