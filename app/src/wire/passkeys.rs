//! Passkeys (SPEC 14): the settings' list, and a ceremony's options for the browser.

use serde::{Deserialize, Serialize};

/// One of the account's passkeys as the settings page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    pub created_at_text: String,
    /// `None` for a key never used to log in.
    pub last_used_at_text: Option<String>,
}

/// A ceremony's options as the browser's credentials API takes them (`publicKey` inside), as
/// JSON: the relying-party library's `CreationChallengeResponse` or
/// `RequestChallengeResponse`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyOptions {
    pub options: String,
}

/// A login with a passkey alone (no password): the options, and the ceremony's state sealed
/// by the server, which the page sends back with the answer. Each ceremony carries its own
/// state, so the autofill's and the button's never mix.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginCeremony {
    pub options: String,
    pub ceremony: String,
}
