//! Single-use links sent by e-mail (SPEC 6.1–6.3).
//!
//! Rules:
//! - Three kinds: an invitation (valid 72 h), a forgotten-password link (1 h) and a
//!   phone-reset link sent by support (24 h); `Policy` holds the durations.
//! - A link's token has 256 random bits; only its keyed hash is stored, bound to its kind, so
//!   a token of one kind is worthless as another.
//! - A link works once: `Open` → `Used`. A newer link of the same kind for the same account
//!   makes the older one `Void`. After its expiry it is refused like a used one.
//! - A link belongs to one account: presented for another (a phone-reset link with another
//!   account's password), it is refused and stays open.

use super::{policy::Policy, time::Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Invitation,
    PasswordReset,
    PhoneReset,
}

impl LinkKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            LinkKind::Invitation => "invitation",
            LinkKind::PasswordReset => "password_reset",
            LinkKind::PhoneReset => "phone_reset",
        }
    }

    pub const fn ttl_secs(self, policy: &Policy) -> i64 {
        match self {
            LinkKind::Invitation => policy.invitation_ttl_secs,
            LinkKind::PasswordReset => policy.password_reset_ttl_secs,
            LinkKind::PhoneReset => policy.phone_reset_ttl_secs,
        }
    }

    /// The page a link of this kind opens.
    pub const fn path(self) -> &'static str {
        match self {
            LinkKind::Invitation => "/invitation",
            LinkKind::PasswordReset => "/password/reset",
            LinkKind::PhoneReset => "/phone/reset",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Open,
    Used,
    Void,
}

impl LinkState {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(LinkState::Open),
            "used" => Some(LinkState::Used),
            "void" => Some(LinkState::Void),
            _ => None,
        }
    }
}

/// Whether a stored link may be used now by this account.
pub fn usable(state: LinkState, expires_at: Timestamp, owner: i64, presenter: Option<i64>, now: Timestamp) -> bool {
    state == LinkState::Open && now < expires_at && presenter.is_none_or(|p| p == owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_800_000_000);

    #[test]
    fn durations() {
        let p = Policy::default();
        assert_eq!(LinkKind::Invitation.ttl_secs(&p), 72 * 3600);
        assert_eq!(LinkKind::PasswordReset.ttl_secs(&p), 3600);
        assert_eq!(LinkKind::PhoneReset.ttl_secs(&p), 24 * 3600);
    }

    #[test]
    fn once_in_time_and_for_its_own_account() {
        let exp = T0.plus_secs(3600);
        assert!(usable(LinkState::Open, exp, 7, Some(7), T0));
        assert!(usable(LinkState::Open, exp, 7, None, exp.minus_secs(1)));
        assert!(!usable(LinkState::Open, exp, 7, Some(7), exp), "expired at the second");
        assert!(!usable(LinkState::Used, exp, 7, Some(7), T0), "single use");
        assert!(!usable(LinkState::Void, exp, 7, Some(7), T0), "replaced by a newer link");
        assert!(!usable(LinkState::Open, exp, 7, Some(8), T0), "another account's link");
    }
}
