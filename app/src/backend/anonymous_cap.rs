//! The per-IP cap on anonymous requests (SPEC 1.2, issue 7): a request anyone may make
//! without an account (registration, forgotten password) counts against
//! `anonymous_requests_per_ip` per rolling hour, per network (an IPv4 address or an IPv6
//! /64), whether or not an account has the address.

use super::{AppState, sms_cap::network_of};
use crate::{backend::RequestCtx, domain::time::Timestamp, wire::AppError};

/// Counts a request anyone may make without an account (registration, forgotten password)
/// against the per-IP cap of the rolling hour, whether or not an account has the address.
pub async fn anonymous_request(state: &AppState, ctx: &RequestCtx, kind: &str) -> Result<(), AppError> {
    const WINDOW: i64 = 60 * 60;
    let ip = network_of(ctx.ip);
    let mut tx = state.writer.begin().await?;
    sqlx::query("DELETE FROM anonymous_requests WHERE ip = $1 AND at <= $2")
        .bind(&ip)
        .bind(ctx.now.minus_secs(WINDOW).0)
        .execute(&mut *tx)
        .await?;
    let (count, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), min(at) FROM anonymous_requests WHERE ip = $1")
            .bind(&ip)
            .fetch_one(&mut *tx)
            .await?;
    if count >= i64::from(state.config.policy.anonymous_requests_per_ip) {
        let retry_at = Timestamp(oldest.unwrap_or(ctx.now.0)).plus_secs(WINDOW);
        return Err(AppError::TooManyAttempts { retry_after_secs: ctx.now.secs_until(retry_at) });
    }
    sqlx::query("INSERT INTO anonymous_requests (ip, kind, at) VALUES ($1, $2, $3)")
        .bind(&ip)
        .bind(kind)
        .bind(ctx.now.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
