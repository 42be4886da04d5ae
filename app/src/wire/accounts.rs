//! Accounts (SPEC 2.1, 6.1, 6.3, 6.5): self-registration, invitations and the team page,
//! the forgotten password, and the user's own security activity.

use serde::{Deserialize, Serialize};

/// A registration in progress in this browser (step 2: the e-mail code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationStatus {
    /// The address the code went to, masked.
    pub to: String,
    pub cooldown_secs: i64,
    /// Codes this registration may still be sent.
    pub codes_left: u32,
    pub tries_left: u32,
}

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
