//! Typed audit events (convention 7, SPEC 6.5), written by the caller's transaction.
//!
//! An event's detail is built here from typed fields, so no call site can slip a password,
//! code or token into the table.

use std::net::IpAddr;

use sqlx::AnyConnection;

mod event;
mod stored;

pub use event::{AuditEvent, LoginFailure, OidcStep};

use super::timefmt;
use crate::{
    domain::{lang::Lang, time::Timestamp},
    wire::accounts::ActivityItem,
};

/// Appends one event.
pub async fn record(
    conn: &mut AnyConnection,
    at: Timestamp,
    ip: Option<IpAddr>,
    event: AuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_events (at, kind, user_id, actor_id, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(at.0)
        .bind(event.kind())
        .bind(event.user_id())
        .bind(event.actor_id())
        .bind(ip.map(|i| i.to_string()))
        .bind(event.detail().to_string())
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    kind: String,
    ip: Option<String>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    actor_role: Option<String>,
}

/// The most recent security events of one account, newest first.
pub async fn events_of(
    conn: &mut AnyConnection,
    user_id: i64,
    limit: i64,
    lang: Lang,
) -> Result<Vec<ActivityItem>, sqlx::Error> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT a.at, a.kind, a.ip, a.actor_id, actor.full_name AS actor_name, actor.role AS actor_role
         FROM audit_events a LEFT JOIN users actor ON actor.id = a.actor_id
         WHERE a.user_id = $1 ORDER BY a.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|e| ActivityItem {
            at: e.at,
            at_text: timefmt::minute(Timestamp(e.at), lang),
            kind: e.kind,
            ip: e.ip,
            by: e.actor_id.filter(|a| *a != user_id).map(|_| match (e.actor_name, e.actor_role) {
                (Some(name), Some(role)) => format!("{name} ({role})"),
                _ => "—".to_owned(),
            }),
        })
        .collect())
}

/// The end of a use case that writes one change: its event, recorded in its transaction, and
/// the commit.
pub async fn record_and_commit(
    mut tx: super::db::WriteTx,
    ctx: &super::RequestCtx,
    event: AuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    tx.commit().await
}
