//! The start page (where the supplier stands): the login before this one and the wrong
//! passwords since then, the MFA methods, the TAN system's state, the payout account (masked)
//! and the newest invoices, and a notice when few recovery codes are left. Only reads.

use crate::{
    backend::{
        factor::{recovery_code, totp},
        login::access,
        request::RequestCtx,
        state::AppState,
        store, tan,
        tools::timefmt,
    },
    domain::{mask, mfa::Factor, time::Timestamp},
    wire::{
        AppError,
        overview::{LoginFact, Methods, Overview},
        portal::InvoiceRow,
    },
};

/// Fewer recovery codes than this left: the start page says to make new ones.
const RECOVERY_CODES_LOW: i64 = 3;
/// Invoices on the start page.
const NEWEST_INVOICES: i64 = 3;

pub async fn overview(state: &AppState, ctx: &RequestCtx) -> Result<Overview, AppError> {
    let (mut conn, session, me) = access::member_reading(state, ctx).await?;
    // The newest successful login is this session's; the one before it is the "last login".
    let previous = store::audit_events::login_before_newest(&mut conn, me.id).await?;
    let failed_since =
        store::audit_events::failed_logins_after(&mut conn, me.id, previous.as_ref().map_or(0, |p| p.id)).await?;
    let previous_login = previous.map(|p| LoginFact {
        at: p.at,
        at_text: timefmt::minute(Timestamp(p.at), ctx.lang),
        ip: p.ip,
        method: serde_json::from_str::<serde_json::Value>(&p.detail)
            .ok()
            .and_then(|d| d.get("method").and_then(|m| m.as_str()).and_then(Factor::parse)),
    });
    let recovery_codes_left = recovery_code::remaining(&mut conn, me.id).await?;
    let methods = Methods {
        phone: me.phone_e164.as_deref().map(mask::phone),
        email: mask::email(&me.email),
        app: totp::enrolled(&mut conn, me.id).await?,
        push_device: store::push::device_of_user(&mut conn, me.id).await?.map(|(name, _)| name),
        recovery_codes_left,
    };
    let (payout, invoices) = match me.organisation_id {
        Some(org) => {
            let payout = store::bank_accounts::account(&mut conn, org).await?;
            let rows = store::invoices::page(&mut conn, org, NEWEST_INVOICES, 0).await?;
            let invoices = rows
                .into_iter()
                .map(|r| InvoiceRow { number: r.number, date: r.invoice_date, amount_cents: r.amount_cents })
                .collect();
            (payout.map(|a| (a.holder, mask::iban(&a.iban))), invoices)
        }
        None => (None, Vec::new()),
    };
    Ok(Overview {
        previous_login,
        failed_since,
        tan_active: me.phone_e164.is_some(),
        tan_locked: me.tan_locked_at.is_some(),
        tan_session_open: tan::tan_session_active(&session, ctx),
        payout,
        invoices,
        recovery_codes_low: recovery_codes_left < RECOVERY_CODES_LOW,
        methods,
        full_name: me.full_name,
        email: me.email,
        role: me.role.as_str().to_owned(),
        organisation: me.organisation,
    })
}
