//! `users`: creating accounts, finding them by address, their names, e-mail and whether they
//! may log in (SPEC 2.1, 6.1).

use crate::backend::store::Conn;
use crate::{
    backend::db::Flag,
    domain::{role::Role, time::Timestamp},
};

/// The logged-in account: who it is, and the facts the TAN system decides on.
#[derive(Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub id: i64,
    pub organisation_id: Option<i64>,
    /// The organisation's name (support agents have none).
    pub organisation: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub full_name: String,
    pub email: String,
    pub phone_e164: Option<String>,
    pub tan_locked_at: Option<i64>,
    pub tan_wrong_in_a_row: i64,
    pub tan_mode_password: String,
    pub tan_mode_email: String,
    pub tan_mode_invoice: String,
    pub tan_mode_admin: String,
    pub invoice_threshold_cents: i64,
    pub tan_way: String,
}

/// A session and its account in one read: the session as stored, the account with its
/// organisation's name, and whether it is disabled.
#[derive(sqlx::FromRow)]
pub struct SessionMemberRow {
    #[sqlx(flatten)]
    pub session: crate::backend::store::sessions::SessionRow,
    #[sqlx(flatten)]
    pub member: MemberRow,
    pub disabled_at: Option<i64>,
}

/// The session stored under `id_hash` with its account.
pub async fn member_of_session(conn: &mut Conn, id_hash: &[u8]) -> Result<Option<SessionMemberRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.user_id, s.stage, s.ip, s.created_at, s.last_seen_at, s.tan_ip, s.proof,
        u.id, u.organisation_id, o.name AS organisation, u.role, u.full_name, u.email, u.phone_e164,
        u.tan_locked_at, u.tan_wrong_in_a_row, u.tan_mode_password, u.tan_mode_email, u.tan_mode_invoice,
        u.tan_mode_admin, u.invoice_threshold_cents, u.tan_way, u.disabled_at
     FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN organisations o ON o.id = u.organisation_id
     WHERE s.id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await
}

/// A colleague as the team page lists them.
#[derive(sqlx::FromRow)]
pub struct TeamMemberRow {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub role: String,
    /// Without a password yet: the invitation is open.
    #[sqlx(try_from = "Flag")]
    pub invited: bool,
    pub phone_e164: Option<String>,
    pub phone_verified_at: Option<i64>,
    pub disabled_at: Option<i64>,
}

/// Every account of the organisation, by name.
pub async fn team_of(conn: &mut Conn, organisation_id: i64) -> Result<Vec<TeamMemberRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, full_name, email, role, password_hash = '' AS invited, phone_e164, phone_verified_at, disabled_at
         FROM users WHERE organisation_id = $1 ORDER BY lower(full_name), id",
    )
    .bind(organisation_id)
    .fetch_all(conn)
    .await
}

/// An account found by the address an admin invites.
pub struct InviteeRow {
    pub id: i64,
    pub organisation_id: Option<i64>,
    /// Without a password yet: the invitation is open.
    pub invited: bool,
    pub disabled: bool,
}

pub async fn invitee_by_email(conn: &mut Conn, email: &str) -> Result<Option<InviteeRow>, sqlx::Error> {
    let row: Option<(i64, Option<i64>, Flag, Flag)> = sqlx::query_as(
        "SELECT id, organisation_id, password_hash = '', disabled_at IS NOT NULL FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, organisation_id, Flag(invited), Flag(disabled))| InviteeRow {
        id,
        organisation_id,
        invited,
        disabled,
    }))
}

/// A new member of the organisation without a password (the invitation sets it); its id.
pub async fn insert_invited(
    conn: &mut Conn,
    organisation_id: i64,
    email: &str,
    full_name: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at, origin)
                 VALUES ($1, $2, $3, 'member', '', $4, 'invitation') RETURNING id",
    )
    .bind(organisation_id)
    .bind(email)
    .bind(full_name)
    .bind(now.0)
    .fetch_one(conn)
    .await
}

/// A new account without a password, made on the admin command line; its id.
pub async fn insert_by_command_line(
    conn: &mut Conn,
    organisation_id: Option<i64>,
    email: &str,
    full_name: &str,
    role: Role,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at, origin)
             VALUES ($1, $2, $3, $4, '', $5, 'command_line') RETURNING id",
    )
    .bind(organisation_id)
    .bind(email)
    .bind(full_name)
    .bind(role.as_str())
    .bind(now.0)
    .fetch_one(conn)
    .await
}

/// Whether an account has the address.
pub async fn email_taken(conn: &mut Conn, email: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, Flag>("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(email)
        .fetch_one(conn)
        .await?
        .0)
}

pub async fn email_of(conn: &mut Conn, user_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(user_id).fetch_one(conn).await
}

/// The address of an account of the organisation.
pub async fn email_in_organisation(
    conn: &mut Conn,
    user_id: i64,
    organisation_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND organisation_id = $2")
        .bind(user_id)
        .bind(organisation_id)
        .fetch_optional(conn)
        .await
}

/// The address of an account that has a password (not one whose invitation is open).
pub async fn email_with_password(conn: &mut Conn, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND password_hash != ''")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// Who an account is, for the password rules (the password must not contain these).
#[derive(sqlx::FromRow)]
pub struct NamesRow {
    pub full_name: String,
    pub email: String,
    pub organisation: Option<String>,
}

/// The names of an account whose invitation is open and which is not disabled.
pub async fn invited_names(conn: &mut Conn, user_id: i64) -> Result<Option<NamesRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.full_name, u.email, o.name AS organisation FROM users u
         LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE u.id = $1 AND u.password_hash = '' AND u.disabled_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// The names of an account.
pub async fn names(conn: &mut Conn, user_id: i64) -> Result<NamesRow, sqlx::Error> {
    let (email, full_name, organisation): (String, String, Option<String>) = sqlx::query_as(
        "SELECT u.email, u.full_name, o.name FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id
             WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(NamesRow { full_name, email, organisation })
}

pub async fn enable(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1").bind(user_id).execute(conn).await.map(drop)
}

/// Disables the account as of `now` (an account disabled already keeps its time).
pub async fn disable(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled_at = coalesce(disabled_at, $1) WHERE id = $2")
        .bind(now.0)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// The account with this e-mail address, if any.
pub async fn id_by_email(conn: &mut Conn, email: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(conn).await
}

/// A demo account as the development seed creates it.
pub struct SeedUser<'a> {
    pub organisation_id: Option<i64>,
    pub email: &'a str,
    pub full_name: &'a str,
    pub role: Role,
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
    .bind(u.role.as_str())
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

pub async fn set_email(conn: &mut Conn, id: i64, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET email = $1 WHERE id = $2").bind(email).bind(id).execute(conn).await.map(drop)
}
