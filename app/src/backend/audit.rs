//! Typed audit events (convention 7, SPEC 6.5), written by the caller's transaction.
//!
//! An event's detail is built here from typed fields, so no call site can slip a password,
//! code or token into the table.

use std::net::IpAddr;

use serde_json::json;
use sqlx::SqliteConnection;

use crate::domain::time::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    UnknownEmail,
    WrongPassword,
    Disabled,
}

#[derive(Clone, Debug)]
pub enum AuditEvent<'a> {
    LoginSucceeded { user_id: i64 },
    LoginFailed { user_id: Option<i64>, email: &'a str, why: LoginFailure },
    LoginThrottled { email: &'a str, retry_at: Timestamp },
    LoggedOut { user_id: i64 },
    AccountCreated { user_id: i64, by: Option<i64> },
}

impl AuditEvent<'_> {
    pub const fn kind(&self) -> &'static str {
        match self {
            AuditEvent::LoginSucceeded { .. } => "login.succeeded",
            AuditEvent::LoginFailed { .. } => "login.failed",
            AuditEvent::LoginThrottled { .. } => "login.throttled",
            AuditEvent::LoggedOut { .. } => "logout",
            AuditEvent::AccountCreated { .. } => "account.created",
        }
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            AuditEvent::LoginSucceeded { user_id }
            | AuditEvent::LoggedOut { user_id }
            | AuditEvent::AccountCreated { user_id, .. } => Some(*user_id),
            AuditEvent::LoginFailed { user_id, .. } => *user_id,
            AuditEvent::LoginThrottled { .. } => None,
        }
    }

    fn actor_id(&self) -> Option<i64> {
        match self {
            AuditEvent::AccountCreated { by, .. } => *by,
            other => other.user_id(),
        }
    }

    fn detail(&self) -> serde_json::Value {
        match self {
            AuditEvent::LoginFailed { email, why, .. } => json!({
                "email": email,
                "reason": match why {
                    LoginFailure::UnknownEmail => "unknown_email",
                    LoginFailure::WrongPassword => "wrong_password",
                    LoginFailure::Disabled => "disabled",
                },
            }),
            AuditEvent::LoginThrottled { email, retry_at } => json!({ "email": email, "retry_at": retry_at.0 }),
            _ => json!({}),
        }
    }
}

/// Appends one event.
pub async fn record(
    conn: &mut SqliteConnection,
    at: Timestamp,
    ip: Option<IpAddr>,
    event: AuditEvent<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_events (at, kind, user_id, actor_id, ip, detail) VALUES (?, ?, ?, ?, ?, ?)")
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
