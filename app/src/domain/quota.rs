//! Daily quotas over a rolling window (SPEC 2.3, 4.1–4.3).
//!
//! Rules:
//! - A quota counts the sends of the last `quota_window_secs` (rolling 24 h) that happened
//!   after the account's last successful login (4.2: every successful login resets the daily
//!   limits).
//! - A send is allowed while fewer than `limit` were counted; the request that would exceed
//!   the limit is refused.
//! - What a refusal means is the caller's rule: at login it locks the account for
//!   `lock_secs` (4.1); at setup it only says when a send is possible again (2.3).
//! - The server counts and decides in one write transaction holding the account's lock, so concurrent
//!   requests can never send more than the limit.

use super::time::Timestamp;

/// The sends counted in the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub used: u32,
    /// The oldest counted send: when it leaves the window, one send is free again.
    pub oldest: Option<Timestamp>,
}

impl Usage {
    /// A count and its oldest time as the database gives them (seconds).
    pub fn counted(used: i64, oldest: Option<i64>) -> Usage {
        Usage { used: u32::try_from(used).unwrap_or(u32::MAX), oldest: oldest.map(Timestamp) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaDecision {
    /// Send; `remaining` sends are left after this one.
    Allowed { remaining: u32 },
    /// Refused; one send is possible again at `free_at` (unless something resets the quota).
    Exceeded { free_at: Timestamp },
}

/// The first second a rolling window counts: a send counts while `at >= window_start(..)`,
/// so it leaves the window exactly `window_secs` after it was made (and `decide`'s `free_at`,
/// oldest + window, is the first second it no longer counts).
///
/// A reset (4.2) is not a time: the server marks it by the newest send at that moment, and
/// counts only the sends after the mark, so a send in the same second as the reset counts
/// exactly when it came after it.
pub fn window_start(now: Timestamp, window_secs: i64) -> Timestamp {
    now.minus_secs(window_secs - 1)
}

pub fn decide(usage: Usage, limit: u32, now: Timestamp, window_secs: i64) -> QuotaDecision {
    if usage.used < limit {
        QuotaDecision::Allowed { remaining: limit - usage.used - 1 }
    } else {
        let oldest = usage.oldest.unwrap_or(now);
        QuotaDecision::Exceeded { free_at: oldest.plus_secs(window_secs) }
    }
}

/// How many sends are left, for the screen (4.3): `Some(n)` only when fewer than `warn_below`.
pub fn remaining_to_show(usage: Usage, limit: u32, warn_below: u32) -> Option<u32> {
    let left = limit.saturating_sub(usage.used);
    (left < warn_below).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: Timestamp = Timestamp(1_800_000_000);
    const DAY: i64 = 86_400;

    /// Replays a sequence of send requests the way the server does: count, decide, record.
    /// `resets` are positions in the sequence: a reset after request `k` (0-based) frees
    /// every send made up to it, whatever its second.
    fn replay(requests: &[i64], limit: u32, resets: &[usize]) -> Vec<(i64, QuotaDecision)> {
        let mut sent: Vec<(usize, i64)> = Vec::new();
        let mut out = Vec::new();
        for (k, &at) in requests.iter().enumerate() {
            let now = T0.plus_secs(at);
            let mark = resets.iter().copied().filter(|r| *r < k).max();
            let start = window_start(now, DAY);
            let counted: Vec<i64> = sent
                .iter()
                .filter(|(i, s)| mark.is_none_or(|m| *i > m) && T0.plus_secs(*s) >= start)
                .map(|(_, s)| *s)
                .collect();
            let usage = Usage { used: counted.len() as u32, oldest: counted.first().map(|s| T0.plus_secs(*s)) };
            let d = decide(usage, limit, now, DAY);
            if matches!(d, QuotaDecision::Allowed { .. }) {
                sent.push((k, at));
            }
            out.push((at, d));
        }
        out
    }

    #[test]
    fn the_twenty_first_request_is_refused_with_the_time_one_is_free() {
        let requests: Vec<i64> = (0..21).map(|i| i * 60).collect();
        let out = replay(&requests, 20, &[]);
        assert_eq!(out[19].1, QuotaDecision::Allowed { remaining: 0 });
        assert_eq!(out[20].1, QuotaDecision::Exceeded { free_at: T0.plus_secs(DAY) });
    }

    #[test]
    fn a_reset_frees_the_quota() {
        let requests: Vec<i64> = (0..22).map(|i| i * 60).collect();
        let out = replay(&requests, 20, &[20]);
        assert!(matches!(out[20].1, QuotaDecision::Exceeded { .. }));
        assert_eq!(out[21].1, QuotaDecision::Allowed { remaining: 19 });
    }

    #[test]
    fn a_send_leaves_the_window_exactly_a_day_after_it_was_made() {
        let start = window_start(T0.plus_secs(DAY), DAY);
        assert!(T0 < start, "the send of T0 no longer counts at T0 + 24 h");
        assert!(T0.plus_secs(1) >= start, "the send of T0 + 1 s still counts");
        let requests: Vec<i64> = (0..20).map(|_| 0).chain([DAY - 1, DAY]).collect();
        let out = replay(&requests, 20, &[]);
        assert_eq!(out[20].1, QuotaDecision::Exceeded { free_at: T0.plus_secs(DAY) });
        assert_eq!(out[21].1, QuotaDecision::Allowed { remaining: 19 }, "all 20 are free at exactly T0 + 24 h");
    }

    #[test]
    fn a_reset_counts_the_sends_after_it_in_its_own_second() {
        // 19 sends, a reset, then 25 requests, all in the same second.
        let requests: Vec<i64> = vec![100; 19 + 25];
        let out = replay(&requests, 20, &[18]);
        let allowed_after = out[19..].iter().filter(|(_, d)| matches!(d, QuotaDecision::Allowed { .. })).count();
        assert_eq!(allowed_after, 20, "the sends before the reset are free, the ones after it count");
    }

    #[test]
    fn the_warning_shows_below_five() {
        assert_eq!(remaining_to_show(Usage { used: 15, oldest: None }, 20, 5), None);
        assert_eq!(remaining_to_show(Usage { used: 17, oldest: None }, 20, 5), Some(3));
        assert_eq!(remaining_to_show(Usage { used: 25, oldest: None }, 20, 5), Some(0));
    }

    proptest! {
        /// Never more than the limit sent in any rolling window, whatever the request pattern.
        #[test]
        fn never_more_than_the_limit_in_any_window(mut gaps in proptest::collection::vec(0i64..7200, 1..200), limit in 1u32..25) {
            let mut at = 0;
            let requests: Vec<i64> = gaps.drain(..).map(|g| { at += g; at }).collect();
            let out = replay(&requests, limit, &[]);
            let sent: Vec<i64> = out.iter().filter(|(_, d)| matches!(d, QuotaDecision::Allowed { .. })).map(|(t, _)| *t).collect();
            for (i, &s) in sent.iter().enumerate() {
                let in_window = sent[i..].iter().take_while(|&&t| t < s + DAY).count();
                prop_assert!(in_window as u32 <= limit);
            }
        }

        /// Refusal happens exactly at the excess: with fewer than `limit` sends counted, a
        /// request is always allowed.
        #[test]
        fn refusal_exactly_at_the_excess(used in 0u32..40, limit in 1u32..25) {
            let d = decide(Usage { used, oldest: Some(T0) }, limit, T0.plus_secs(10), DAY);
            prop_assert_eq!(matches!(d, QuotaDecision::Exceeded { .. }), used >= limit);
        }
    }
}
