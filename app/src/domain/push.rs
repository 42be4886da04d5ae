//! Push approval with number matching (SPEC 3.5): the login screen shows a two-digit number,
//! the paired device offers three, and only the right pick, signed by the device's key,
//! approves. Pure rules here; storage and signatures in `backend::services::push`.

use serde::{Deserialize, Serialize};

/// How long a push request can be answered.
pub const TTL_SECS: i64 = 120;

/// Where a push request stands, as the login screen and the device see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PushState {
    Pending,
    Approved,
    Denied,
    Expired,
}

impl PushState {
    /// The stored state and the clock: a pending request past its expiry is expired.
    pub fn of(stored: &str, expires_at: i64, now: i64) -> Self {
        match stored {
            "approved" | "used" => PushState::Approved,
            "denied" => PushState::Denied,
            _ if now >= expires_at => PushState::Expired,
            _ => PushState::Pending,
        }
    }
}

/// The push request of a login in progress, as the login screen shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushView {
    /// The number to pick on the device.
    pub number: u8,
    pub state: PushState,
    /// Seconds until it expires (0 once answered or expired).
    pub expires_in_secs: i64,
}

/// The number to show and the three the device offers (the number among two others, all
/// different, in random order). `below(n)` draws uniformly from `0..n`.
pub fn choices(mut below: impl FnMut(u8) -> u8) -> (u8, [u8; 3]) {
    let mut offered: Vec<u8> = Vec::with_capacity(3);
    while offered.len() < 3 {
        let n = 10 + below(90);
        if !offered.contains(&n) {
            offered.push(n);
        }
    }
    let number = offered[usize::from(below(3))];
    (number, [offered[0], offered[1], offered[2]])
}

/// The device's answer to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Pick(u8),
    Deny,
}

impl Answer {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "deny" => Some(Answer::Deny),
            n => n.parse::<u8>().ok().filter(|n| (10..=99).contains(n)).map(Answer::Pick),
        }
    }

    pub fn as_string(self) -> String {
        match self {
            Answer::Pick(n) => n.to_string(),
            Answer::Deny => "deny".into(),
        }
    }
}

/// What an answer does to a request showing `number`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Denied { wrong_number: bool },
}

pub fn decide(number: u8, answer: Answer) -> Outcome {
    match answer {
        Answer::Pick(n) if n == number => Outcome::Approved,
        Answer::Pick(_) => Outcome::Denied { wrong_number: true },
        Answer::Deny => Outcome::Denied { wrong_number: false },
    }
}

/// The exact bytes the device signs: the request, its nonce and the answer, so a signature
/// fits one answer to one request only.
pub fn signed_message(request_id: i64, nonce: &str, answer: Answer) -> String {
    format!("riegel-push-v1\n{request_id}\n{nonce}\n{}", answer.as_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn three_different_two_digit_choices_one_of_them_the_number(seed in any::<u64>()) {
            let mut x = seed;
            let (number, offered) = choices(|n| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((x >> 33) % u64::from(n)) as u8
            });
            prop_assert!(offered.contains(&number));
            prop_assert!(offered.iter().all(|n| (10..=99).contains(n)));
            prop_assert!(offered[0] != offered[1] && offered[1] != offered[2] && offered[0] != offered[2]);
        }
    }

    #[test]
    fn only_the_right_number_approves() {
        assert_eq!(decide(42, Answer::Pick(42)), Outcome::Approved);
        assert_eq!(decide(42, Answer::Pick(17)), Outcome::Denied { wrong_number: true });
        assert_eq!(decide(42, Answer::Deny), Outcome::Denied { wrong_number: false });
        assert_eq!(Answer::parse("7"), None);
        assert_eq!(Answer::parse("100"), None);
        assert_eq!(Answer::parse("deny"), Some(Answer::Deny));
    }

    #[test]
    fn a_pending_request_expires_after_its_time() {
        assert_eq!(PushState::of("pending", 100, 99), PushState::Pending);
        assert_eq!(PushState::of("pending", 100, 100), PushState::Expired);
        assert_eq!(PushState::of("approved", 100, 500), PushState::Approved);
        assert_eq!(PushState::of("denied", 100, 50), PushState::Denied);
    }
}
