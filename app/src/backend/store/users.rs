//! `users`: the accounts, with their password hash, phone and MFA facts (SPEC 1, 2) and their
//! TAN counters (SPEC 5.5).

use super::Conn;
use crate::domain::time::Timestamp;

/// The account facts the password step decides on.
#[derive(sqlx::FromRow)]
pub struct LoginAccountRow {
    pub id: i64,
    pub password_hash: String,
    pub disabled_at: Option<i64>,
    pub phone_verified_at: Option<i64>,
    pub trusted_ip: Option<String>,
    pub locked_until: Option<i64>,
}

pub async fn login_account_by_email(conn: &mut Conn, email: &str) -> Result<Option<LoginAccountRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, password_hash, disabled_at, phone_verified_at, trusted_ip, locked_until FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(conn)
    .await
}

pub async fn login_account_by_id(conn: &mut Conn, user_id: i64) -> Result<Option<LoginAccountRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, password_hash, disabled_at, phone_verified_at, trusted_ip, locked_until FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// The account facts an MFA step decides on.
#[derive(sqlx::FromRow)]
pub struct MfaAccountRow {
    pub id: i64,
    pub email: String,
    pub phone_e164: Option<String>,
    /// `users.last_mfa_method`: the factor of the last successful login, by name.
    pub last_factor: String,
    pub origin: String,
    pub locked_until: Option<i64>,
}

/// The MFA facts of an account that must exist.
pub async fn mfa_account(conn: &mut Conn, user_id: i64) -> Result<MfaAccountRow, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, email, phone_e164, last_mfa_method AS last_factor, origin, locked_until
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Stores the account's phone as verified at `at` (MFA setup done).
pub async fn set_verified_phone(
    conn: &mut Conn,
    user_id: i64,
    phone_e164: &str,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET phone_e164 = $1, phone_verified_at = $2 WHERE id = $3")
        .bind(phone_e164)
        .bind(at.0)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the account's recovery codes as due to be shown (after a first MFA setup).
pub async fn set_recovery_codes_due(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET recovery_codes_due = 1 WHERE id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Stores the wrong TANs in a row, and the TAN lock from `at` when `lock` (cleared otherwise).
pub async fn set_tan_wrong(
    conn: &mut Conn,
    user_id: i64,
    wrong_in_a_row: i64,
    lock: bool,
    at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET tan_wrong_in_a_row = $1, tan_locked_at = CASE WHEN $2 THEN $3 ELSE NULL END WHERE id = $4",
    )
    .bind(wrong_in_a_row)
    .bind(lock)
    .bind(at.0)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A right TAN: no wrong TANs in a row.
pub async fn reset_tan_wrong(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET tan_wrong_in_a_row = 0 WHERE id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Lifts the TAN lock and its count of wrong TANs.
pub async fn clear_tan_lock(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET tan_locked_at = NULL, tan_wrong_in_a_row = 0 WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
