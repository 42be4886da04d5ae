//! Wrong second-factor entries per account (SPEC 4.6): every wrong entry at a login
//! challenge (a one-time code by SMS or e-mail, an app's code, a recovery code, a push the
//! device denied or answered with the wrong number) counts for the account, whichever
//! challenge, session, channel or instance it came through, and whether or not the challenge
//! sent anything. `wrong_entries_per_window` (20) are checked in the rolling quota window;
//! the entry past them is refused without being checked and locks the account for 24 h, as
//! the code quota does (4.1). A successful login (and a lifted lock) resets the count
//! (`limits::quota_window::reset`).
//!
//! The challenge's own 5 tries (3.3) still end one challenge; this bound is what a new
//! challenge, a new login or another IP cannot reset. Setup, registration and e-mail-change
//! codes have bounds of their own; a wrong TAN counts under 5.5, never here.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{LockKey, WriteTx},
        limits::account_lock,
        limits::quota_window::{self, Sends},
        request::RequestCtx,
        state::AppState,
        store,
    },
    domain::quota::{self, QuotaDecision, Usage},
    wire::AppError,
};

/// What an entry at a login challenge may do.
#[derive(Debug)]
pub enum Admission {
    /// Check it.
    Check,
    /// Refused unchecked: the account is now locked, and this is what the user is told. The
    /// caller commits the lock.
    Locked(AppError),
}

/// Decides whether the account's next entry is checked; past the bound it locks the account,
/// in the caller's transaction.
/// `used` is the account's count as read under its lock (`factor::step` reads it with the
/// step).
pub async fn admit(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    used: Usage,
) -> Result<Admission, AppError> {
    tx.holds(&LockKey::Account(user_id))?;
    let policy = &state.config.policy;
    let limit = quota_window::limit(policy, Sends::WrongEntries);
    match quota::decide(used, limit, ctx.now, policy.quota_window_secs) {
        QuotaDecision::Allowed { .. } => Ok(Admission::Check),
        QuotaDecision::Exceeded { .. } => {
            audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::WrongEntriesExceeded { user_id }).await?;
            Ok(Admission::Locked(account_lock::lock(tx, state, ctx, user_id).await?))
        }
    }
}

/// Counts one wrong entry of the account, in the caller's transaction.
pub fn record(tx: &mut WriteTx, ctx: &RequestCtx, user_id: i64) -> Result<(), sqlx::Error> {
    tx.holds(&LockKey::Account(user_id))?;
    tx.later(store::wrong_entries::record(user_id, ctx.now));
    Ok(())
}
