//! Accounts (SPEC 6.1, 6.5): invitations, the team page, and the security activity list.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub full_name: String,
    pub email: String,
    /// `None` for a support agent (portal staff).
    pub organisation: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberStatus {
    /// Invited; no password set yet.
    Invited,
    /// Password set; MFA not set up yet.
    SetupPending,
    Active,
    Disabled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub role: String,
    pub status: MemberStatus,
    /// The verified phone, masked.
    pub phone: Option<String>,
    /// The admin looking at the list.
    pub is_me: bool,
}

/// One line of a security activity list (the user's own page, the support console).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityItem {
    pub at: i64,
    /// `at` as text in Europe/Berlin, for the page without JavaScript.
    pub at_text: String,
    /// The event kind, e.g. `login.succeeded`.
    pub kind: String,
    pub ip: Option<String>,
    /// Who acted, when it was someone else (an admin or a support agent).
    pub by: Option<String>,
}
