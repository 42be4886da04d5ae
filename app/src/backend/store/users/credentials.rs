//! `users`: the password and the second factors an account has: the password hash, the verified
//! phone, the trusted IP and last factor, recovery codes waiting to be shown (SPEC 1, 2.2, 3).

use crate::backend::store::Conn;
use crate::{backend::db::Flag, domain::time::Timestamp};

/// Sets the first password of an account whose invitation is open and which is not
/// disabled; the rows affected (0 when it is not such an account).
pub async fn set_first_password(conn: &mut Conn, user_id: i64, hash: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = '' AND disabled_at IS NULL")
        .bind(hash)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// An account that may ask for a password-reset link.
pub struct ResetAccountRow {
    pub id: i64,
    pub has_phone: bool,
}

/// The account with the address that is enabled and has a password, and whether its phone is
/// verified.
pub async fn reset_account_by_email(conn: &mut Conn, email: &str) -> Result<Option<ResetAccountRow>, sqlx::Error> {
    let row: Option<(i64, Flag)> = sqlx::query_as(
        "SELECT id, phone_verified_at IS NOT NULL FROM users WHERE email = $1 AND disabled_at IS NULL AND password_hash != ''",
    )
    .bind(email)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, Flag(has_phone))| ResetAccountRow { id, has_phone }))
}

/// Remembers push as the factor the account passed its last login challenge with.
pub async fn set_last_mfa_method_push(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_mfa_method = 'push' WHERE id = $1").bind(user_id).execute(conn).await.map(drop)
}

/// Whether a new set of recovery codes is waiting to be shown once (right after MFA setup).
pub async fn recovery_codes_due(conn: &mut Conn, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, Flag>("SELECT recovery_codes_due FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await?
        .0)
}

pub async fn clear_recovery_codes_due(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET recovery_codes_due = 0 WHERE id = $1").bind(user_id).execute(conn).await.map(drop)
}

pub async fn password_hash(conn: &mut Conn, id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(id).fetch_one(conn).await
}

/// Sets a new password hash and forgets the trusted IP, so the next login meets the MFA challenge.
pub async fn set_password_forget_trusted_ip(conn: &mut Conn, id: i64, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, trusted_ip = NULL WHERE id = $2")
        .bind(password_hash)
        .bind(id)
        .execute(conn)
        .await
        .map(drop)
}

/// The account facts the password step decides on.
#[derive(sqlx::FromRow)]
pub struct LoginAccountRow {
    pub id: i64,
    pub password_hash: String,
    pub disabled_at: Option<i64>,
    pub phone_verified_at: Option<i64>,
    pub trusted_ip: Option<String>,
    pub locked_until: Option<i64>,
    pub email: String,
    pub phone_e164: Option<String>,
    /// `users.last_mfa_method`: the factor of the last successful login, by name.
    pub last_factor: String,
    pub origin: String,
}

impl LoginAccountRow {
    /// The facts a login challenge decides on.
    pub fn mfa(&self) -> MfaAccountRow {
        MfaAccountRow {
            id: self.id,
            email: self.email.clone(),
            phone_e164: self.phone_e164.clone(),
            last_factor: self.last_factor.clone(),
            origin: self.origin.clone(),
            locked_until: self.locked_until,
        }
    }
}

const LOGIN_COLUMNS: &str = "id, password_hash, disabled_at, phone_verified_at, trusted_ip, locked_until,
    email, phone_e164, last_mfa_method AS last_factor, origin";

pub async fn login_account_by_email(conn: &mut Conn, email: &str) -> Result<Option<LoginAccountRow>, sqlx::Error> {
    let sql = format!("SELECT {LOGIN_COLUMNS} FROM users WHERE email = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(conn).await
}

/// The account as [`login_account_by_email`] reads it, by its id.
pub async fn login_account(conn: &mut Conn, user_id: i64) -> Result<Option<LoginAccountRow>, sqlx::Error> {
    let sql = format!("SELECT {LOGIN_COLUMNS} FROM users WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_optional(conn).await
}

/// The account as [`login_account_by_email`] reads it, and the facts of a first login code on
/// `channel` (`code_sends::SendFactsRow`; `network` `None` for e-mail), in one read.
#[derive(sqlx::FromRow)]
pub struct LoginStepRow {
    #[sqlx(flatten)]
    pub account: LoginAccountRow,
    #[sqlx(flatten)]
    pub facts: crate::backend::store::code_sends::SendFactsRow,
}

pub async fn login_account_with_facts(
    conn: &mut Conn,
    user_id: i64,
    channel: crate::domain::mfa::Method,
    start: crate::domain::time::Timestamp,
    network: Option<&str>,
) -> Result<Option<LoginStepRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.password_hash, u.disabled_at, u.phone_verified_at, u.trusted_ip, u.locked_until,
            u.email, u.phone_e164, u.last_mfa_method AS last_factor, u.origin,
            (SELECT max(at) FROM code_sends WHERE user_id = u.id AND purpose = 'login' AND channel = $2) AS last_sent_at,
            (SELECT count(*) FROM code_sends WHERE user_id = u.id AND purpose = 'login' AND channel = $2
               AND at >= $3 AND id > u.quota_reset_code_id) AS used,
            (SELECT min(at) FROM code_sends WHERE user_id = u.id AND purpose = 'login' AND channel = $2
               AND at >= $3 AND id > u.quota_reset_code_id) AS oldest,
            (SELECT count(*) FROM sms_sends WHERE network = $4 AND at >= $3) AS network_used,
            (SELECT min(at) FROM sms_sends WHERE network = $4 AND at >= $3) AS network_oldest
         FROM users u WHERE u.id = $1",
    )
    .bind(user_id)
    .bind(channel.as_str())
    .bind(start.0)
    .bind(network)
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
