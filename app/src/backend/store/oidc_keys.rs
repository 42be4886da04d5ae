//! `oidc_keys`: the RS256 keys ID tokens are signed with, private halves sealed; when each is
//! published, signs, and retires.

use super::Conn;
use crate::domain::time::Timestamp;

/// Retires, at `at`, the keys not yet retired that sign from `at` or earlier.
pub async fn retire_signing_by(conn: &mut Conn, at: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE oidc_keys SET retired_at = $1 WHERE retired_at IS NULL AND signs_from <= $1")
        .bind(at.0)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn insert(
    conn: &mut Conn,
    kid: &str,
    sealed_private_key: &[u8],
    public_jwk: &str,
    now: Timestamp,
    signs_from: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oidc_keys (kid, private_key, public_jwk, created_at, signs_from) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(kid)
    .bind(sealed_private_key)
    .bind(public_jwk)
    .bind(now.0)
    .bind(signs_from.0)
    .execute(conn)
    .await
    .map(drop)
}

/// The `kid` and sealed private key of the key signing at `now`: the newest (by `signs_from`,
/// then creation) whose time has come and that is not retired by then.
pub async fn signing_at(conn: &mut Conn, now: Timestamp) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT kid, private_key FROM oidc_keys WHERE signs_from <= $1 AND (retired_at IS NULL OR retired_at > $1) \
         ORDER BY signs_from DESC, created_at DESC LIMIT 1",
    )
    .bind(now.0)
    .fetch_optional(conn)
    .await
}

/// The public JWKs of the keys not retired, or retired after `retired_after`, oldest first.
pub async fn public_jwks(conn: &mut Conn, retired_after: Timestamp) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT public_jwk FROM oidc_keys WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at",
    )
    .bind(retired_after.0)
    .fetch_all(conn)
    .await
}
