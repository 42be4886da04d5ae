//! `users`: the accounts (SPEC 2.1, 6.1): who they are, their organisation and role, password
//! hash (empty while an invitation is open), phone, lock, trusted IP and TAN state.

use super::Conn;
use crate::{
    backend::db::Flag,
    domain::{mfa::Factor, role::Role, tan::TanSettings, time::Timestamp},
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
}

/// The account with its organisation's name, unless it is disabled.
pub async fn member(conn: &mut Conn, user_id: i64) -> Result<Option<MemberRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.organisation_id, o.name AS organisation, u.role, u.full_name, u.email, u.phone_e164,
        u.tan_locked_at, u.tan_wrong_in_a_row, u.tan_mode_password, u.tan_mode_email, u.tan_mode_invoice,
        u.tan_mode_admin, u.invoice_threshold_cents
     FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id
     WHERE u.id = $1 AND u.disabled_at IS NULL",
    )
    .bind(user_id)
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
    role: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at, origin)
             VALUES ($1, $2, $3, $4, '', $5, 'command_line') RETURNING id",
    )
    .bind(organisation_id)
    .bind(email)
    .bind(full_name)
    .bind(role)
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

/// Sets a new password and forgets the trusted IP.
pub async fn reset_password(conn: &mut Conn, user_id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, trusted_ip = NULL WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
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

/// Remembers the login's IP as trusted and, when a factor passed it, that factor.
pub async fn set_trusted_ip_and_factor(
    conn: &mut Conn,
    user_id: i64,
    ip: &str,
    factor: Option<Factor>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET trusted_ip = $1, last_mfa_method = coalesce($2, last_mfa_method) WHERE id = $3")
        .bind(ip)
        .bind(factor.map(Factor::as_str))
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// When the account's TAN system was locked; `None` also when there is no such account.
pub async fn tan_locked_at(conn: &mut Conn, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    let locked: Option<Option<i64>> =
        sqlx::query_scalar("SELECT tan_locked_at FROM users WHERE id = $1").bind(user_id).fetch_optional(conn).await?;
    Ok(locked.flatten())
}

/// An account as the support console's search lists it.
pub struct SearchHitRow {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub organisation: Option<String>,
    pub role: String,
}

/// Up to 50 accounts whose address, organisation or name contains `needle` (lower case).
pub async fn search(conn: &mut Conn, needle: &str) -> Result<Vec<SearchHitRow>, sqlx::Error> {
    let pattern = format!("%{}%", needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let rows: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT u.id, u.full_name, u.email, o.name, u.role FROM users u
         LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE lower(u.email) LIKE $1 ESCAPE '\\' OR lower(o.name) LIKE $1 ESCAPE '\\' OR lower(u.full_name) LIKE $1 ESCAPE '\\'
         ORDER BY o.name, u.email LIMIT 50",
    )
    .bind(&pattern)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, full_name, email, organisation, role)| SearchHitRow { id, full_name, email, organisation, role })
        .collect())
}

/// An account as the support console shows it.
#[derive(sqlx::FromRow)]
pub struct SupportViewRow {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub organisation: Option<String>,
    pub role: String,
    pub disabled_at: Option<i64>,
    pub phone_e164: Option<String>,
    pub phone_verified_at: Option<i64>,
    pub last_mfa_method: String,
    pub trusted_ip: Option<String>,
    pub locked_until: Option<i64>,
    pub tan_locked_at: Option<i64>,
}

pub async fn support_view(conn: &mut Conn, user_id: i64) -> Result<Option<SupportViewRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.full_name, u.email, o.name AS organisation, u.role, u.disabled_at, u.phone_e164,
                u.phone_verified_at, u.last_mfa_method, u.trusted_ip, u.locked_until, u.tan_locked_at
         FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
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

/// Resets the account's daily limits at `now`: marks the newest code send and push of the
/// tables as the last ones that still count.
pub async fn reset_quotas(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET quota_reset_at = $1,
             quota_reset_code_id = coalesce((SELECT max(id) FROM code_sends), 0),
             quota_reset_push_id = coalesce((SELECT max(id) FROM push_requests), 0)
         WHERE id = $2",
    )
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

/// The id of an account known to exist; `RowNotFound` otherwise.
pub async fn existing_id_by_email(conn: &mut Conn, email: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(conn).await
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

/// What ID tokens and userinfo say of an account.
#[derive(sqlx::FromRow)]
pub struct OidcClaimsRow {
    /// `None` until the account's first token.
    pub subject: Option<String>,
    pub email: String,
    pub full_name: String,
    pub role: String,
    pub organisation: Option<String>,
}

/// The claims of the account, if it exists and is not disabled.
pub async fn oidc_claims(conn: &mut Conn, user_id: i64) -> Result<Option<OidcClaimsRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.oidc_subject AS subject, u.email, u.full_name, u.role, o.name AS organisation FROM users u \
         LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1 AND u.disabled_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Gives the account `subject` as its OIDC `sub`, unless it has one already.
pub async fn set_oidc_subject_if_unset(conn: &mut Conn, user_id: i64, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET oidc_subject = $1 WHERE id = $2 AND oidc_subject IS NULL")
        .bind(subject)
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// The account's OIDC `sub`; an error if the account has none (or does not exist).
pub async fn oidc_subject(conn: &mut Conn, user_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT oidc_subject FROM users WHERE id = $1").bind(user_id).fetch_one(conn).await
}
