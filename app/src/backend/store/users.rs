//! `users`: the accounts, their credentials, phone and TAN settings.

use super::Conn;
use crate::{
    backend::db::Flag,
    domain::{tan::TanSettings, time::Timestamp},
};

/// The account with this e-mail address, if any.
pub async fn id_by_email(conn: &mut Conn, email: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(conn).await
}

/// The id of an account known to exist; `RowNotFound` otherwise.
pub async fn existing_id_by_email(conn: &mut Conn, email: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(conn).await
}

/// Whether an account has this e-mail address.
pub async fn email_taken(conn: &mut Conn, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar::<_, Flag>("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(email)
        .fetch_one(conn)
        .await
        .map(|f| f.0)
}

/// A demo account as the development seed creates it.
pub struct SeedUser<'a> {
    pub organisation_id: Option<i64>,
    pub email: &'a str,
    pub full_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub phone_e164: Option<&'a str>,
    pub phone_verified_at: Option<Timestamp>,
}

/// Creates a seed account unless the address is taken; returns the new id, `None` if taken.
pub async fn create_seeded(
    conn: &mut Conn,
    u: SeedUser<'_>,
    created_at: Timestamp,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (organisation_id, email, full_name, role, password_hash, phone_e164, phone_verified_at,
                            created_at, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'seed') ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(u.organisation_id)
    .bind(u.email)
    .bind(u.full_name)
    .bind(u.role)
    .bind(u.password_hash)
    .bind(u.phone_e164)
    .bind(u.phone_verified_at.map(|t| t.0))
    .bind(created_at.0)
    .fetch_optional(conn)
    .await
}

/// Creates a self-registered organisation's first account (role `admin`); returns its id.
pub async fn create_registered_admin(
    conn: &mut Conn,
    organisation_id: i64,
    email: &str,
    full_name: &str,
    password_hash: &str,
    created_at: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at, origin)
         VALUES ($1, $2, $3, 'admin', $4, $5, 'registration') RETURNING id",
    )
    .bind(organisation_id)
    .bind(email)
    .bind(full_name)
    .bind(password_hash)
    .bind(created_at.0)
    .fetch_one(conn)
    .await
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

pub async fn set_tan_settings(conn: &mut Conn, id: i64, settings: &TanSettings) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET tan_mode_password = $1, tan_mode_email = $2, tan_mode_invoice = $3, tan_mode_admin = $4,
                          invoice_threshold_cents = $5 WHERE id = $6",
    )
    .bind(settings.password.as_str())
    .bind(settings.email.as_str())
    .bind(settings.invoice.as_str())
    .bind(settings.admin.as_str())
    .bind(settings.invoice_threshold_cents)
    .bind(id)
    .execute(conn)
    .await
    .map(drop)
}

pub async fn set_email(conn: &mut Conn, id: i64, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET email = $1 WHERE id = $2").bind(email).bind(id).execute(conn).await.map(drop)
}
