//! The supplier portal behind the login (SPEC 7): the organisation's payout bank account and
//! its invoices. A bank account change needs a TAN every time (5.3), an invoice one once the
//! day's submitted total exceeds the user's threshold; the TAN system authorises exactly the
//! data, and the change is written with its audit event in the same write
//! transaction.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        input::iban,
        login::access,
        messages,
        messages::tan::Authorises,
        request::RequestCtx,
        state::AppState,
        store::{self, Conn},
        tan,
        tools::timefmt,
    },
    domain::{
        mask, money, payee,
        tan::{self as tan_rules, Action},
    },
    wire::{
        AppError, InputError,
        portal::{BankAccountView, InvoicePage, InvoiceRow},
    },
};

/// Invoices per page of the list.
pub const PAGE_SIZE: i64 = 20;

pub async fn bank_account(state: &AppState, ctx: &RequestCtx) -> Result<Option<BankAccountView>, AppError> {
    let (mut conn, _, user) = access::member_reading(state, ctx).await?;
    let org = user.organisation_id()?;
    let row = store::bank_accounts::account(&mut conn, org).await?;
    Ok(row.map(|r| BankAccountView { holder: r.holder, iban: iban::grouped(&r.iban), bic: r.bic }))
}

pub async fn change_bank_account(
    state: &AppState,
    ctx: &RequestCtx,
    holder: &str,
    raw_iban: &str,
    raw_bic: &str,
    tan: Option<&str>,
) -> Result<(), AppError> {
    let holder = payee::visible_text(holder).ok_or(AppError::Input(InputError::HolderMissing))?;
    let electronic = iban::electronic(raw_iban).ok_or(AppError::Input(InputError::IbanInvalid))?;
    let bic = iban::bic(raw_bic).map_err(AppError::Input)?;

    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let org = user.organisation_id()?;
    let canonical = format!("{holder}\n{electronic}\n{}", bic.as_deref().unwrap_or(""));
    let masked = mask::iban(&electronic);
    let description = messages::tan::describe(ctx.lang, Authorises::BankAccount { masked: &masked });
    let protected = tan::Protected { action: Action::ChangeBankAccount, canonical: &canonical, description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    store::bank_accounts::upsert(&mut tx, org, &holder, &electronic, bic.as_deref(), ctx.now, user.id).await?;
    Ok(audit::record_and_commit(tx, ctx, AuditEvent::BankAccountChanged { user_id: user.id, iban_masked: masked })
        .await?)
}

pub async fn invoices(state: &AppState, ctx: &RequestCtx, page: u32) -> Result<InvoicePage, AppError> {
    let (mut conn, _, user) = access::member_reading(state, ctx).await?;
    let org = user.organisation_id()?;
    let rows = store::invoices::page(&mut conn, org, PAGE_SIZE + 1, i64::from(page) * PAGE_SIZE).await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let today = today_total(&mut conn, user.id, ctx).await?;
    Ok(InvoicePage {
        items: rows
            .into_iter()
            .take(PAGE_SIZE as usize)
            .map(|r| InvoiceRow { number: r.number, date: r.invoice_date, amount_cents: r.amount_cents })
            .collect(),
        page,
        has_more,
        today_total_cents: today,
        threshold_cents: user.invoice_threshold_cents,
    })
}

/// What this user submitted today (calendar day in Europe/Berlin).
async fn today_total(conn: &mut Conn, user_id: i64, ctx: &RequestCtx) -> Result<i64, sqlx::Error> {
    store::invoices::submitted_total_since(conn, user_id, timefmt::day_start(ctx.now)).await
}

fn valid_invoice_number(n: &str) -> bool {
    (1..=40).contains(&n.chars().count())
        && n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.' | '_' | ' '))
}

pub async fn submit_invoice(
    state: &AppState,
    ctx: &RequestCtx,
    number: &str,
    date: &str,
    amount: &str,
    tan: Option<&str>,
) -> Result<(), AppError> {
    let number = number.trim();
    if !valid_invoice_number(number) {
        return Err(AppError::Input(InputError::InvoiceNumberInvalid));
    }
    let date = timefmt::parse_date(date).ok_or(AppError::Input(InputError::InvoiceDateInvalid))?;
    let cents = money::parse_eur(amount).map_err(|_| AppError::Input(InputError::AmountInvalid))?;

    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let org = user.organisation_id()?;
    let taken = store::invoices::number_taken(&mut tx, org, number).await?;
    if taken {
        return Err(AppError::Input(InputError::InvoiceNumberTaken));
    }
    let today = today_total(&mut tx, user.id, ctx).await?;
    if tan_rules::invoice_is_protected(today, cents, &user.settings()) {
        let canonical = format!("{number}\n{date}\n{cents}");
        let description = messages::tan::describe(ctx.lang, Authorises::Invoice { number, cents });
        let protected = tan::Protected { action: Action::SubmitInvoice, canonical: &canonical, description };
        tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    }
    store::invoices::insert(&mut tx, org, number, &date, cents, user.id, ctx.now).await?;
    let event = AuditEvent::InvoiceSubmitted { user_id: user.id, number: number.to_owned(), amount_cents: cents };
    Ok(audit::record_and_commit(tx, ctx, event).await?)
}
