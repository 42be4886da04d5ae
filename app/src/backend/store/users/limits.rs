//! `users`: what bars an account: the 24-hour lock and the quota reset marks (SPEC 1.6, 4), and
//! the TAN system's settings, strikes and lock (SPEC 5).

use crate::backend::store::Conn;
use crate::{
    backend::db::{
        Flag,
        batch::{Value, Write},
    },
    domain::{mfa::Factor, tan::TanSettings, time::Timestamp},
};

/// The account's side of a completed login (SPEC 1.4, 4.2), written with the transaction's
/// commit (`db::batch`) as one statement: the trusted IP, the factor that passed (kept when
/// `None`), whether a new set of recovery codes is due, and the quota reset (every count
/// before the newest rows of the counted tables ends).
pub fn complete_login(user_id: i64, ip: &str, factor: Option<Factor>, codes_due: bool, now: Timestamp) -> Write {
    Write {
        sql: "UPDATE users SET trusted_ip = $1, last_mfa_method = coalesce($2, last_mfa_method),
                 recovery_codes_due = $3, quota_reset_at = $4,
                 quota_reset_code_id = coalesce((SELECT max(id) FROM code_sends), 0),
                 quota_reset_push_id = coalesce((SELECT max(id) FROM push_requests), 0),
                 quota_reset_entry_id = coalesce((SELECT max(id) FROM wrong_entries), 0)
              WHERE id = $5",
        values: vec![
            Value::Text(ip.to_owned()),
            Value::OptText(factor.map(|f| f.as_str().to_owned())),
            Value::Int(i64::from(codes_due)),
            Value::Int(now.0),
            Value::Int(user_id),
        ],
    }
}

/// Whether the account is disabled, and its lock's end (in force or past).
pub struct BarsRow {
    pub disabled: bool,
    pub locked_until: Option<i64>,
}

pub async fn bars(conn: &mut Conn, user_id: i64) -> Result<BarsRow, sqlx::Error> {
    let (Flag(disabled), locked_until): (Flag, Option<i64>) =
        sqlx::query_as("SELECT disabled_at IS NOT NULL, locked_until FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(conn)
            .await?;
    Ok(BarsRow { disabled, locked_until })
}

pub async fn set_locked_until(conn: &mut Conn, user_id: i64, until: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
        .bind(until.0)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// Clears a lock still in force at `now`; the rows affected (0 when there was none).
pub async fn clear_lock_in_force(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE users SET locked_until = NULL WHERE id = $1 AND locked_until > $2")
        .bind(user_id)
        .bind(now.0)
        .execute(conn)
        .await?
        .rows_affected())
}

/// When the account's TAN system was locked; `None` also when there is no such account.
pub async fn tan_locked_at(conn: &mut Conn, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    let locked: Option<Option<i64>> =
        sqlx::query_scalar("SELECT tan_locked_at FROM users WHERE id = $1").bind(user_id).fetch_optional(conn).await?;
    Ok(locked.flatten())
}

/// Resets the account's daily limits at `now`: marks the newest code send and push of the
/// tables as the last ones that still count.
pub async fn reset_quotas(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET quota_reset_at = $1,
             quota_reset_code_id = coalesce((SELECT max(id) FROM code_sends), 0),
             quota_reset_push_id = coalesce((SELECT max(id) FROM push_requests), 0),
             quota_reset_entry_id = coalesce((SELECT max(id) FROM wrong_entries), 0)
         WHERE id = $2",
    )
    .bind(now.0)
    .bind(user_id)
    .execute(conn)
    .await
    .map(drop)
}

pub async fn set_tan_settings(conn: &mut Conn, id: i64, settings: &TanSettings) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET tan_mode_password = $1, tan_mode_email = $2, tan_mode_invoice = $3, tan_mode_admin = $4,
                          invoice_threshold_cents = $5, tan_way = $6 WHERE id = $7",
    )
    .bind(settings.password.as_str())
    .bind(settings.email.as_str())
    .bind(settings.invoice.as_str())
    .bind(settings.admin.as_str())
    .bind(settings.invoice_threshold_cents)
    .bind(settings.way.as_str())
    .bind(id)
    .execute(conn)
    .await
    .map(drop)
}

/// A wrong TAN counted: the strikes in a row, and the lock when they reach the bound;
/// written with the transaction's commit (`db::batch`).
pub fn set_tan_wrong(user_id: i64, wrong_in_a_row: i64, lock: bool, at: Timestamp) -> Write {
    Write {
        sql: "UPDATE users SET tan_wrong_in_a_row = $1, tan_locked_at = $2 WHERE id = $3",
        values: vec![Value::Int(wrong_in_a_row), Value::OptInt(lock.then_some(at.0)), Value::Int(user_id)],
    }
}

/// A right TAN ends the strikes in a row; written with the transaction's commit.
pub fn reset_tan_wrong(user_id: i64) -> Write {
    Write { sql: "UPDATE users SET tan_wrong_in_a_row = 0 WHERE id = $1", values: vec![Value::Int(user_id)] }
}

/// Lifts the TAN lock and its count of wrong TANs.
pub async fn clear_tan_lock(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET tan_locked_at = NULL, tan_wrong_in_a_row = 0 WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
