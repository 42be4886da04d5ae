//! `sms_sends`: every SMS a request triggered, by network, for the per-network SMS cap.

use super::Conn;
use crate::{
    backend::db::batch::{Value, Write},
    domain::time::Timestamp,
};

/// Forgets every network's sends before `start` (they left every window): housekeeping,
/// outside any use case, as it touches rows of every network.
pub async fn forget_before(conn: &mut Conn, start: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sms_sends WHERE at < $1").bind(start.0).execute(conn).await?;
    Ok(())
}

/// One SMS of the network, counted with the transaction's commit (`db::batch`).
pub fn record(network: &str, at: Timestamp) -> Write {
    Write {
        sql: "INSERT INTO sms_sends (network, at) VALUES ($1, $2)",
        values: vec![Value::Text(network.to_owned()), Value::Int(at.0)],
    }
}
