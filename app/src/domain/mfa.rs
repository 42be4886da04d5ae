//! Second factors and the one-time-code challenge (SPEC 2.2, 3).
//!
//! Rules:
//! - Factors (3.1): a code by SMS, a code by e-mail, an authenticator app's code (TOTP), a
//!   push approved on a paired device, and, when the phone is out of reach, a recovery code.
//!   `Factor` names the first four (what the login screen opens on next time); a `Method` is
//!   one of the two channels a one-time code is sent on.
//! - A code is 6 digits, valid `code_ttl_secs`, single use, stored only as a keyed hash and
//!   compared in constant time (3.3; the server does the hashing and comparing).
//! - A resend sends a new code; the codes already sent in the same challenge stay valid
//!   until they expire, so a late SMS still works (3.3).
//! - `code_max_failures` wrong entries end the challenge; a new one must be requested (3.3).
//! - Typed codes may contain spaces (pasted "123 456"); anything else but six digits is refused
//!   before any lookup (3.4).

use serde::{Deserialize, Serialize};

use super::{policy::Policy, time::Timestamp};

/// A channel a one-time code is sent on: the factors SMS and e-mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    Sms,
    Email,
}

impl Method {
    pub const ALL: [Method; 2] = [Method::Sms, Method::Email];

    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Sms => "sms",
            Method::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Method::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether a message on this channel is an SMS, which costs money: every one counts
    /// against the network's `Policy::sms_per_network`.
    pub const fn counts_against_sms_cap(self) -> bool {
        match self {
            Method::Sms => true,
            Method::Email => false,
        }
    }
}

/// A factor that passed a login, remembered per account (`users.last_mfa_method`): the next
/// challenge opens on it (SPEC 3.1). A recovery code is used once and never remembered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Factor {
    /// A code by SMS or e-mail.
    Code(Method),
    /// An authenticator app's code (TOTP, RFC 6238).
    Totp,
    /// A push approved on the paired device.
    Push,
    /// A passkey (WebAuthn) with user verification.
    Passkey,
}

impl Factor {
    pub const ALL: [Factor; 5] =
        [Factor::Code(Method::Sms), Factor::Code(Method::Email), Factor::Totp, Factor::Push, Factor::Passkey];

    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Factor::Code(m) => m.as_str(),
            Factor::Totp => "totp",
            Factor::Push => "push",
            Factor::Passkey => "passkey",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Factor::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl TryFrom<String> for Factor {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Factor::parse(&s).ok_or_else(|| format!("unknown factor {s:?}"))
    }
}

/// Why a challenge exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Proving a new mobile number (2.2).
    Setup,
    /// The second factor at login (3).
    Login,
}

impl Purpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::Setup => "setup",
            Purpose::Login => "login",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeInputError {
    /// Not six digits after removing spaces.
    Malformed,
}

/// `" 123 456 "` → `"123456"`; anything but six ASCII digits is refused.
pub fn normalise_code(input: &str) -> Result<String, CodeInputError> {
    let code: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) { Ok(code) } else { Err(CodeInputError::Malformed) }
}

/// Recovery codes per account, and their length (without the dash shown in the middle).
pub const RECOVERY_CODES: usize = 10;
pub const RECOVERY_CODE_LEN: usize = 10;

/// A typed recovery code: case, spaces and dashes do not matter; only the TAN alphabet's
/// characters of the right length pass.
pub fn normalise_recovery_code(input: &str) -> Option<String> {
    let code: String =
        input.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == RECOVERY_CODE_LEN && code.bytes().all(|b| crate::domain::tan::ALPHABET.contains(&b))).then_some(code)
}

/// A recovery code as shown: two groups of five.
pub fn display_recovery_code(code: &str) -> String {
    match code.split_at_checked(RECOVERY_CODE_LEN / 2) {
        Some((a, b)) => format!("{a}-{b}"),
        None => code.to_owned(),
    }
}

/// The state of a challenge, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChallengeState {
    /// Waiting for a code.
    Open { failures: u32 },
    /// A code was accepted; the challenge is over.
    Verified,
    /// Too many wrong codes; a new challenge must be requested.
    Exhausted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeEvent {
    /// A valid, unexpired, unused code of this challenge was entered.
    CodeAccepted,
    /// Anything else was entered.
    CodeRejected,
    /// A new code was requested (resend, switch, or a new challenge after exhaustion).
    Renewed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IllegalChallengeStep {
    pub from: ChallengeState,
    pub event: ChallengeEvent,
}

impl std::fmt::Display for IllegalChallengeStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} cannot follow {:?}", self.event, self.from)
    }
}

/// The one transition function of a challenge.
pub fn transition(
    from: ChallengeState,
    event: ChallengeEvent,
    policy: &Policy,
) -> Result<ChallengeState, IllegalChallengeStep> {
    use ChallengeEvent::*;
    use ChallengeState::*;
    match (from, event) {
        (Open { .. }, CodeAccepted) => Ok(Verified),
        (Open { failures }, CodeRejected) => {
            let failures = failures + 1;
            Ok(if failures >= policy.code_max_failures { Exhausted } else { Open { failures } })
        }
        // Renewing keeps the count of an open challenge (a resend is no free guess) and
        // starts afresh after exhaustion (a new challenge was requested and paid for).
        (Open { failures }, Renewed) => Ok(Open { failures }),
        (Exhausted, Renewed) => Ok(Open { failures: 0 }),
        (Verified, _) | (Exhausted, CodeAccepted | CodeRejected) => Err(IllegalChallengeStep { from, event }),
    }
}

/// Whether a code sent at `sent_at` may still be used at `now`.
pub fn code_is_fresh(sent_at: Timestamp, now: Timestamp, policy: &Policy) -> bool {
    now < sent_at.plus_secs(policy.code_ttl_secs)
}

/// Seconds until "Resend" is allowed again after a send at `last_sent_at`.
pub fn cooldown_left(last_sent_at: Timestamp, now: Timestamp, policy: &Policy) -> i64 {
    now.secs_until(last_sent_at.plus_secs(policy.resend_cooldown_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factor_is_stored_under_its_own_name() {
        for f in Factor::ALL {
            assert_eq!(Factor::parse(f.as_str()), Some(f));
        }
        assert_eq!(Factor::parse("sms"), Some(Factor::Code(Method::Sms)));
        assert_eq!(Factor::parse("recovery"), None);
    }

    #[test]
    fn a_recovery_code_is_read_however_it_is_typed() {
        assert_eq!(normalise_recovery_code("abcde-fghjk").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(normalise_recovery_code(" ABCDE FGHJK ").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(normalise_recovery_code("ABCDE-FGHJ"), None, "too short");
        assert_eq!(normalise_recovery_code("ABCDE-FGHJ0"), None, "0 is not in the alphabet");
        assert_eq!(normalise_recovery_code("123456"), None);
        assert_eq!(display_recovery_code("ABCDEFGHJK"), "ABCDE-FGHJK");
    }

    const T0: Timestamp = Timestamp(1_800_000_000);

    #[test]
    fn codes_accept_spaces_and_nothing_else() {
        assert_eq!(normalise_code(" 123 456 ").as_deref(), Ok("123456"));
        assert_eq!(normalise_code("123-456").as_deref(), Ok("123456"));
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６", "12 34 5"] {
            assert_eq!(normalise_code(bad), Err(CodeInputError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn five_wrong_codes_exhaust_the_challenge() {
        let p = Policy::default();
        let mut s = ChallengeState::Open { failures: 0 };
        for i in 1..5 {
            s = transition(s, ChallengeEvent::CodeRejected, &p).unwrap();
            assert_eq!(s, ChallengeState::Open { failures: i });
        }
        s = transition(s, ChallengeEvent::CodeRejected, &p).unwrap();
        assert_eq!(s, ChallengeState::Exhausted);
        assert!(transition(s, ChallengeEvent::CodeAccepted, &p).is_err(), "no code works once exhausted");
        assert!(transition(s, ChallengeEvent::CodeRejected, &p).is_err());
        assert_eq!(transition(s, ChallengeEvent::Renewed, &p), Ok(ChallengeState::Open { failures: 0 }));
    }

    #[test]
    fn a_resend_is_no_free_guess() {
        let p = Policy::default();
        assert_eq!(
            transition(ChallengeState::Open { failures: 3 }, ChallengeEvent::Renewed, &p),
            Ok(ChallengeState::Open { failures: 3 })
        );
    }

    #[test]
    fn a_verified_challenge_is_over() {
        let p = Policy::default();
        let s = transition(ChallengeState::Open { failures: 4 }, ChallengeEvent::CodeAccepted, &p).unwrap();
        assert_eq!(s, ChallengeState::Verified);
        for e in [ChallengeEvent::CodeAccepted, ChallengeEvent::CodeRejected, ChallengeEvent::Renewed] {
            assert!(transition(s, e, &p).is_err());
        }
    }

    #[test]
    fn expiry_and_cooldown() {
        let p = Policy::default();
        assert!(code_is_fresh(T0, T0.plus_secs(599), &p));
        assert!(!code_is_fresh(T0, T0.plus_secs(600), &p));
        assert_eq!(cooldown_left(T0, T0.plus_secs(10), &p), 20);
        assert_eq!(cooldown_left(T0, T0.plus_secs(31), &p), 0);
    }

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        assert_eq!(Method::parse("carrier-pigeon"), None);
    }
}
