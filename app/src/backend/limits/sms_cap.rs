//! The per-network SMS cap, against SMS pumping: at most `sms_per_network` SMS (100 by
//! default) per rolling 24 h are triggered from one network, an IPv4 address or an IPv6 /64,
//! across every account. Every code and TAN SMS counts.
//!
//! Callers read the network's SMS in the window with the rest of their send's facts, in one
//! statement under the network's lock (`db::locks`), decide with [`free_at`] or
//! [`refusal_of`] before they send, and [`count`] once they do, in the same transaction. A
//! login challenge that hits the cap opens on e-mail instead; setup, resend and TANs are
//! refused and audited.

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

/// When the network may trigger its next SMS, if `usage` (read under its lock) used up its
/// cap.
pub fn free_at(state: &AppState, ctx: &RequestCtx, usage: Usage) -> Option<Timestamp> {
    let policy = &state.config.policy;
    match quota::decide(usage, policy.sms_per_network, ctx.now, policy.quota_window_secs) {
        QuotaDecision::Exceeded { free_at } => Some(free_at),
        QuotaDecision::Allowed { .. } => None,
    }
}

/// The refusal to show when the requester's network has used up its SMS, audited in `tx`;
/// `usage` as the use case read it (with the rest of its send's facts: `factor::code::facts`,
/// `store::tans::issue_facts`), under the network's lock.
pub async fn refusal_of(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    usage: Usage,
) -> Result<Option<AppError>, sqlx::Error> {
    tx.holds(&LockKey::SmsNetwork(network_of(ctx.ip)))?;
    let Some(free_at) = free_at(state, ctx, usage) else {
        return Ok(None);
    };
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::SmsCapped).await?;
    Ok(Some(AppError::SmsCapped { free_at: free_at.0, free_at_text: timefmt::minute(free_at, ctx.lang) }))
}

/// Counts one SMS against the requester's network, with the commit. Every path that sends
/// an SMS for a request calls this after [`refusal_of`] let it through.
pub fn count(tx: &mut db::WriteTx, ctx: &RequestCtx) -> Result<(), sqlx::Error> {
    let network = network_of(ctx.ip);
    tx.holds(&LockKey::SmsNetwork(network.clone()))?;
    tx.later(store::sms_sends::record(&network, ctx.now));
    Ok(())
}
