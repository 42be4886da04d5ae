//! `login_failures`, `login_ip_failures`: the password throttle's counts (SPEC 1.2), per
//! pair (an account key and an IP, or `*` for a pair counted from every IP) and per IP.

use super::Conn;
use crate::{
    backend::db::batch::{Value, Write},
    domain::time::Timestamp,
};

/// Forgets every network's failures made at or before `until` (they left every window):
/// housekeeping, outside any use case, as it touches rows of every network.
pub async fn forget_ip_failures_until(conn: &mut Conn, until: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_ip_failures WHERE at <= $1").bind(until.0).execute(conn).await?;
    Ok(())
}

/// What the password throttle decides on, in one read: the network's failures after
/// `after` (how many, the oldest) and the pair's failures and last failure.
#[derive(sqlx::FromRow)]
pub struct ThrottleFactsRow {
    pub ip_failures: i64,
    pub ip_oldest: Option<i64>,
    pub pair_failures: Option<i64>,
    pub pair_last_failure_at: Option<i64>,
}

pub async fn throttle_facts(
    conn: &mut Conn,
    account_key: &[u8],
    pair_ip: &str,
    ip: &str,
    after: Timestamp,
) -> Result<ThrottleFactsRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) AS ip_failures, min(at) AS ip_oldest,
                (SELECT failures FROM login_failures WHERE account_key = $1 AND ip = $2) AS pair_failures,
                (SELECT last_failure_at FROM login_failures WHERE account_key = $1 AND ip = $2) AS pair_last_failure_at
         FROM login_ip_failures WHERE ip = $3 AND at > $4",
    )
    .bind(account_key)
    .bind(pair_ip)
    .bind(ip)
    .bind(after.0)
    .fetch_one(conn)
    .await
}

/// Stores the pair's failure count and last failure, creating its row if needed.
pub fn set_pair_failures(account_key: &[u8], ip: &str, failures: i64, at: Timestamp) -> Write {
    Write {
        sql: "INSERT INTO login_failures (account_key, ip, failures, last_failure_at) VALUES ($1, $2, $3, $4)
              ON CONFLICT (account_key, ip) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at",
        values: vec![
            Value::Blob(account_key.to_vec()),
            Value::Text(ip.to_owned()),
            Value::Int(failures),
            Value::Int(at.0),
        ],
    }
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
pub fn take_back_pair_failure(account_key: &[u8], ip: &str) -> Write {
    Write {
        sql: "UPDATE login_failures SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END
              WHERE account_key = $1 AND ip = $2",
        values: vec![Value::Blob(account_key.to_vec()), Value::Text(ip.to_owned())],
    }
}

/// Clears the pair.
pub fn clear_pair_failures(account_key: &[u8], ip: &str) -> Write {
    Write {
        sql: "DELETE FROM login_failures WHERE account_key = $1 AND ip = $2",
        values: vec![Value::Blob(account_key.to_vec()), Value::Text(ip.to_owned())],
    }
}

pub fn delete_ip_failure(ip_failure_id: i64) -> Write {
    Write { sql: "DELETE FROM login_ip_failures WHERE id = $1", values: vec![Value::Int(ip_failure_id)] }
}
