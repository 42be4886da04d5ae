//! The supplier portal (SPEC 7) and the TAN settings (SPEC 5). Every protected server function
//! takes an optional `tan`: without it, the TAN system sends one (`AppError::TanRequired`);
//! with it, the same data are authorised and the action runs.

pub use crate::wire::portal::*;
use leptos::prelude::*;

use super::AppError;

#[cfg(feature = "ssr")]
fn tan_of(tan: Option<String>) -> Option<String> {
    tan.filter(|t| !t.trim().is_empty())
}

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
    let tan = tan_of(tan);
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
    let tan = tan_of(tan);
    crate::backend::services::portal::submit_invoice(&state, &ctx, &number, &date, &amount, tan.as_deref()).await
}

#[server(name = GetTanStatus, prefix = "/api", endpoint = "tan/status")]
pub async fn tan_status() -> Result<TanStatus, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::settings::tan_status(&state, &ctx).await
}

#[server(prefix = "/api", endpoint = "tan/settings")]
pub async fn change_tan_settings(
    password: String,
    email: String,
    invoice: String,
    admin: String,
    threshold: String,
    tan: Option<String>,
) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = tan_of(tan);
    let modes = [password.as_str(), email.as_str(), invoice.as_str(), admin.as_str()];
    crate::backend::services::settings::change_tan_settings(&state, &ctx, modes, &threshold, tan.as_deref()).await
}

#[server(prefix = "/api", endpoint = "tan/end")]
pub async fn end_tan_session() -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::settings::end_tan_session(&state, &ctx).await
}

#[server(prefix = "/api", endpoint = "password")]
pub async fn change_password(current: String, new: String, tan: Option<String>) -> Result<(), AppError> {
    use crate::backend::tools::crypto::Secret;
    let (state, ctx) = super::context::request()?;
    let tan = tan_of(tan);
    crate::backend::services::settings::change_password(
        &state,
        &ctx,
        Secret::new(current),
        Secret::new(new),
        tan.as_deref(),
    )
    .await
}

/// An e-mail change: first the new address (a code goes there), then the code, then the TAN.
#[server(prefix = "/api", endpoint = "email")]
pub async fn change_email(email: String, code: Option<String>, tan: Option<String>) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let (code, tan) = (tan_of(code), tan_of(tan));
    crate::backend::services::settings::change_email(&state, &ctx, &email, code.as_deref(), tan.as_deref()).await
}
