//! The endpoints applications' servers call (OpenID Connect, SPEC 11): token, userinfo,
//! the signing keys and discovery, RP-initiated logout, and the operator's commands
//! (`server client add`, `server key rotate`).
//!
//! Token endpoint rules: the client authenticates as registered (`client_secret_basic`,
//! `client_secret_post`, or `none` for a public client); a code works once, within 60 s, for
//! the client, redirect URI and PKCE verifier it was issued for; a second use revokes the
//! access token of the first. The ID token is RS256, says what the user did (`amr`, `acr`,
//! `auth_time`) and carries a confirmed transaction exactly as confirmed.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    backend::{
        audit::{self, AuditEvent, OidcStep},
        db::LockKey,
        login::sessions,
        oidc::{
            self,
            clients::{self, Client},
            grants::{self, Grant, Redeemed},
            signing,
        },
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::{Secret, hashes_equal},
    },
    domain::{
        authorization_details::Detail,
        oidc::{ACR_MFA, ACR_PHR, ACR_PWD, Params, TOKEN_TTL_SECS, is_pkce_verifier},
        time::Timestamp,
    },
    wire::AppError,
};

/// A refused token request (RFC 6749 5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    InvalidRequest(&'static str),
    /// The client is unknown or did not authenticate as registered (401).
    InvalidClient,
    InvalidGrant(&'static str),
    UnsupportedGrantType,
}

impl TokenError {
    pub const fn code(self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::InvalidClient => "invalid_client",
            TokenError::InvalidGrant(_) => "invalid_grant",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
        }
    }

    pub const fn description(self) -> &'static str {
        match self {
            TokenError::InvalidRequest(why) | TokenError::InvalidGrant(why) => why,
            TokenError::InvalidClient => "client authentication failed",
            TokenError::UnsupportedGrantType => "only authorization_code is supported",
        }
    }
}

/// How the client authenticated at the token endpoint.
pub enum ClientAuth<'a> {
    /// `client_secret_basic` (already URL-decoded) or `client_secret_post`.
    Secret { id: &'a str, secret: &'a str },
    /// `none`: a public client with PKCE.
    Public { id: &'a str },
}

/// The token endpoint: a code (with its PKCE verifier) for an ID token and an access token.
pub async fn token(
    state: &AppState,
    ctx: &RequestCtx,
    auth: Option<ClientAuth<'_>>,
    params: &dyn Params,
) -> Result<Result<Value, TokenError>, AppError> {
    let mut conn = state.pool.acquire().await?;
    let client = match auth {
        Some(ClientAuth::Secret { id, secret }) => {
            clients::find_named(&mut conn, Some(id)).await?.filter(|c| c.secret_matches(&state.keys, secret))
        }
        Some(ClientAuth::Public { id }) => clients::find_named(&mut conn, Some(id)).await?.filter(Client::is_public),
        None => None,
    };
    drop(conn);
    let Some(client) = client else { return Ok(Err(TokenError::InvalidClient)) };
    if params.get("grant_type") != Some("authorization_code") {
        return Ok(Err(TokenError::UnsupportedGrantType));
    }
    let Some(code) = params.get("code") else { return Ok(Err(TokenError::InvalidRequest("code is missing"))) };
    let key = ensure_signing_key(state, ctx.now).await?;
    let mut tx = state.writer.begin().await?;
    let (code_hash, grant) = match grants::redeem(&mut tx, &state.keys, code, ctx.now).await? {
        Redeemed::Granted { code_hash, grant } => (code_hash, grant),
        Redeemed::Reused => {
            let event = AuditEvent::Oidc {
                user_id: None,
                client_id: &client.id,
                step: OidcStep::CodeReused,
                scope: "",
                confirmed: None,
            };
            audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
            state.commit(tx).await?;
            return Ok(Err(TokenError::InvalidGrant("the code was used before; what it gave is revoked")));
        }
        Redeemed::Invalid => return Ok(Err(TokenError::InvalidGrant("the code is unknown or expired"))),
    };
    if let Err(refusal) = binding_holds(&grant, &client, params) {
        // The code is used up all the same: whoever sent it may not try again.
        state.commit(tx).await?;
        return Ok(Err(refusal));
    }
    let Some(account) = store::users::oidc_claims(&mut tx, grant.user_id).await? else {
        state.commit(tx).await?;
        return Ok(Err(TokenError::InvalidGrant("the account is disabled")));
    };
    let access_token = grants::issue_token(&mut tx, &state.keys, &code_hash, &grant, ctx.now).await?;
    let sub = grants::subject(&mut tx, grant.user_id).await?;
    let mut claims = user_claims(&sub, &grant.scope, &account);
    let extra = json!({
        "iss": state.config.link_origin,
        "aud": client.id,
        "azp": client.id,
        "iat": ctx.now.0,
        "exp": ctx.now.plus_secs(TOKEN_TTL_SECS).0,
        "auth_time": grant.auth_time.0,
        "amr": grant.proof.amr(),
        "acr": grant.proof.acr(),
        "at_hash": at_hash(access_token.expose()),
    });
    merge(&mut claims, extra);
    if let Some(nonce) = &grant.nonce {
        merge(&mut claims, json!({ "nonce": nonce }));
    }
    // The transaction exactly as the user confirmed it with a TAN.
    let confirmed = grant.details.as_ref().map(|d| json!([d]));
    if let Some(details) = &confirmed {
        merge(&mut claims, json!({ "authorization_details": details }));
    }
    let id_token = key.sign(&claims).map_err(AppError::internal)?;
    let event = AuditEvent::Oidc {
        user_id: Some(grant.user_id),
        client_id: &client.id,
        step: OidcStep::TokensIssued,
        scope: &grant.scope,
        confirmed: grant.details.as_ref().map(Detail::masked),
    };
    audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    state.commit(tx).await?;
    let mut answer = json!({
        "access_token": access_token.expose(),
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECS,
        "id_token": id_token,
        "scope": grant.scope,
    });
    if let Some(details) = confirmed {
        merge(&mut answer, json!({ "authorization_details": details }));
    }
    Ok(Ok(answer))
}

/// The code belongs to this client, this redirect URI and this PKCE verifier.
fn binding_holds(grant: &Grant, client: &Client, params: &dyn Params) -> Result<(), TokenError> {
    if grant.client_id != client.id {
        return Err(TokenError::InvalidGrant("the code was issued to another client"));
    }
    if params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(TokenError::InvalidGrant("redirect_uri differs from the authorization request's"));
    }
    match (&grant.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) if is_pkce_verifier(verifier) => {
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if hashes_equal(computed.as_bytes(), challenge.as_bytes()) {
                Ok(())
            } else {
                Err(TokenError::InvalidGrant("code_verifier does not match the code_challenge"))
            }
        }
        (Some(_), _) => Err(TokenError::InvalidGrant("code_verifier is missing or malformed")),
        (None, Some(_)) => Err(TokenError::InvalidGrant("the authorization request had no code_challenge")),
        (None, None) => Ok(()),
    }
}

/// `at_hash`: the left half of the access token's SHA-256, base64url.
fn at_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

fn merge(into: &mut Value, more: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, more) {
        a.extend(b);
    }
}

/// `sub` and the claims the scope asks for: `email` gives `email` and `email_verified` (every
/// address in Riegel was confirmed by a code or link), `profile` gives `name`, `organisation`
/// and `role`.
fn user_claims(sub: &str, scope: &str, account: &store::users::OidcClaimsRow) -> Value {
    let mut claims = json!({ "sub": sub });
    let scopes: Vec<&str> = scope.split(' ').collect();
    if scopes.contains(&"email") {
        merge(&mut claims, json!({ "email": account.email, "email_verified": true }));
    }
    if scopes.contains(&"profile") {
        merge(&mut claims, json!({ "name": account.full_name, "role": account.role }));
        // A claim without a value is left out (Core 5.3.2), not sent as null: support agents
        // have no organisation.
        if let Some(organisation) = &account.organisation {
            merge(&mut claims, json!({ "organisation": organisation }));
        }
    }
    claims
}

/// The key that signs now, made first if there is none yet (the first token request of a new
/// deployment). Two instances racing here may both make one; the newer signs, both publish.
async fn ensure_signing_key(state: &AppState, now: Timestamp) -> Result<signing::SigningKey, AppError> {
    let mut conn = state.pool.acquire().await?;
    if let Some(key) = signing::current(&mut conn, &state.keys, now).await.map_err(AppError::internal)? {
        return Ok(key);
    }
    drop(conn);
    let new = tokio::task::spawn_blocking(signing::generate)
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let mut tx = state.writer.begin().await?;
    // Under the keys' lock: of two instances making the first key at once, one stores it.
    tx.lock([LockKey::SigningKeys]).await?;
    if signing::current(&mut tx, &state.keys, now).await.map_err(AppError::internal)?.is_none() {
        signing::save(&mut tx, &state.keys, &new, now, now).await.map_err(AppError::internal)?;
    }
    let key = signing::current(&mut tx, &state.keys, now).await.map_err(AppError::internal)?;
    state.commit(tx).await?;
    key.ok_or_else(|| AppError::internal("no signing key after storing one"))
}

/// `server client add`: registers an application; returns its secret (confidential clients).
pub async fn add_client(
    state: &AppState,
    now: Timestamp,
    new: &clients::NewClient<'_>,
) -> Result<Option<Secret<String>>, String> {
    let mut tx = state.writer.begin().await.map_err(|e| e.to_string())?;
    let secret = clients::add(&mut tx, &state.keys, new, now).await?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(secret)
}

/// `server key rotate`: a new key, published now, signing after the rotation notice.
pub async fn rotate_signing_key(state: &AppState, now: Timestamp) -> Result<Timestamp, String> {
    let new = tokio::task::spawn_blocking(signing::generate).await.map_err(|e| e.to_string())??;
    let signs_from = now.plus_secs(signing::ROTATION_NOTICE_SECS);
    let mut tx = state.writer.begin().await.map_err(|e| e.to_string())?;
    signing::save(&mut tx, &state.keys, &new, now, signs_from).await?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(signs_from)
}

/// The JWKS document.
pub async fn jwks(state: &AppState) -> Result<Value, AppError> {
    let now = state.clock.now();
    ensure_signing_key(state, now).await?;
    let mut conn = state.pool.acquire().await?;
    Ok(json!({ "keys": signing::published(&mut conn, now).await? }))
}

/// The discovery document (OpenID Connect Discovery 1.0).
pub fn discovery(state: &AppState) -> Value {
    let issuer = &state.config.link_origin;
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oidc/authorize"),
        "token_endpoint": format!("{issuer}/oidc/token"),
        "userinfo_endpoint": format!("{issuer}/oidc/userinfo"),
        "jwks_uri": format!("{issuer}/oidc/jwks"),
        "end_session_endpoint": format!("{issuer}/oidc/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email", "profile"],
        "claims_supported": ["sub", "email", "email_verified", "name", "organisation", "role", "auth_time", "amr", "acr", "nonce"],
        "acr_values_supported": [ACR_PWD, ACR_MFA, ACR_PHR],
        "prompt_values_supported": ["none", "login"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "authorization_details_types_supported": ["payment", "payout_account"],
    })
}

/// Userinfo: the claims of a live access token's account, or `None` (401).
pub async fn userinfo(state: &AppState, access_token: &str) -> Result<Option<Value>, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.acquire().await?;
    let Some((user_id, scope)) = grants::token_holder(&mut conn, &state.keys, access_token, now).await? else {
        return Ok(None);
    };
    let account = store::users::oidc_claims(&mut conn, user_id).await?;
    // Its token made the `sub`.
    Ok(account.and_then(|a| a.subject.as_deref().map(|sub| user_claims(sub, &scope, &a))))
}

/// Where RP-initiated logout sends the browser.
#[derive(Debug)]
pub enum EndSession {
    /// Back to the application's registered post-logout URI, or to Riegel's login page;
    /// `ended`: the browser's session (the hint's user's) ended.
    Done { target: String, ended: bool },
    /// No valid `id_token_hint`, or a post-logout URI that is not registered for its client.
    Refused(&'static str),
}

/// RP-initiated logout. The application proves it speaks for the browser's user with an ID
/// token Riegel issued to it (`id_token_hint`): without it, any page could log a user out
/// with a link. The session that token came from ends like at the logout button, and the
/// browser goes back to the application's registered post-logout URI, if it named one.
pub async fn end_session(state: &AppState, ctx: &RequestCtx, params: &dyn Params) -> Result<EndSession, AppError> {
    let mut conn = state.pool.acquire().await?;
    let issuer = &state.config.link_origin;
    let Some(hint) = params.get("id_token_hint") else {
        return Ok(EndSession::Refused("id_token_hint is required"));
    };
    let Some(claims) = signing::verify(&mut conn, hint, issuer, ctx.now).await else {
        return Ok(EndSession::Refused("id_token_hint is not an ID token of this provider"));
    };
    let Some(client_id) = claims["aud"].as_str().map(str::to_owned) else {
        return Ok(EndSession::Refused("id_token_hint has no audience"));
    };
    if params.get("client_id").is_some_and(|c| c != client_id) {
        return Ok(EndSession::Refused("client_id is not the audience of id_token_hint"));
    }
    let target = match params.get("post_logout_redirect_uri") {
        None => "/login".to_owned(),
        Some(uri) => match clients::find_named(&mut conn, Some(&client_id)).await? {
            Some(c) if c.post_logout_uris.iter().any(|u| u == uri) => match params.get("state") {
                Some(st) => oidc::with_query(uri, &[("state", st)]),
                None => uri.to_owned(),
            },
            _ => return Ok(EndSession::Refused("post_logout_redirect_uri is not registered for this client")),
        },
    };
    let session = match &ctx.session_token {
        Some(token) => sessions::find(&mut conn, &state.keys, token, ctx.now, &state.config.policy).await?,
        None => None,
    };
    // Only the session the hint was issued for ends: its user's, from the same login (the
    // hint's `auth_time` is the session's start); another user's or a later login stays.
    let fits = match &session {
        Some(s) => {
            let sub = store::users::oidc_claims(&mut conn, s.user_id).await?.and_then(|a| a.subject);
            sub.is_some_and(|sub| claims["sub"].as_str() == Some(sub.as_str()))
                && claims["auth_time"].as_i64() == Some(s.created_at.0)
        }
        None => false,
    };
    drop(conn);
    let mut ended = false;
    if let (true, Some(session), Some(token)) = (fits, session, &ctx.session_token) {
        ended = true;
        let mut tx = state.writer.begin().await?;
        sessions::lock_owner(&mut tx, &state.keys, token).await?;
        sessions::delete(&mut tx, &state.keys, token).await?;
        super::oidc_login::give_up_waiting(&mut tx, state, ctx).await?;
        let event = AuditEvent::Oidc {
            user_id: Some(session.user_id),
            client_id: &client_id,
            step: OidcStep::LoggedOut,
            scope: "",
            confirmed: None,
        };
        audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
        state.commit(tx).await?;
    }
    Ok(EndSession::Done { target, ended })
}
