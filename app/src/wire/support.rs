//! The support console (SPEC 6.4): find an account, see its security state, act with a
//! reason. Only accounts with the role `support` reach any of these.

use serde::{Deserialize, Serialize};

use super::accounts::ActivityItem;
use crate::domain::mfa::Method;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountHit {
    pub id: i64,
    pub full_name: String,
    pub email: String,
    pub organisation: Option<String>,
    pub role: String,
}

/// One quota's use in its rolling window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaUse {
    /// `login_sms`, `login_email`, `setup_sms`, `tan_sms`, `wrong_entries`.
    pub name: String,
    pub used: u32,
    pub limit: u32,
}

/// One message to the account's address or phone and how its delivery went (SPEC 8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageState {
    pub channel: Method,
    /// When it was written: (unix time, text).
    pub created: (i64, String),
    pub attempts: i64,
    /// Delivered at: (unix time, text).
    pub sent: Option<(i64, String)>,
    /// The last failure (the provider's status and code, never the message).
    pub last_error: Option<String>,
    /// The next attempt, while it waits: (unix time, text).
    pub next_attempt: Option<(i64, String)>,
    /// Given up (refused for good, or a day old): (unix time, text).
    pub gave_up: Option<(i64, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub id: i64,
    /// The agent's own account: another agent (or an operator) must act on it (SPEC 6.4).
    pub own_account: bool,
    pub full_name: String,
    pub email: String,
    pub organisation: Option<String>,
    pub role: String,
    pub disabled: bool,
    /// Verified phone, masked; `None` while MFA is not set up.
    pub phone: Option<String>,
    pub last_method: String,
    pub trusted_ip: Option<String>,
    /// The 24-hour lock, while it holds: (unix time, text).
    pub locked_until: Option<(i64, String)>,
    pub tan_locked: bool,
    /// The IP of the wrong TAN that locked the TAN system.
    pub tan_locked_ip: Option<String>,
    pub quotas: Vec<QuotaUse>,
    /// An unused phone-reset link is out.
    pub phone_reset_open: bool,
    /// The newest messages to the account, with their delivery state.
    pub messages: Vec<MessageState>,
    pub events: Vec<ActivityItem>,
}
