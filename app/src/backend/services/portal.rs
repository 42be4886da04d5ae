//! The supplier portal behind the login (SPEC 7): the organisation's payout bank account and
//! its invoices. A bank account change needs a TAN every time (5.3), an invoice one once the
//! day's submitted total exceeds the user's threshold; the TAN system authorises exactly the
//! data, and the change is written with its audit event in the same `BEGIN IMMEDIATE`
//! transaction.

use super::RequestCtx;
use crate::{
    backend::{
        AppState, access,
        audit::{self, AuditEvent},
        db::Flag,
        iban, messages,
        messages::tan::Authorises,
        tan, timefmt,
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
    let row: Option<(String, String, Option<String>)> =
        sqlx::query_as("SELECT holder, iban, bic FROM bank_accounts WHERE organisation_id = $1")
            .bind(org)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(holder, electronic, bic)| BankAccountView { holder, iban: iban::grouped(&electronic), bic }))
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
    sqlx::query(
        "INSERT INTO bank_accounts (organisation_id, holder, iban, bic, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (organisation_id) DO UPDATE SET holder = excluded.holder, iban = excluded.iban, bic = excluded.bic,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(org)
    .bind(holder)
    .bind(&electronic)
    .bind(&bic)
    .bind(ctx.now.0)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    Ok(audit::record_and_commit(tx, ctx, AuditEvent::BankAccountChanged { user_id: user.id, iban_masked: masked })
        .await?)
}

pub async fn invoices(state: &AppState, ctx: &RequestCtx, page: u32) -> Result<InvoicePage, AppError> {
    let (mut conn, _, user) = access::member_reading(state, ctx).await?;
    let org = user.organisation_id()?;
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT number, invoice_date, amount_cents, submitted_at FROM invoices WHERE organisation_id = $1
         ORDER BY submitted_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(org)
    .bind(PAGE_SIZE + 1)
    .bind(i64::from(page) * PAGE_SIZE)
    .fetch_all(&mut *conn)
    .await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let today = today_total(&mut conn, user.id, ctx).await?;
    Ok(InvoicePage {
        items: rows
            .into_iter()
            .take(PAGE_SIZE as usize)
            .map(|(number, date, amount_cents, _)| InvoiceRow { number, date, amount_cents })
            .collect(),
        page,
        has_more,
        today_total_cents: today,
        threshold_cents: user.invoice_threshold_cents,
    })
}

/// What this user submitted today (calendar day in Europe/Berlin).
async fn today_total(conn: &mut sqlx::AnyConnection, user_id: i64, ctx: &RequestCtx) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(coalesce(sum(amount_cents), 0) AS BIGINT) FROM invoices WHERE submitted_by = $1 AND submitted_at >= $2",
    )
    .bind(user_id)
    .bind(timefmt::day_start(ctx.now).0)
    .fetch_one(conn)
    .await
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
    let taken: bool = sqlx::query_scalar::<_, Flag>(
        "SELECT EXISTS (SELECT 1 FROM invoices WHERE organisation_id = $1 AND number = $2)",
    )
    .bind(org)
    .bind(number)
    .fetch_one(&mut *tx)
    .await?
    .0;
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
    sqlx::query(
        "INSERT INTO invoices (organisation_id, number, invoice_date, amount_cents, submitted_by, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org)
    .bind(number)
    .bind(&date)
    .bind(cents)
    .bind(user.id)
    .bind(ctx.now.0)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::InvoiceSubmitted { user_id: user.id, number: number.to_owned(), amount_cents: cents };
    Ok(audit::record_and_commit(tx, ctx, event).await?)
}
