//! Web Push (SPEC 15.1): the paired device's push subscription (columns of `push_devices`) and
//! the VAPID key pair (`vapid_keys`).

use super::Conn;
use crate::domain::time::Timestamp;

/// A device's push subscription as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub push_endpoint: Option<String>,
    pub push_p256dh: Option<String>,
    pub push_auth: Option<String>,
    pub push_subscribed_at: Option<i64>,
    pub push_ended_at: Option<i64>,
}

/// The subscription of the account's paired device (`None` without a device).
pub async fn of_user(conn: &mut Conn, user_id: i64) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT push_endpoint, push_p256dh, push_auth, push_subscribed_at, push_ended_at FROM push_devices
         WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// The device's new subscription, in place of any earlier one.
pub async fn set(
    conn: &mut Conn,
    user_id: i64,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "UPDATE push_devices SET push_endpoint = $1, push_p256dh = $2, push_auth = $3, push_subscribed_at = $4,
             push_ended_at = NULL
         WHERE user_id = $5",
    )
    .bind(endpoint)
    .bind(p256dh)
    .bind(auth)
    .bind(now.0)
    .bind(user_id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected())
}

/// The push service said the subscription at `endpoint` is gone: it ends.
pub async fn end(conn: &mut Conn, endpoint: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE push_devices SET push_ended_at = $1 WHERE push_endpoint = $2 AND push_ended_at IS NULL")
        .bind(now.0)
        .bind(endpoint)
        .execute(conn)
        .await
        .map(drop)
}

/// Every subscription ends (they were made for a VAPID key that is replaced).
pub async fn end_all(conn: &mut Conn, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE push_devices SET push_ended_at = $1 WHERE push_endpoint IS NOT NULL AND push_ended_at IS NULL")
        .bind(now.0)
        .execute(conn)
        .await
        .map(drop)
}

/// The VAPID key pair: the sealed private key and the public key (base64url).
pub async fn vapid_key(conn: &mut Conn) -> Result<Option<(Vec<u8>, String)>, sqlx::Error> {
    sqlx::query_as("SELECT sealed_private, public_key FROM vapid_keys WHERE id = 1").fetch_optional(conn).await
}

/// Keeps a new VAPID key pair, in place of one that no longer opens.
pub async fn put_vapid_key(
    conn: &mut Conn,
    sealed_private: &[u8],
    public_key: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO vapid_keys (id, sealed_private, public_key, created_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET sealed_private = excluded.sealed_private, public_key = excluded.public_key,
             created_at = excluded.created_at",
    )
    .bind(sealed_private)
    .bind(public_key)
    .bind(now.0)
    .execute(conn)
    .await
    .map(drop)
}
