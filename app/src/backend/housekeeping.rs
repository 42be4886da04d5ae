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
//! | `login_ip_failures` (the password throttle's per-network count) | `login_ip_window_secs` (1 h) has passed |
//! | `registrations` (registrations in progress) | `registration_ttl_secs` after they began |
//! | `oidc_settled_requests`, `oidc_codes`, `oidc_tokens` | no request can use them (`oidc::grants::sweep`) |
//! | `passkey_ceremonies` (begun, never answered), `passkey_login_marks` | they expired (5 minutes) |

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
    store::login_failures::forget_ip_failures_until(&mut tx, now.minus_secs(policy.login_ip_window_secs)).await?;
    tx.commit().await?;
    let mut tx = writer.begin().await?;
    store::registrations::delete_created_until(&mut tx, now.minus_secs(policy.registration_ttl_secs)).await?;
    tx.commit().await?;
    let mut tx = writer.begin().await?;
    store::passkeys::delete_expired_ceremonies(&mut tx, now).await?;
    store::passkeys::delete_expired_login_marks(&mut tx, now).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        backend::db,
        domain::{
            mfa::{Method, Purpose},
            time::Timestamp,
        },
    };

    #[tokio::test]
    async fn a_sweep_deletes_the_counts_their_window_has_left_and_keeps_the_rest() {
        let (database, dir) = db::tests::temporary("housekeeping").await;
        let policy = Policy::default();
        let clock = Clock::manual();
        let now = clock.now();
        let network = "203.0.113.7";
        let mut tx = database.writer.begin().await.unwrap();
        tx.later(store::sms_sends::record(network, now.minus_secs(policy.quota_window_secs + 1)));
        tx.later(store::sms_sends::record(network, now.minus_secs(60)));
        let old_failure = now.minus_secs(policy.login_ip_window_secs + 1);
        store::login_failures::add_ip_failure(&mut tx, network, old_failure).await.unwrap();
        store::login_failures::add_ip_failure(&mut tx, network, now.minus_secs(60)).await.unwrap();
        tx.commit().await.unwrap();
        sweep(&database.writer, &clock, &policy).await.unwrap();
        let mut conn = database.pool.acquire().await.unwrap();
        let (ever, sms) = (Timestamp(0), Some(network));
        let left = store::code_sends::send_facts(&mut conn, 0, Purpose::Login, Method::Sms, ever, sms).await.unwrap();
        assert_eq!((left.network_used, left.network_oldest), (1, Some(now.0 - 60)), "the SMS of the last minute stays");
        let left = store::login_failures::throttle_facts(&mut conn, b"", "", network, ever).await.unwrap();
        assert_eq!((left.ip_failures, left.ip_oldest), (1, Some(now.0 - 60)), "the failure of the last minute stays");
        drop(conn);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
