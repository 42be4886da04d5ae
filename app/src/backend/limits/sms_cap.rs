//! The per-network SMS cap, against SMS pumping: at most `sms_per_network` SMS (100 by
//! default) per rolling 24 h are triggered from one network, an IPv4 address or an IPv6 /64,
//! across every account. Every code and TAN SMS counts.
//!
//! Callers ask [`refusal`] before they send and [`count`] once they do, in the same
//! transaction, which holds the network's lock from the first read (`db::locks`). A login challenge that hits the cap opens on e-mail instead; setup, resend
//! and TANs are refused and audited.

use super::network::network_of;
use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{self, LockKey},
        request::RequestCtx,
        state::AppState,
        store,
        tools::timefmt,
    },
    domain::{
        quota::{self, QuotaDecision, Usage},
        time::Timestamp,
    },
    wire::AppError,
};

/// When the requester's network may trigger its next SMS, if it has used up its cap.
pub async fn free_at(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<Timestamp>, sqlx::Error> {
    let policy = &state.config.policy;
    let network = network_of(ctx.ip);
    tx.lock([LockKey::SmsNetwork(network.clone())]).await?;
    let start = quota::window_start(ctx.now, policy.quota_window_secs);
    // Only the window's sends count; older ones are the housekeeping's to delete, so this
    // never waits on rows a sweep holds.
    let (used, oldest) = store::sms_sends::of_network_since(tx, &network, start).await?;
    let usage = Usage { used: u32::try_from(used).unwrap_or(u32::MAX), oldest: oldest.map(Timestamp) };
    Ok(match quota::decide(usage, policy.sms_per_network, ctx.now, policy.quota_window_secs) {
        QuotaDecision::Exceeded { free_at } => Some(free_at),
        QuotaDecision::Allowed { .. } => None,
    })
}

/// The refusal to show when the requester's network has used up its SMS, audited in `conn`.
pub async fn refusal(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<AppError>, sqlx::Error> {
    let Some(free_at) = free_at(tx, state, ctx).await? else {
        return Ok(None);
    };
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::SmsCapped).await?;
    Ok(Some(AppError::SmsCapped { free_at: free_at.0, free_at_text: timefmt::minute(free_at, ctx.lang) }))
}

/// Counts one SMS against the requester's network. Every path that sends an SMS for a
/// request calls this after [`refusal`] let it through.
pub async fn count(tx: &mut db::WriteTx, ctx: &RequestCtx) -> Result<(), sqlx::Error> {
    let network = network_of(ctx.ip);
    tx.holds(&LockKey::SmsNetwork(network.clone()))?;
    store::sms_sends::record(tx, &network, ctx.now).await
}

/// Lets an SMS request go on, or commits only its audited refusal and returns it.
pub async fn admit(state: &AppState, ctx: &RequestCtx, mut tx: db::WriteTx) -> Result<db::WriteTx, AppError> {
    match refusal(&mut tx, state, ctx).await? {
        None => Ok(tx),
        Some(refusal) => {
            tx.commit().await?;
            Err(refusal)
        }
    }
}
