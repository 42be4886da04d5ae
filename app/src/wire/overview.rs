//! The start page: where the supplier stands.

use serde::{Deserialize, Serialize};

use super::portal::InvoiceRow;
use crate::domain::mfa::Factor;

/// A successful login as the start page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFact {
    /// Unix seconds (the page shows them in the user's time zone).
    pub at: i64,
    /// The time in the portal's zone, for the page before the browser shows its own.
    pub at_text: String,
    pub ip: Option<String>,
    /// The factor that passed it, or `None` (the password from the trusted IP, a recovery
    /// code, or a login from before methods were recorded).
    pub method: Option<Factor>,
}

/// The account's MFA methods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Methods {
    /// The verified phone, masked.
    pub phone: Option<String>,
    /// The e-mail address, masked.
    pub email: String,
    pub app: bool,
    /// The paired push device's name.
    pub push_device: Option<String>,
    pub recovery_codes_left: i64,
}

/// What the start page shows after login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub full_name: String,
    pub email: String,
    /// `admin`, `member` or `support`.
    pub role: String,
    pub organisation: Option<String>,
    /// The successful login before this one.
    pub previous_login: Option<LoginFact>,
    /// Wrong passwords for this account since the previous login (or ever, without one).
    pub failed_since: i64,
    pub methods: Methods,
    /// The TAN system: active (a verified phone), locked, and whether a TAN session is open.
    pub tan_active: bool,
    pub tan_locked: bool,
    pub tan_session_open: bool,
    /// The organisation's payout account: holder and IBAN, masked.
    pub payout: Option<(String, String)>,
    /// The organisation's newest invoices, newest first.
    pub invoices: Vec<InvoiceRow>,
    /// Recovery codes left when few are (a notice asks to make new ones).
    pub recovery_codes_low: bool,
}
