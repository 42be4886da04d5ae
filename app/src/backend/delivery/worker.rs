//! The delivery worker (SPEC 8): it sends what the outbox holds, through the providers.
//!
//! - Every instance runs a worker. A pass claims due rows of the outbox in order (up to 50),
//!   hands each to the provider of its channel, then marks the pass's rows in one transaction:
//!   sent (body wiped), failed, or given up. The claim is one write transaction that moves the
//!   rows' next attempt a minute ahead, so under the write lock (`db`) each row is claimed by
//!   exactly one instance; a dead instance's claims run out and another delivers them.
//! - A failed delivery is retried with exponential backoff (1 s, 2 s, 4 s … up to 5 min). A
//!   message the provider refuses for good, or one undelivered for a day, is given up and its
//!   body wiped; support sees it with the reason.
//! - A crash between sending and marking means the pass's rows are sent again: at once after a
//!   restart on SQLite (one instance, so nothing else can hold a claim), once the claim runs
//!   out on PostgreSQL. Delivery is at-least-once, and the outbox never loses a message.

use std::{sync::Arc, time::Duration};

use tokio::sync::Notify;

use super::providers::{Failure, Providers};
use crate::{
    backend::{
        db::{Backend, Truncation, Writer},
        metrics::{Count, DeliveryOutcome},
        store,
        tools::clock,
    },
    domain::{channel::Channel, time::Timestamp},
};

/// Seconds to wait before the next attempt after `attempts` failed ones.
pub fn backoff_secs(attempts: i64) -> i64 {
    1i64.checked_shl(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20)).unwrap_or(i64::MAX).min(300)
}

/// How long a pass holds the rows it took, by default (`--delivery-claim-secs`): a crash or a
/// failed write after sending makes them due again after this, not at once. It must be longer
/// than one delivery attempt may take, or a slow pass's rows would be claimed twice.
pub const DEFAULT_CLAIM_SECS: i64 = 60;

/// A message not delivered within a day is given up (its body wiped); a code or TAN in it
/// expired long before.
pub const GIVE_UP_AFTER_SECS: i64 = 24 * 60 * 60;

/// Delivers up to `limit` due messages; returns how many were due.
///
/// - One transaction takes the due rows (pushing their next attempt `claim_secs` ahead).
/// - Each goes to its channel's provider.
/// - One transaction writes the outcomes: sent (body wiped), failed (the next attempt after
///   the backoff), or given up (refused for good, or a day old; body wiped).
///
/// Delivery is at least once: a crash between sending and the second transaction sends the
/// pass again once its claim runs out. Call [`truncate_wal`] after deliveries.
pub async fn deliver_due(
    writer: &Writer,
    providers: &Providers,
    now: Timestamp,
    limit: i64,
) -> Result<usize, sqlx::Error> {
    deliver_due_claiming(writer, providers, now, limit, DEFAULT_CLAIM_SECS).await
}

/// [`deliver_due`], holding the rows it takes for `claim_secs`.
pub async fn deliver_due_claiming(
    writer: &Writer,
    providers: &Providers,
    now: Timestamp,
    limit: i64,
    claim_secs: i64,
) -> Result<usize, sqlx::Error> {
    let mut tx = writer.begin().await?;
    let mut due = store::outbox::claim_due(&mut tx, now.plus_secs(claim_secs), now, limit).await?;
    tx.commit().await?;
    if due.is_empty() {
        return Ok(0);
    }
    due.sort_by_key(|m| m.id);
    let mut outcomes = Vec::with_capacity(due.len());
    for m in &due {
        let channel = Channel::parse(&m.channel);
        let outcome = match channel {
            Some(channel) => providers.for_channel(channel).deliver(m, channel, now).await,
            None => Err(Failure::permanent(format!("unknown channel {:?}", m.channel))),
        };
        if let Err(failure) = &outcome {
            tracing::warn!(outbox_id = m.id, reason = %failure.reason, permanent = failure.permanent, "delivery failed");
        }
        outcomes.push((m, channel, outcome));
    }
    let mut tx = writer.begin().await?;
    for (m, channel, outcome) in outcomes {
        let give_up = |f: &Failure| f.permanent || now.0 - m.created_at >= GIVE_UP_AFTER_SECS;
        let counted = match outcome {
            Ok(()) => {
                store::outbox::mark_sent(&mut tx, m.id, now).await?;
                DeliveryOutcome::Sent
            }
            Err(failure) if give_up(&failure) => {
                if failure.gone {
                    store::web_push::end(&mut tx, &m.recipient, now).await?;
                }
                store::outbox::mark_given_up(&mut tx, m.id, &failure.reason, now).await?;
                DeliveryOutcome::GivenUp
            }
            Err(failure) => {
                let next = now.plus_secs(backoff_secs(m.attempts));
                store::outbox::mark_failed(&mut tx, m.id, &failure.reason, next).await?;
                DeliveryOutcome::Failed
            }
        };
        if let Some(channel) = channel {
            let provider = providers.for_channel(channel).name();
            tx.count(Count::Delivery { provider, channel, outcome: counted });
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

/// After a restart of the one instance (SQLite) nothing is being sent: every waiting message
/// is due now.
pub async fn release_claims(writer: &Writer, now: Timestamp) -> Result<(), sqlx::Error> {
    let mut tx = writer.begin().await?;
    store::outbox::release_claims(&mut tx, now).await?;
    tx.commit().await
}

/// Copies the WAL into the database file and empties it. A wiped body's old page versions
/// sit in the WAL until then; truncating it leaves no code of a delivered message in any file
/// (SPEC 6.5). A reader still using the WAL postpones it: the worker tries again on its next
/// pass.
pub async fn truncate_wal(writer: &Writer) -> Result<Truncation, sqlx::Error> {
    writer.truncate_wal().await
}

/// Runs until the process ends: delivers what is due, truncates the WAL after deliveries
/// once the outbox is empty or at least every `TRUNCATE_EVERY_SECS` under steady traffic (a
/// burst of sends costs one checkpoint, not one per message), then waits for a nudge or half
/// a second. A failed pass waits five seconds before the next.
pub async fn run_worker(
    writer: Writer,
    providers: Providers,
    nudge: Arc<Notify>,
    clock: clock::Clock,
    claim_secs: i64,
) {
    const TRUNCATE_EVERY_SECS: i64 = 5;
    // Only with one instance are all claims this process's own.
    if writer.backend() == Backend::Sqlite
        && let Err(e) = release_claims(&writer, clock.now()).await
    {
        tracing::error!(error = %e, "releasing the outbox claims failed");
    }
    let mut delivered_since_truncate: Option<Timestamp> = None;
    loop {
        let now = clock.now();
        let pass = deliver_due_claiming(&writer, &providers, now, 50, claim_secs).await;
        if let Ok(n) = pass
            && n > 0
        {
            delivered_since_truncate.get_or_insert(now);
        }
        let busy = matches!(pass, Ok(n) if n > 0);
        if let Some(first) = delivered_since_truncate
            && (!busy || first.secs_until(now) >= TRUNCATE_EVERY_SECS)
        {
            match truncate_wal(&writer).await {
                Ok(Truncation::Done) => delivered_since_truncate = None,
                Ok(Truncation::Postponed) => {}
                Err(e) => tracing::error!(error = %e, "truncating the WAL failed"),
            }
        }
        match pass {
            Ok(_) if busy => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "outbox delivery pass failed");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
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
