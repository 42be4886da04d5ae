//! The delivery worker and its providers (SPEC 8).
//!
//! - One worker per server takes the due rows of the outbox in order (up to 50 a pass), hands
//!   each to the provider of its channel, then marks the pass's rows sent (wiping their
//!   bodies) or failed in one transaction.
//! - A failed delivery is retried with exponential backoff (1 s, 2 s, 4 s … up to 5 min).
//! - A crash between sending and marking means the pass's rows are sent again after the
//!   restart: delivery is at-least-once, and the outbox never loses a message.
//! - The development provider keeps delivered messages in memory for `/dev/outbox`; SMTP and
//!   the SMS gateway are in `providers.rs`.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde::Serialize;
use tokio::sync::Notify;

use super::{
    clock,
    db::Writer,
    providers::{SmsGateway, Smtp},
};
use crate::domain::{mfa::Method, time::Timestamp};

/// A message as the development provider delivered it.
#[derive(Clone, Debug, Serialize)]
pub struct Delivered {
    pub outbox_id: i64,
    pub channel: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub delivered_at: i64,
}

/// The development provider's mailbox: the newest `CAPACITY` messages, in memory only.
#[derive(Debug, Default)]
pub struct DevOutbox {
    messages: Mutex<VecDeque<Delivered>>,
}

impl DevOutbox {
    const CAPACITY: usize = 1000;

    fn push(&self, message: Delivered) {
        if let Ok(mut m) = self.messages.lock() {
            if m.len() == Self::CAPACITY {
                m.pop_front();
            }
            m.push_back(message);
        }
    }

    /// Newest first.
    pub fn list(&self) -> Vec<Delivered> {
        self.messages.lock().map(|m| m.iter().rev().cloned().collect()).unwrap_or_default()
    }
}

/// Where messages of one channel go.
#[derive(Clone, Debug)]
pub enum Provider {
    Dev(Arc<DevOutbox>),
    /// E-mail through an SMTP server.
    Smtp(Arc<Smtp>),
    /// SMS through a gateway with Twilio's API.
    SmsGateway(Arc<SmsGateway>),
    /// No provider configured: every attempt fails and the message waits in the outbox.
    Unconfigured,
}

/// A due row of the outbox.
#[derive(Debug, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

impl Provider {
    async fn deliver(&self, m: &Pending, channel: Method, now: Timestamp) -> Result<(), String> {
        match self {
            Provider::Dev(outbox) => {
                outbox.push(Delivered {
                    outbox_id: m.id,
                    channel: channel.as_str(),
                    recipient: m.recipient.clone(),
                    subject: m.subject.clone(),
                    body: m.body.clone(),
                    delivered_at: now.0,
                });
                Ok(())
            }
            Provider::Smtp(smtp) => smtp.send(&m.recipient, &m.subject, &m.body).await,
            Provider::SmsGateway(gateway) => gateway.send(&m.recipient, &m.body).await,
            Provider::Unconfigured => Err(format!("no {} provider is configured", channel.as_str())),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Providers {
    pub sms: Provider,
    pub email: Provider,
}

impl Providers {
    fn for_channel(&self, channel: Method) -> &Provider {
        match channel {
            Method::Sms => &self.sms,
            Method::Email => &self.email,
        }
    }
}

/// Seconds to wait before the next attempt after `attempts` failed ones.
pub fn backoff_secs(attempts: i64) -> i64 {
    1i64.checked_shl(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20)).unwrap_or(i64::MAX).min(300)
}

/// Delivers up to `limit` due messages, wiping each body once sent; returns how many were due.
/// Call [`truncate_wal`] once nothing is due.
pub async fn deliver_due(
    writer: &Writer,
    providers: &Providers,
    now: Timestamp,
    limit: i64,
) -> Result<usize, sqlx::Error> {
    let due: Vec<Pending> = sqlx::query_as(
        "SELECT id, channel, recipient, subject, body, attempts FROM outbox
         WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
    )
    .bind(now.0)
    .bind(limit)
    .fetch_all(writer.pool())
    .await?;
    // The outcomes are written in one transaction per pass: a burst of sends costs the
    // writers one turn, not one per message. A crash before it resends this pass (at least once).
    let mut outcomes = Vec::with_capacity(due.len());
    for m in &due {
        let Some(channel) = Method::parse(&m.channel) else {
            tracing::error!(outbox_id = m.id, channel = %m.channel, "outbox row with an unknown channel");
            continue;
        };
        let outcome = providers.for_channel(channel).deliver(m, channel, now).await;
        if let Err(error) = &outcome {
            tracing::warn!(outbox_id = m.id, %error, "delivery failed; will retry");
        }
        outcomes.push((m, outcome));
    }
    if outcomes.is_empty() {
        return Ok(due.len());
    }
    let mut tx = writer.begin().await?;
    for (m, outcome) in outcomes {
        match outcome {
            Ok(()) => sqlx::query(
                "UPDATE outbox SET sent_at = ?, body = '', attempts = attempts + 1, last_error = NULL
                 WHERE id = ? AND sent_at IS NULL",
            )
            .bind(now.0)
            .bind(m.id),
            Err(error) => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
            )
            .bind(now.plus_secs(backoff_secs(m.attempts)).0)
            .bind(error)
            .bind(m.id),
        }
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Copies the WAL into the database file and empties it. A wiped body's old page versions
/// sit in the WAL until then; truncating it leaves no code of a delivered message in any file
/// (SPEC 6.5). Busy readers only postpone it to the next call.
pub async fn truncate_wal(writer: &Writer) -> Result<(), sqlx::Error> {
    let _turn = writer.turn().await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(writer.pool()).await?;
    Ok(())
}

/// Runs until the process ends: delivers what is due, truncates the WAL once the outbox is
/// empty after deliveries (a burst of sends costs one checkpoint, not one per message), then
/// waits for a nudge or half a second.
pub async fn run_worker(writer: Writer, providers: Providers, nudge: Arc<Notify>) {
    let mut delivered = false;
    loop {
        match deliver_due(&writer, &providers, clock::now(), 50).await {
            Ok(n) if n > 0 => {
                delivered = true;
                continue;
            }
            Ok(_) if delivered => match truncate_wal(&writer).await {
                Ok(()) => delivered = false,
                Err(e) => tracing::error!(error = %e, "truncating the WAL failed"),
            },
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "outbox delivery pass failed"),
        }
        tokio::select! {
            _ = nudge.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let v: Vec<i64> = (0..10).map(backoff_secs).collect();
        assert_eq!(v, vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
        assert_eq!(backoff_secs(1000), 300);
        assert_eq!(backoff_secs(-3), 1);
    }
}
