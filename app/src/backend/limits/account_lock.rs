//! The 24-hour lock (SPEC 4.1, 4.4): the code request one past a login quota locks the
//! account for `lock_secs` (24 h) and ends every login in progress, in any browser, so a
//! challenge opened before the lock cannot let its code in. After a correct password the
//! page says until when, to the minute, and how to reach support. A support agent can lift
//! it early; the lift also resets the daily limits.

use crate::backend::db::WriteTx;
use sqlx::AnyConnection;

use crate::{
    backend::{
        audit::{self, AuditEvent},
        request::RequestCtx,
        state::AppState,
        store,
        tools::timefmt,
    },
    domain::{login::LoginState, time::Timestamp},
    wire::AppError,
};

/// Locks the account and ends its logins in progress; returns what the user is told.
pub async fn lock(tx: &mut WriteTx, state: &AppState, ctx: &RequestCtx, user_id: i64) -> Result<AppError, AppError> {
    let until = ctx.now.plus_secs(state.config.policy.lock_secs);
    store::users::set_locked_until(tx, user_id, until).await?;
    store::sessions::delete_for_user_except_stage(tx, user_id, LoginState::Authenticated).await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::AccountLocked { user_id, until }).await?;
    Ok(locked_error(state, ctx, until))
}

/// The lock as the user meets it: until when (in their language) and whom to ask.
pub fn locked_error(state: &AppState, ctx: &RequestCtx, until: Timestamp) -> AppError {
    AppError::AccountLocked {
        until: until.0,
        until_text: timefmt::minute(until, ctx.lang),
        support: state.config.support_contact.clone(),
    }
}

/// The lock in force at `now`, if any.
pub fn in_force(locked_until: Option<i64>, now: Timestamp) -> Option<Timestamp> {
    locked_until.map(Timestamp).filter(|u| *u > now)
}

/// Lifts a lock in force (a support agent's action); the daily limits start again. Whether
/// there was one to lift.
pub async fn lift(tx: &mut AnyConnection, user_id: i64, now: Timestamp) -> Result<bool, sqlx::Error> {
    let lifted = store::users::clear_lock_in_force(tx, user_id, now).await?;
    if lifted > 0 {
        super::quota_window::reset(tx, user_id, now).await?;
    }
    Ok(lifted > 0)
}
