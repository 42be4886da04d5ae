//! Password-failure throttling (SPEC 1.2).
//!
//! Rules:
//! - Password failures never lock an account: an attacker who knows a victim's address must
//!   not be able to lock the victim out.
//! - Per account+IP (the account being the submitted address, whether or not it exists, so
//!   the throttle reveals nothing), the first `login_free_failures` failures cost nothing;
//!   after that each attempt must wait `login_base_delay_secs`, doubling with every further
//!   failure up to `login_max_delay_secs`. A successful login clears the pair.
//! - Per IP, at most `login_ip_failure_cap` failures in a rolling `login_ip_window_secs`;
//!   beyond that the IP's attempts are refused until the oldest failure leaves the window.
//! - An attempt is counted as a failure *before* the password is verified and un-counted on
//!   success, so parallel attempts are counted exactly (the server does this in one write
//!   transaction holding the attempt's locks).
//! - A refused attempt is answered without verifying the password: it costs the server nothing.

use super::{policy::Policy, time::Timestamp};

/// The failures recorded for one (submitted address, IP) pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PairFailures {
    pub failures: u32,
    pub last_failure_at: Option<Timestamp>,
}

/// The failures recorded for one IP within the rolling window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpFailures {
    pub in_window: u32,
    pub oldest_in_window: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptDecision {
    Allowed,
    Refused { retry_at: Timestamp },
}

/// The delay the next attempt of a pair must wait after its last failure.
pub fn pair_delay_secs(failures: u32, policy: &Policy) -> i64 {
    if failures < policy.login_free_failures {
        return 0;
    }
    let doublings = failures - policy.login_free_failures;
    let factor = 1i64.checked_shl(doublings.min(62)).unwrap_or(i64::MAX);
    policy.login_base_delay_secs.saturating_mul(factor).min(policy.login_max_delay_secs)
}

/// A pair with no failure for `login_failure_memory_secs` starts afresh.
pub fn forget_old(pair: PairFailures, now: Timestamp, policy: &Policy) -> PairFailures {
    match pair.last_failure_at {
        Some(last) if last.plus_secs(policy.login_failure_memory_secs) <= now => PairFailures::default(),
        _ => pair,
    }
}

/// Whether a password attempt may go ahead now.
pub fn decide(pair: PairFailures, ip: IpFailures, now: Timestamp, policy: &Policy) -> AttemptDecision {
    let mut retry_at: Option<Timestamp> = None;
    if ip.in_window >= policy.login_ip_failure_cap {
        let oldest = ip.oldest_in_window.unwrap_or(now);
        retry_at = Some(oldest.plus_secs(policy.login_ip_window_secs));
    }
    if let Some(last) = pair.last_failure_at {
        let allowed_at = last.plus_secs(pair_delay_secs(pair.failures, policy));
        if allowed_at > now {
            retry_at = Some(retry_at.map_or(allowed_at, |r| r.max(allowed_at)));
        }
    }
    match retry_at {
        Some(at) if at > now => AttemptDecision::Refused { retry_at: at },
        _ => AttemptDecision::Allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: Timestamp = Timestamp(1_800_000_000);

    fn pair(failures: u32, last: Timestamp) -> PairFailures {
        PairFailures { failures, last_failure_at: Some(last) }
    }

    #[test]
    fn five_failures_are_free_then_the_delay_doubles_up_to_the_cap() {
        let p = Policy::default();
        let delays: Vec<i64> = (0..8).map(|f| pair_delay_secs(f, &p)).collect();
        assert_eq!(delays, vec![0, 0, 0, 0, 0, 1, 2, 4]);
        assert_eq!(pair_delay_secs(40, &p), p.login_max_delay_secs);
        assert_eq!(pair_delay_secs(u32::MAX, &p), p.login_max_delay_secs);
    }

    #[test]
    fn the_sixth_attempt_right_after_five_failures_waits() {
        let p = Policy::default();
        let d = decide(pair(5, T0), IpFailures::default(), T0, &p);
        assert_eq!(d, AttemptDecision::Refused { retry_at: T0.plus_secs(1) });
        assert_eq!(decide(pair(5, T0), IpFailures::default(), T0.plus_secs(1), &p), AttemptDecision::Allowed);
    }

    #[test]
    fn the_ip_cap_refuses_until_the_oldest_failure_leaves_the_window() {
        let p = Policy::default();
        let ip = IpFailures { in_window: p.login_ip_failure_cap, oldest_in_window: Some(T0) };
        let now = T0.plus_secs(10);
        assert_eq!(
            decide(PairFailures::default(), ip, now, &p),
            AttemptDecision::Refused { retry_at: T0.plus_secs(p.login_ip_window_secs) }
        );
        let below = IpFailures { in_window: p.login_ip_failure_cap - 1, oldest_in_window: Some(T0) };
        assert_eq!(decide(PairFailures::default(), below, now, &p), AttemptDecision::Allowed);
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_day() {
        let p = Policy::default();
        assert_eq!(forget_old(pair(9, T0), T0.plus_secs(p.login_failure_memory_secs - 1), &p), pair(9, T0));
        assert_eq!(forget_old(pair(9, T0), T0.plus_secs(p.login_failure_memory_secs), &p), PairFailures::default());
    }

    proptest! {
        /// No number of failures ever refuses an attempt for longer than the maximum delay:
        /// failures slow down, they never lock.
        #[test]
        fn failures_never_lock(failures in 0u32..10_000, waited in 0i64..100_000) {
            let p = Policy::default();
            let now = T0.plus_secs(waited);
            match decide(pair(failures, T0), IpFailures::default(), now, &p) {
                AttemptDecision::Allowed => prop_assert!(waited >= pair_delay_secs(failures, &p)),
                AttemptDecision::Refused { retry_at } => {
                    prop_assert!(retry_at <= T0.plus_secs(p.login_max_delay_secs));
                    prop_assert!(retry_at > now);
                }
            }
        }

        /// The delay never shrinks as failures grow.
        #[test]
        fn delay_is_monotone(f in 0u32..1000) {
            let p = Policy::default();
            prop_assert!(pair_delay_secs(f, &p) <= pair_delay_secs(f + 1, &p));
        }
    }
}
