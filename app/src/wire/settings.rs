//! The settings page's TAN system (SPEC 5): its state and rules.

use serde::{Deserialize, Serialize};

use crate::domain::tan::TanSettings;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TanStatus {
    /// Active for every account with a verified phone (SPEC 5.1).
    pub active: bool,
    /// The phone, masked.
    pub phone: String,
    /// Locked after three wrong TANs until support unlocks it.
    pub locked: bool,
    /// A TAN session is open (per-session actions need no TAN).
    pub session_active: bool,
    pub tries_left: u32,
    pub settings: TanSettings,
    /// TANs may come by passkey: passkeys are offered here and the account has one.
    pub passkey_offered: bool,
}
