//! Typed audit events (convention 7, SPEC 6.5), written by the caller's transaction.
//!
//! An event's detail is built here from typed fields, so no call site can slip a password,
//! code or token into the table.

use std::net::IpAddr;

use serde_json::json;
use sqlx::SqliteConnection;

use crate::domain::{
    mfa::{Method, Purpose},
    time::Timestamp,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    UnknownEmail,
    WrongPassword,
    Disabled,
}

#[derive(Clone, Debug)]
pub enum AuditEvent<'a> {
    /// The password step succeeded; `next` is the stage the session moved to.
    PasswordAccepted {
        user_id: i64,
        next: &'static str,
    },
    LoginSucceeded {
        user_id: i64,
    },
    LoginFailed {
        user_id: Option<i64>,
        email: &'a str,
        why: LoginFailure,
    },
    LoginThrottled {
        email: &'a str,
        retry_at: Timestamp,
    },
    LoggedOut {
        user_id: i64,
    },
    AccountCreated {
        user_id: i64,
        by: Option<i64>,
    },
    /// A correct password met a locked account.
    LoginLocked {
        user_id: i64,
        until: Timestamp,
    },
    CodeSent {
        user_id: i64,
        purpose: Purpose,
        channel: Method,
    },
    CodeAccepted {
        user_id: i64,
        purpose: Purpose,
        channel: Method,
    },
    CodeRefused {
        user_id: i64,
        purpose: Purpose,
        failures: u32,
    },
    ChallengeExhausted {
        user_id: i64,
        purpose: Purpose,
    },
    /// A send was refused by a quota; at login this also locks the account.
    QuotaExceeded {
        user_id: i64,
        purpose: Purpose,
        channel: Method,
    },
    AccountLocked {
        user_id: i64,
        until: Timestamp,
    },
    MfaSetupCompleted {
        user_id: i64,
        phone_masked: String,
    },
}

impl AuditEvent<'_> {
    pub const fn kind(&self) -> &'static str {
        match self {
            AuditEvent::PasswordAccepted { .. } => "login.password_accepted",
            AuditEvent::LoginSucceeded { .. } => "login.succeeded",
            AuditEvent::LoginFailed { .. } => "login.failed",
            AuditEvent::LoginThrottled { .. } => "login.throttled",
            AuditEvent::LoggedOut { .. } => "logout",
            AuditEvent::AccountCreated { .. } => "account.created",
            AuditEvent::LoginLocked { .. } => "login.locked",
            AuditEvent::CodeSent { .. } => "code.sent",
            AuditEvent::CodeAccepted { .. } => "code.accepted",
            AuditEvent::CodeRefused { .. } => "code.refused",
            AuditEvent::ChallengeExhausted { .. } => "challenge.exhausted",
            AuditEvent::QuotaExceeded { .. } => "quota.exceeded",
            AuditEvent::AccountLocked { .. } => "account.locked",
            AuditEvent::MfaSetupCompleted { .. } => "mfa.setup_completed",
        }
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            AuditEvent::LoginSucceeded { user_id }
            | AuditEvent::PasswordAccepted { user_id, .. }
            | AuditEvent::LoggedOut { user_id }
            | AuditEvent::AccountCreated { user_id, .. }
            | AuditEvent::LoginLocked { user_id, .. }
            | AuditEvent::CodeSent { user_id, .. }
            | AuditEvent::CodeAccepted { user_id, .. }
            | AuditEvent::CodeRefused { user_id, .. }
            | AuditEvent::ChallengeExhausted { user_id, .. }
            | AuditEvent::QuotaExceeded { user_id, .. }
            | AuditEvent::AccountLocked { user_id, .. }
            | AuditEvent::MfaSetupCompleted { user_id, .. } => Some(*user_id),
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
            AuditEvent::PasswordAccepted { next, .. } => json!({ "next": next }),
            AuditEvent::LoginLocked { until, .. } | AuditEvent::AccountLocked { until, .. } => {
                json!({ "until": until.0 })
            }
            AuditEvent::CodeSent { purpose, channel, .. }
            | AuditEvent::CodeAccepted { purpose, channel, .. }
            | AuditEvent::QuotaExceeded { purpose, channel, .. } => {
                json!({ "purpose": purpose.as_str(), "channel": channel.as_str() })
            }
            AuditEvent::CodeRefused { purpose, failures, .. } => {
                json!({ "purpose": purpose.as_str(), "failures": failures })
            }
            AuditEvent::ChallengeExhausted { purpose, .. } => json!({ "purpose": purpose.as_str() }),
            AuditEvent::MfaSetupCompleted { phone_masked, .. } => json!({ "phone": phone_masked }),
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
