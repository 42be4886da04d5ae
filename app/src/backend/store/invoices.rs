//! `invoices`: what an organisation has submitted.

use super::Conn;

/// An invoice as the lists show it.
#[derive(sqlx::FromRow)]
pub struct InvoiceListRow {
    pub number: String,
    pub invoice_date: String,
    pub amount_cents: i64,
}

/// The organisation's `limit` newest invoices, newest first.
pub async fn newest(conn: &mut Conn, organisation_id: i64, limit: i64) -> Result<Vec<InvoiceListRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT number, invoice_date, amount_cents FROM invoices WHERE organisation_id = $1
         ORDER BY submitted_at DESC, id DESC LIMIT $2",
    )
    .bind(organisation_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
