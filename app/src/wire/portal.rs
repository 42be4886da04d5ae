//! The supplier portal (SPEC 7) and the TAN settings (SPEC 5). Every protected server function
//! takes an optional `tan`: without it, the TAN system sends one (`AppError::TanRequired`);
//! with it, the same data are authorised and the action runs.

use serde::{Deserialize, Serialize};

use crate::domain::tan::TanSettings;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccountView {
    pub holder: String,
    /// Grouped in fours, as printed.
    pub iban: String,
    pub bic: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRow {
    pub number: String,
    /// ISO date.
    pub date: String,
    pub amount_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePage {
    pub items: Vec<InvoiceRow>,
    pub page: u32,
    pub has_more: bool,
    /// What the user submitted today (Europe/Berlin).
    pub today_total_cents: i64,
    pub threshold_cents: i64,
}

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
}
