//! The start page (where the supplier stands): the login before this one and the wrong
//! passwords since then, the MFA methods, the TAN system's state, the payout account (masked)
//! and the newest invoices, and a notice when few recovery codes are left. Only reads.

use super::RequestCtx;
use crate::{
    backend::{
        AppState, access,
        factor::{push, recovery_code, totp},
        tan, timefmt,
    },
    domain::{mask, time::Timestamp},
    wire::{
        AppError,
        home::{LoginFact, Methods, Overview},
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
    let previous: Option<(i64, i64, Option<String>, String)> = sqlx::query_as(
        "SELECT id, at, ip, detail FROM audit_events WHERE user_id = $1 AND kind = 'login.succeeded'
         ORDER BY id DESC LIMIT 1 OFFSET 1",
    )
    .bind(me.id)
    .fetch_optional(&mut *conn)
    .await?;
    let failed_since: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE user_id = $1 AND kind = 'login.failed' AND id > $2",
    )
    .bind(me.id)
    .bind(previous.as_ref().map_or(0, |p| p.0))
    .fetch_one(&mut *conn)
    .await?;
    let previous_login = previous.map(|(_, at, ip, detail)| LoginFact {
        at,
        at_text: timefmt::minute(Timestamp(at), ctx.lang),
        ip,
        method: serde_json::from_str::<serde_json::Value>(&detail)
            .ok()
            .and_then(|d| d.get("method").and_then(|m| m.as_str()).map(str::to_owned)),
    });
    let recovery_codes_left = recovery_code::remaining(&mut conn, me.id).await?;
    let methods = Methods {
        phone: me.phone_e164.as_deref().map(mask::phone),
        email: mask::email(&me.email),
        app: totp::enrolled(&mut conn, me.id).await?,
        push_device: push::device_of_user(&mut conn, me.id).await?.map(|(name, _)| name),
        recovery_codes_left,
    };
    let (payout, invoices) = match me.organisation_id {
        Some(org) => {
            let payout: Option<(String, String)> =
                sqlx::query_as("SELECT holder, iban FROM bank_accounts WHERE organisation_id = $1")
                    .bind(org)
                    .fetch_optional(&mut *conn)
                    .await?;
            let rows: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT number, invoice_date, amount_cents FROM invoices WHERE organisation_id = $1
                 ORDER BY submitted_at DESC, id DESC LIMIT $2",
            )
            .bind(org)
            .bind(NEWEST_INVOICES)
            .fetch_all(&mut *conn)
            .await?;
            let invoices = rows
                .into_iter()
                .map(|(number, date, amount_cents)| InvoiceRow { number, date, amount_cents })
                .collect();
            (payout.map(|(holder, iban)| (holder, mask::iban(&iban))), invoices)
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
