//! The supplier portal (SPEC 7): the payout bank account and the invoices. Every protected
//! server function takes an optional `tan`: without it, the TAN system sends one
//! (`AppError::TanRequired`); with it, the same data are authorised and the action runs.

use leptos::prelude::*;

use crate::wire::{
    AppError,
    portal::{BankAccountView, InvoicePage},
};

#[server(name = GetBankAccount, prefix = "/api", endpoint = "bank")]
pub async fn bank_account() -> Result<Option<BankAccountView>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::portal::bank_account(&state, &ctx).await
}

#[server(prefix = "/api", endpoint = "bank/change")]
pub async fn change_bank_account(
    holder: String,
    iban: String,
    bic: String,
    tan: Option<String>,
) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = super::context::filled(tan);
    crate::backend::services::portal::change_bank_account(&state, &ctx, &holder, &iban, &bic, tan.as_deref()).await
}

#[server(name = GetInvoices, prefix = "/api", endpoint = "invoices")]
pub async fn invoices(page: u32) -> Result<InvoicePage, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::portal::invoices(&state, &ctx, page).await
}

#[server(prefix = "/api", endpoint = "invoices/submit")]
pub async fn submit_invoice(number: String, date: String, amount: String, tan: Option<String>) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = super::context::filled(tan);
    crate::backend::services::portal::submit_invoice(&state, &ctx, &number, &date, &amount, tan.as_deref()).await
}
