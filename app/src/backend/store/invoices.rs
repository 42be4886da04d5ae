//! `invoices`: what an organisation has submitted.

use super::Conn;
use crate::{backend::db::Flag, domain::time::Timestamp};

/// An invoice as the lists show it.
#[derive(sqlx::FromRow)]
pub struct InvoiceRow {
    pub number: String,
    pub invoice_date: String,
    pub amount_cents: i64,
}

/// Up to `limit` of the organisation's invoices after skipping `offset`, newest first.
pub async fn page(
    conn: &mut Conn,
    organisation_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<InvoiceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT number, invoice_date, amount_cents FROM invoices WHERE organisation_id = $1
         ORDER BY submitted_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(organisation_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// The sum in cents of what the user submitted at or after `since` (0 for nothing).
pub async fn submitted_total_since(conn: &mut Conn, user_id: i64, since: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(coalesce(sum(amount_cents), 0) AS BIGINT) FROM invoices WHERE submitted_by = $1 AND submitted_at >= $2",
    )
    .bind(user_id)
    .bind(since.0)
    .fetch_one(conn)
    .await
}

/// Whether the organisation already has an invoice with this number.
pub async fn number_taken(conn: &mut Conn, organisation_id: i64, number: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar::<_, Flag>("SELECT EXISTS (SELECT 1 FROM invoices WHERE organisation_id = $1 AND number = $2)")
        .bind(organisation_id)
        .bind(number)
        .fetch_one(conn)
        .await
        .map(|f| f.0)
}

pub async fn insert(
    conn: &mut Conn,
    organisation_id: i64,
    number: &str,
    invoice_date: &str,
    amount_cents: i64,
    submitted_by: i64,
    submitted_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO invoices (organisation_id, number, invoice_date, amount_cents, submitted_by, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(organisation_id)
    .bind(number)
    .bind(invoice_date)
    .bind(amount_cents)
    .bind(submitted_by)
    .bind(submitted_at.0)
    .execute(conn)
    .await
    .map(drop)
}

/// Stores an invoice unless the organisation has one with this number.
pub async fn insert_if_absent(
    conn: &mut Conn,
    organisation_id: i64,
    number: &str,
    invoice_date: &str,
    amount_cents: i64,
    submitted_by: i64,
    submitted_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO invoices (organisation_id, number, invoice_date, amount_cents, submitted_by, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (organisation_id, number) DO NOTHING",
    )
    .bind(organisation_id)
    .bind(number)
    .bind(invoice_date)
    .bind(amount_cents)
    .bind(submitted_by)
    .bind(submitted_at.0)
    .execute(conn)
    .await
    .map(drop)
}
