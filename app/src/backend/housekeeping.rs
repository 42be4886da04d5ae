//! Housekeeping: deleting rows every key's window has left, outside any use case.
//!
//! A use case locks only the keys it decides on (`db::locks`), so it never deletes rows of
//! other keys: a delete that ran across every network inside a login would wait for any
//! instance holding one of those rows, and a stalled instance would hold up logins of
//! accounts it never touched. Those deletes run here instead, every [`EVERY_SECS`], each in a
//! transaction of its own. Use cases count only the rows of their window, so they never wait
//! on rows a sweep deletes; a wait here holds up nothing but the next sweep.
//!
//! | rows | deleted once |
//! |---|---|
//! | `sms_sends` (the per-network SMS cap) | the quota window (24 h) has passed |
//! | `registrations` (registrations in progress) | `registration_ttl_secs` after they began |
//! | `oidc_settled_requests`, `oidc_codes`, `oidc_tokens` | no request can use them (`oidc::grants::sweep`) |

use std::time::Duration;

use super::{db::Writer, oidc, store, tools::clock::Clock};
use crate::domain::{policy::Policy, quota};

/// How often the sweep runs.
pub const EVERY_SECS: u64 = 600;

/// One sweep at `clock`'s time.
pub async fn sweep(writer: &Writer, clock: &Clock, policy: &Policy) -> Result<(), sqlx::Error> {
    let now = clock.now();
    let mut tx = writer.begin().await?;
    store::sms_sends::forget_before(&mut tx, quota::window_start(now, policy.quota_window_secs)).await?;
    tx.commit().await?;
    let mut tx = writer.begin().await?;
    store::registrations::delete_created_until(&mut tx, now.minus_secs(policy.registration_ttl_secs)).await?;
    tx.commit().await?;
    let mut tx = writer.begin().await?;
    oidc::grants::sweep(&mut tx, now).await?;
    tx.commit().await
}

/// Runs until the process ends: a sweep every [`EVERY_SECS`].
pub async fn run(writer: Writer, clock: Clock, policy: Policy) {
    loop {
        if let Err(e) = sweep(&writer, &clock, &policy).await {
            tracing::warn!(error = %e, "housekeeping sweep failed; the next one tries again");
        }
        tokio::time::sleep(Duration::from_secs(EVERY_SECS)).await;
    }
}
