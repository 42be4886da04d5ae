//! What the MFA pages show at setup and at the login challenge (SPEC 2.2–2.4, 3, 4).

use serde::{Deserialize, Serialize};

use crate::domain::mfa::Method;

/// The flow an MFA step belongs to (headings, step indicator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaFlow {
    Login,
    /// Step 3 of the self-registration.
    Registration,
    /// After the invited colleague set a password.
    Invitation,
    /// A new phone after a support phone-reset link.
    PhoneReset,
    /// The challenge of a forgotten-password link.
    PasswordReset,
}

/// What the MFA pages show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub flow: MfaFlow,
    /// Setting up MFA (true) or answering the login challenge (false).
    pub setup: bool,
    /// The channel of the current code; `None` while setup has no number yet.
    pub method: Option<Method>,
    /// Where the code went, masked.
    pub destination: Option<String>,
    /// The "Authenticate via X" links.
    pub other_methods: Vec<Method>,
    /// Seconds until "Resend" is allowed.
    pub cooldown_secs: i64,
    /// Codes left today on this channel, when fewer than the warning threshold.
    pub codes_left: Option<u32>,
    /// The daily quota `codes_left` is part of.
    pub codes_total: u32,
    /// Wrong entries left in this challenge.
    pub tries_left: u32,
    /// Too many wrong codes: a new code must be requested.
    pub exhausted: bool,
    /// The account has an authenticator app: its code is accepted here.
    pub totp: bool,
    /// The account has a passkey and Riegel is reached by a domain name: "Authenticate via
    /// passkey" is offered.
    pub passkey: bool,
    /// The challenge opened on passkeys (one passed the last login): nothing was sent, and the
    /// passkey is the page's main way on.
    pub opened_on_passkey: bool,
    /// A code was sent in this challenge (not so when it opened on the authenticator app).
    pub code_sent: bool,
    /// The account has a paired device: "Authenticate via push approval" is offered.
    pub push_available: bool,
    /// The newest push of this login.
    pub push: Option<crate::domain::push::PushView>,
    /// Pushes left today, when fewer than the warning threshold.
    pub pushes_left: Option<u32>,
}
