//! Web Push (SPEC 15.1): a message to the paired device's push subscription, through the push
//! service the device's browser chose (RFC 8030), encrypted for the subscription's keys
//! (RFC 8291, `aes128gcm`) and signed with Riegel's VAPID key (RFC 8292).
//!
//! Rules:
//! - The VAPID key pair is made once and kept in the database, its private half sealed with
//!   the server's secret key: every instance signs with the same key, the one the devices
//!   subscribed with.
//! - A message lives `TTL_SECS` at the push service (as long as the request it names) and is
//!   sent with `Urgency: high`, so a phone in a pocket wakes for it.
//! - The request goes only to an endpoint taken at registration (`domain::push_service`), with
//!   no redirect followed and the delivery timeout.
//! - A 404 or 410 means the subscription is gone: the message is given up and the subscription
//!   ends (the worker writes that). A 429 or 5xx, a timeout or no connection is tried again
//!   like an SMS; another 4xx refuses the message for good.
//!
//! Encryption is `web-push-native` (RustCrypto); the VAPID token is an ES256 JWT made with
//! `jsonwebtoken`.

use std::time::Duration;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::EncodePrivateKey as _;
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;
use web_push_native::{Auth, WebPushBuilder};

use super::providers::Failure;
use crate::{
    backend::{
        db::{LockKey, WriteTx, Writer},
        store,
        tools::crypto::{Keys, Purpose},
    },
    domain::time::Timestamp,
};

/// How long a push service keeps a message for a device that is not reachable: a push names a
/// request that lives two minutes (a login) or five (a TAN).
pub const TTL_SECS: u64 = 300;

/// What the outbox keeps for one push: the subscription's keys and the payload.
#[derive(Serialize, Deserialize)]
pub struct Queued {
    pub p256dh: String,
    pub auth: String,
    /// The JSON the service worker reads (names the request, never a secret).
    pub payload: String,
}

/// Puts a push for the account's paired device in the outbox (with the transaction's commit),
/// if the device has a live subscription: `payload` names the request, never a secret.
/// Returns whether one was queued.
pub async fn notify_device(
    tx: &mut WriteTx,
    user_id: i64,
    payload: &serde_json::Value,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let live = store::web_push::of_user(tx, user_id).await?.filter(|s| s.push_ended_at.is_none());
    let Some((Some(endpoint), Some(p256dh), Some(auth))) = live.map(|s| (s.push_endpoint, s.push_p256dh, s.push_auth))
    else {
        return Ok(false);
    };
    let queued = Queued { p256dh, auth, payload: payload.to_string() };
    let body = serde_json::to_string(&queued).unwrap_or_default();
    super::outbox::enqueue_web_push_later(tx, &endpoint, &body, now);
    Ok(true)
}

/// Riegel's VAPID key pair.
pub struct VapidKey {
    signing: EncodingKey,
    /// The public key, uncompressed SEC1, base64url: what a browser subscribes with.
    pub public: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey").field("public", &self.public).finish_non_exhaustive()
    }
}

/// The VAPID key pair kept in the database; made (once, whichever instance comes first) if there
/// is none. A key that does not open with this server's secret key (the secret key changed) is
/// replaced, and every subscription made for it ends: the devices subscribe again when their
/// page is next opened. Reading a key that opens writes nothing.
pub async fn vapid_key(pool: &AnyPool, writer: &Writer, keys: &Keys, now: Timestamp) -> Result<VapidKey, String> {
    let e = |e: sqlx::Error| format!("cannot keep the VAPID key: {e}");
    let mut conn = pool.acquire().await.map_err(e)?;
    if let Some(key) = opened(store::web_push::vapid_key(&mut conn).await.map_err(e)?, keys)? {
        return Ok(key);
    }
    drop(conn);
    let mut tx = writer.begin().await.map_err(e)?;
    // Instances starting together make one key: the first to take the lock.
    tx.lock([LockKey::VapidKey]).await.map_err(e)?;
    let stored = store::web_push::vapid_key(&mut tx).await.map_err(e)?;
    let replaced = stored.is_some();
    if let Some(key) = opened(stored, keys)? {
        return Ok(key);
    }
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let sealed = keys.seal(Purpose::VapidKeySeal, b"vapid", secret.to_bytes().as_slice())?;
    let public = URL_SAFE_NO_PAD.encode(secret.public_key().to_sec1_bytes());
    if replaced {
        tracing::warn!("the VAPID key does not open with this secret key: a new one replaces it");
        store::web_push::end_all(&mut tx, now).await.map_err(e)?;
    }
    store::web_push::put_vapid_key(&mut tx, &sealed, &public, now).await.map_err(e)?;
    tx.commit().await.map_err(e)?;
    signing_key(&secret, public)
}

/// The stored key pair, if there is one and it opens with `keys`.
fn opened(stored: Option<(Vec<u8>, String)>, keys: &Keys) -> Result<Option<VapidKey>, String> {
    let Some((sealed, public)) = stored else { return Ok(None) };
    let Ok(bytes) = keys.open(Purpose::VapidKeySeal, b"vapid", &sealed) else { return Ok(None) };
    let secret = p256::SecretKey::from_slice(&bytes).map_err(|e| format!("the VAPID key: {e}"))?;
    signing_key(&secret, public).map(Some)
}

fn signing_key(secret: &p256::SecretKey, public: String) -> Result<VapidKey, String> {
    let der = secret.to_pkcs8_der().map_err(|e| format!("the VAPID key: {e}"))?;
    Ok(VapidKey { signing: EncodingKey::from_ec_der(der.as_bytes()), public })
}

/// Sends Web Push messages.
pub struct WebPusher {
    client: reqwest::Client,
    vapid: VapidKey,
    /// The VAPID `sub` claim: how a push service reaches Riegel's operator (its public origin).
    contact: String,
}

impl std::fmt::Debug for WebPusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPusher").field("vapid", &self.vapid).finish_non_exhaustive()
    }
}

impl WebPusher {
    pub fn new(vapid: VapidKey, contact: String, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would send the request wherever the push service's answer points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot set up the Web Push client: {e}"))?;
        Ok(WebPusher { client, vapid, contact })
    }

    /// The VAPID public key devices subscribe with.
    pub fn public_key(&self) -> &str {
        &self.vapid.public
    }

    /// Sends the queued message to `endpoint`.
    pub async fn send(&self, endpoint: &str, queued: &str, now: Timestamp) -> Result<(), Failure> {
        let queued: Queued = serde_json::from_str(queued).map_err(|_| Failure::permanent("unreadable push"))?;
        let request = self.request(endpoint, &queued, now).map_err(Failure::permanent)?;
        let res = self.client.execute(request).await.map_err(|e| {
            Failure::transient(if e.is_timeout() { "push service timed out" } else { "push service unreachable" })
        })?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        let reason = format!("push service answered {}", status.as_u16());
        Err(match status.as_u16() {
            404 | 410 => Failure::gone(reason),
            429 => Failure::transient(reason),
            s if (400..500).contains(&s) => Failure::permanent(reason),
            _ => Failure::transient(reason),
        })
    }

    fn request(&self, endpoint: &str, q: &Queued, now: Timestamp) -> Result<reqwest::Request, String> {
        let ua_public = URL_SAFE_NO_PAD
            .decode(&q.p256dh)
            .ok()
            .and_then(|b| p256::PublicKey::from_sec1_bytes(&b).ok())
            .ok_or("the subscription's key is not a P-256 point")?;
        let auth = URL_SAFE_NO_PAD
            .decode(&q.auth)
            .ok()
            .filter(|a| a.len() == 16)
            .ok_or("the subscription's auth secret is not 16 bytes")?;
        let uri: http::Uri = endpoint.parse().map_err(|_| "the endpoint is not a URL")?;
        let built = WebPushBuilder::new(uri.clone(), ua_public, Auth::clone_from_slice(&auth))
            .with_valid_duration(Duration::from_secs(TTL_SECS))
            .build(q.payload.as_bytes().to_vec())
            .map_err(|e| format!("cannot encrypt the push: {e}"))?;
        let token = self.vapid_token(&uri, now)?;
        let (parts, body) = built.into_parts();
        let mut request = reqwest::Request::new(reqwest::Method::POST, endpoint.parse().map_err(|_| "bad endpoint")?);
        *request.headers_mut() = parts.headers;
        let headers = request.headers_mut();
        headers.insert("Urgency", http::HeaderValue::from_static("high"));
        let vapid = format!("vapid t={token}, k={}", self.vapid.public);
        headers.insert(http::header::AUTHORIZATION, vapid.parse().map_err(|_| "bad VAPID header")?);
        *request.body_mut() = Some(body.into());
        Ok(request)
    }

    /// The VAPID JWT (RFC 8292 § 2): for the push service's origin, 12 hours, with the contact.
    fn vapid_token(&self, endpoint: &http::Uri, now: Timestamp) -> Result<String, String> {
        let (scheme, authority) = (endpoint.scheme_str().unwrap_or("https"), endpoint.authority());
        let aud = format!("{scheme}://{}", authority.map(|a| a.as_str()).unwrap_or_default());
        let claims = serde_json::json!({ "aud": aud, "exp": now.0 + 12 * 60 * 60, "sub": self.contact });
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.vapid.signing)
            .map_err(|e| format!("cannot sign the VAPID token: {e}"))
    }
}
