//! `login_failures`, `login_ip_failures`: the password throttle's counts (SPEC 1.2), per
//! pair (an account key and an IP, or `*` for a pair counted from every IP) and per IP.

use super::Conn;
use crate::domain::time::Timestamp;

/// Forgets the IP's failures at or before `until` (they left the window).
pub async fn forget_ip_failures_until(conn: &mut Conn, ip: &str, until: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_ip_failures WHERE ip = $1 AND at <= $2")
        .bind(ip)
        .bind(until.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// The IP's failures: how many, and when the oldest was.
pub async fn ip_failures(conn: &mut Conn, ip: &str) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as("SELECT count(*), min(at) FROM login_ip_failures WHERE ip = $1").bind(ip).fetch_one(conn).await
}

/// The pair's failures and the time of the last one.
pub async fn pair_failures(conn: &mut Conn, account_key: &[u8], ip: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT failures, last_failure_at FROM login_failures WHERE account_key = $1 AND ip = $2")
        .bind(account_key)
        .bind(ip)
        .fetch_optional(conn)
        .await
}

/// Stores the pair's failure count and last failure, creating its row if needed.
pub async fn set_pair_failures(
    conn: &mut Conn,
    account_key: &[u8],
    ip: &str,
    failures: i64,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_failures (account_key, ip, failures, last_failure_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_key, ip) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at",
    )
    .bind(account_key)
    .bind(ip)
    .bind(failures)
    .bind(at.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records one failure of the IP; returns its id.
pub async fn add_ip_failure(conn: &mut Conn, ip: &str, at: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO login_ip_failures (ip, at) VALUES ($1, $2) RETURNING id")
        .bind(ip)
        .bind(at.0)
        .fetch_one(conn)
        .await
}

/// Takes one failure back from the pair (never below zero).
pub async fn take_back_pair_failure(conn: &mut Conn, account_key: &[u8], ip: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_failures SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END
         WHERE account_key = $1 AND ip = $2",
    )
    .bind(account_key)
    .bind(ip)
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears the pair.
pub async fn clear_pair_failures(conn: &mut Conn, account_key: &[u8], ip: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE account_key = $1 AND ip = $2")
        .bind(account_key)
        .bind(ip)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_ip_failure(conn: &mut Conn, ip_failure_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_ip_failures WHERE id = $1").bind(ip_failure_id).execute(conn).await?;
    Ok(())
}
