//! The per-IP cap on anonymous requests (SPEC 1.2): a request anyone may make
//! without an account (registration, forgotten password) counts against
//! `anonymous_requests_per_ip` per rolling hour, per network (an IPv4 address or an IPv6
//! /64), whether or not an account has the address.

use super::network::network_of;
use crate::{
    backend::{db::LockKey, request::RequestCtx, state::AppState, store},
    domain::time::Timestamp,
    wire::AppError,
};

/// Counts a request anyone may make without an account (registration, forgotten password)
/// against the per-IP cap of the rolling hour, whether or not an account has the address.
pub async fn anonymous_request(state: &AppState, ctx: &RequestCtx, kind: &str) -> Result<(), AppError> {
    const WINDOW: i64 = 60 * 60;
    let ip = network_of(ctx.ip);
    let mut tx = state.writer.begin().await?;
    tx.lock([LockKey::Anonymous(ip.clone())]).await?;
    store::anonymous_requests::delete_until(&mut tx, &ip, ctx.now.minus_secs(WINDOW)).await?;
    let (count, oldest) = store::anonymous_requests::count_and_oldest(&mut tx, &ip).await?;
    if count >= i64::from(state.config.policy.anonymous_requests_per_ip) {
        let retry_at = Timestamp(oldest.unwrap_or(ctx.now.0)).plus_secs(WINDOW);
        return Err(AppError::TooManyAttempts { retry_after_secs: ctx.now.secs_until(retry_at) });
    }
    store::anonymous_requests::insert(&mut tx, &ip, kind, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}
