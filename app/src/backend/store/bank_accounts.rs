//! `bank_accounts`: an organisation's payout account (one per organisation).

use super::Conn;
use crate::domain::time::Timestamp;

/// The payout account, unmasked (the caller masks what it shows).
#[derive(sqlx::FromRow)]
pub struct BankAccountRow {
    pub holder: String,
    pub iban: String,
    pub bic: Option<String>,
}

pub async fn account(conn: &mut Conn, organisation_id: i64) -> Result<Option<BankAccountRow>, sqlx::Error> {
    sqlx::query_as("SELECT holder, iban, bic FROM bank_accounts WHERE organisation_id = $1")
        .bind(organisation_id)
        .fetch_optional(conn)
        .await
}

/// Sets the organisation's payout account, replacing the one it had.
pub async fn upsert(
    conn: &mut Conn,
    organisation_id: i64,
    holder: &str,
    iban: &str,
    bic: Option<&str>,
    updated_at: Timestamp,
    updated_by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bank_accounts (organisation_id, holder, iban, bic, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (organisation_id) DO UPDATE SET holder = excluded.holder, iban = excluded.iban, bic = excluded.bic,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(organisation_id)
    .bind(holder)
    .bind(iban)
    .bind(bic)
    .bind(updated_at.0)
    .bind(updated_by)
    .execute(conn)
    .await
    .map(drop)
}

/// Stores a payout account unless the organisation has one.
pub async fn insert_if_absent(
    conn: &mut Conn,
    organisation_id: i64,
    holder: &str,
    iban: &str,
    bic: &str,
    updated_at: Timestamp,
    updated_by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bank_accounts (organisation_id, holder, iban, bic, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (organisation_id) DO NOTHING",
    )
    .bind(organisation_id)
    .bind(holder)
    .bind(iban)
    .bind(bic)
    .bind(updated_at.0)
    .bind(updated_by)
    .execute(conn)
    .await
    .map(drop)
}
