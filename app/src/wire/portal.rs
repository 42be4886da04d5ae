//! The supplier portal (SPEC 7): the payout bank account and the invoices.

use serde::{Deserialize, Serialize};

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
