//! Who an account is (SPEC "People"): a supplier organisation's `admin` or `member`, or a
//! portal `support` agent (no organisation). Stored under these names in `users.role`.
//!
//! Rules: only an admin manages colleagues' accounts (6.1); only a support agent opens the
//! support console (6.4); the portal area needs an organisation, so agents have none of it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// An organisation admin: creates and disables colleagues' accounts.
    Admin,
    /// A supplier user of an organisation.
    Member,
    /// A support agent of the account security team.
    Support,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Member, Role::Support];

    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Support => "support",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Role::parse(&s).ok_or_else(|| format!("unknown role {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_stored_under_its_own_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("agent"), None);
    }
}
