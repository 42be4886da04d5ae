//! Enrolling an authenticator app (SPEC 3.1).

use serde::{Deserialize, Serialize};

/// What enrolling an authenticator app shows: the secret (base32, to type in), the
/// `otpauth://` URL and its QR code as SVG.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    pub secret: String,
    pub url: String,
    pub qr_svg: String,
}
