//! Self-registration (SPEC 2.1): the step of the e-mail code.

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
