//! What the confirmation page of an application's transaction shows (OpenID Connect with
//! `authorization_details`, SPEC 11.3).

use serde::{Deserialize, Serialize};

/// A transaction an application waits for the user to confirm with a TAN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The application's registered name.
    pub application: String,
    /// The transaction, as the TAN SMS names it, in the user's language.
    pub description: String,
}
