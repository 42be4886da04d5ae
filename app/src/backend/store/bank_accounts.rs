//! `bank_accounts`: an organisation's payout account (one per organisation).

use super::Conn;

/// The payout account's holder and IBAN, unmasked.
pub async fn payout(conn: &mut Conn, organisation_id: i64) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT holder, iban FROM bank_accounts WHERE organisation_id = $1")
        .bind(organisation_id)
        .fetch_optional(conn)
        .await
}
