//! Typed audit events (SPEC 6.5), written by the transaction of the change they record.
//!
//! An event's detail is built here from typed fields, so no call site can slip a password,
//! code or token into the table.

use std::net::IpAddr;

use sqlx::AnyConnection;

mod event;
mod stored;

pub use event::{Actor, AuditEvent, LoginFailure, OidcStep, PasskeyChange};
pub use stored::OPERATOR;

use super::{db::WriteTx, metrics::Count, store, tools::timefmt};
use crate::{
    domain::{lang::Lang, time::Timestamp},
    wire::accounts::ActivityItem,
};

/// Appends one event to the transaction's writes; the metrics count it when the transaction
/// commits (`metrics::Count::of`).
pub async fn record(
    tx: &mut WriteTx,
    at: Timestamp,
    ip: Option<IpAddr>,
    event: AuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    let ip = ip.map(|i| i.to_string());
    let detail = event.detail().to_string();
    tx.later_row(store::audit_events::row(at, event.kind(), event.user_id(), event.actor_id(), ip, detail));
    if let Some(count) = Count::of(&event) {
        tx.count(count);
    }
    Ok(())
}

/// The most recent security events of one account, newest first.
pub async fn events_of(
    conn: &mut AnyConnection,
    user_id: i64,
    limit: i64,
    lang: Lang,
) -> Result<Vec<ActivityItem>, sqlx::Error> {
    let rows = store::audit_events::newest_of_user(conn, user_id, limit).await?;
    Ok(rows
        .into_iter()
        .map(|e| ActivityItem {
            at: e.at,
            at_text: timefmt::minute(Timestamp(e.at), lang),
            kind: e.kind,
            ip: e.ip,
            by: if by_operator(&e.detail) {
                Some(operator_label(lang).to_owned())
            } else {
                e.actor_id.filter(|a| *a != user_id).map(|_| match (e.actor_name, e.actor_role) {
                    (Some(name), Some(role)) => format!("{name} ({role})"),
                    _ => "—".to_owned(),
                })
            },
        })
        .collect())
}

/// Whether an operator on the command line took the action an event's detail records.
fn by_operator(detail: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(detail).is_ok_and(|d| d["actor"] == OPERATOR)
}

fn operator_label(lang: Lang) -> &'static str {
    match lang {
        Lang::De => "Betrieb (Kommandozeile)",
        Lang::En => "operator (command line)",
    }
}

/// The end of a use case that writes one change: its event, recorded in its transaction, and
/// the commit.
pub async fn record_and_commit(
    mut tx: WriteTx,
    ctx: &super::request::RequestCtx,
    event: AuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    tx.commit().await
}
