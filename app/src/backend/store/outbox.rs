//! `outbox`: the e-mails and SMS waiting to be delivered or delivered, with how delivery went.

use super::Conn;

/// A message as the support console shows its delivery.
#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    pub channel: String,
    pub created_at: i64,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub gave_up_at: Option<i64>,
}

/// The newest 10 messages to the address or the phone, newest first.
pub async fn newest_to(conn: &mut Conn, email: &str, phone: Option<&str>) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT channel, created_at, attempts, sent_at, last_error, next_attempt_at, gave_up_at FROM outbox
         WHERE recipient = $1 OR recipient = $2 ORDER BY id DESC LIMIT 10",
    )
    .bind(email)
    .bind(phone.unwrap_or(email))
    .fetch_all(conn)
    .await
}
