//! `users`: what the OpenID provider reads of an account: its claims and its stable
//! subject.

use crate::backend::store::Conn;

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
