//! `users`: what the support console finds and shows of an account (SPEC 6.4).

use crate::backend::store::Conn;

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
