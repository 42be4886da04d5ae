//! The keys ID tokens are signed with (RS256, RSA 2048). Riegel makes the first key when the
//! first token is due; `server key rotate` makes the next one. Rotation:
//! - a new key is published in the JWKS at once and signs only from `signs_from` (a day
//!   later), so every application has fetched it before it meets a token signed with it;
//! - the key it replaces signs until then, and stays published for the life of its last
//!   tokens after that.
//!
//! Private keys are sealed with the server's secret key (`RIEGEL_SECRET_KEY`).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::{RsaPrivateKey, pkcs1::EncodeRsaPrivateKey, traits::PublicKeyParts};
use sqlx::AnyConnection;

use crate::{
    backend::{
        db::{LockKey, WriteTx},
        store,
        tools::crypto::{Keys, Purpose},
    },
    domain::{oidc::TOKEN_TTL_SECS, time::Timestamp},
};

/// How long a rotated-in key is published before it signs.
pub const ROTATION_NOTICE_SECS: i64 = 24 * 3600;

/// A key ready to sign.
pub struct SigningKey {
    kid: String,
    key: EncodingKey,
}

impl SigningKey {
    /// A signed JWT of `claims`.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|e| e.to_string())
    }
}

/// A new key pair, made outside any transaction (it takes a moment).
pub struct NewKey {
    kid: String,
    pkcs1_der: Vec<u8>,
    public_jwk: String,
}

pub fn generate() -> Result<NewKey, String> {
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| e.to_string())?;
    let pkcs1_der = private.to_pkcs1_der().map_err(|e| e.to_string())?.as_bytes().to_vec();
    let mut id = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    let kid = URL_SAFE_NO_PAD.encode(id);
    let public_jwk = serde_json::json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
    })
    .to_string();
    Ok(NewKey { kid, pkcs1_der, public_jwk })
}

/// Stores `key`, signing from `signs_from`; keys that sign until then retire at that moment.
/// Holds the signing keys' lock (`db::locks`) to the caller's commit.
pub async fn save(
    tx: &mut WriteTx,
    keys: &Keys,
    key: &NewKey,
    now: Timestamp,
    signs_from: Timestamp,
) -> Result<(), String> {
    let sealed = keys.seal(Purpose::OidcKeySeal, key.kid.as_bytes(), &key.pkcs1_der)?;
    tx.lock([LockKey::SigningKeys]).await.map_err(|e| e.to_string())?;
    // Keys that would sign before the new one retire when it starts; one rotated in for
    // later (signing from after it) stays.
    store::oidc_keys::retire_signing_by(tx, signs_from).await.map_err(|e| e.to_string())?;
    store::oidc_keys::insert(tx, &key.kid, &sealed, &key.public_jwk, now, signs_from).await.map_err(|e| e.to_string())
}

/// The key that signs now: the newest whose time has come. `None` before the first key.
pub async fn current(conn: &mut AnyConnection, keys: &Keys, now: Timestamp) -> Result<Option<SigningKey>, String> {
    let row = store::oidc_keys::signing_at(conn, now).await.map_err(|e| e.to_string())?;
    let Some((kid, sealed)) = row else { return Ok(None) };
    let der = keys.open(Purpose::OidcKeySeal, kid.as_bytes(), &sealed)?;
    Ok(Some(SigningKey { kid, key: EncodingKey::from_rsa_der(&der) }))
}

/// The published keys: every key not retired for longer than a token lives.
pub async fn published(conn: &mut AnyConnection, now: Timestamp) -> Result<Vec<serde_json::Value>, sqlx::Error> {
    let jwks = store::oidc_keys::public_jwks(conn, Timestamp(now.0 - TOKEN_TTL_SECS)).await?;
    Ok(jwks.into_iter().filter_map(|jwk| serde_json::from_str(&jwk).ok()).collect())
}

/// The claims of an ID token Riegel signed with a published key (expired or not: a logout
/// hint may be old), or `None`.
pub async fn verify(conn: &mut AnyConnection, token: &str, issuer: &str, now: Timestamp) -> Option<serde_json::Value> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let jwk = published(conn, now).await.ok()?.into_iter().find(|k| k["kid"] == kid.as_str())?;
    let key = jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str()?, jwk["e"].as_str()?).ok()?;
    let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.set_issuer(&[issuer]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).ok().map(|d| d.claims)
}
