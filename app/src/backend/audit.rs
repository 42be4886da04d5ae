//! Typed audit events (convention 7, SPEC 6.5), written by the caller's transaction.
//!
//! An event's detail is built here from typed fields, so no call site can slip a password,
//! code or token into the table.

use std::net::IpAddr;

use serde_json::json;
use sqlx::SqliteConnection;

use crate::domain::{
    mfa::{Method, Purpose},
    tan::Action as TanAction,
    time::Timestamp,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    UnknownEmail,
    WrongPassword,
    Disabled,
    /// The right password came with a phone-reset link that is not this account's open one.
    PhoneResetLinkInvalid,
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
    /// An authenticator app was confirmed (replacing an earlier one).
    TotpEnrolled {
        user_id: i64,
    },
    /// An authenticator code passed the login challenge.
    TotpAccepted {
        user_id: i64,
    },
    /// A device was paired for push approval (replacing an earlier one).
    PushDevicePaired {
        user_id: i64,
    },
    /// The paired device was removed in the settings.
    PushDeviceRemoved {
        user_id: i64,
    },
    /// A push request went to the paired device; `number` is the one the login screen shows.
    PushSent {
        user_id: i64,
        request_id: i64,
    },
    /// The device picked the right number: the request is approved.
    PushApproved {
        user_id: i64,
        request_id: i64,
    },
    /// The device denied the request: "Deny", or a wrong number (`wrong_number`).
    PushDenied {
        user_id: i64,
        request_id: i64,
        wrong_number: bool,
    },
    /// An answer whose signature the device's key did not make was refused.
    PushSignatureRefused {
        user_id: i64,
        request_id: i64,
    },
    /// A push past the push quota (SPEC 4.1) was refused; the account locks.
    PushQuotaExceeded {
        user_id: i64,
    },
    /// A new set of recovery codes replaced the old one (at MFA setup, or on demand).
    RecoveryCodesCreated {
        user_id: i64,
    },
    /// A recovery code passed the login challenge; `remaining` unused ones are left.
    RecoveryCodeUsed {
        user_id: i64,
        remaining: i64,
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
    TanIssued {
        user_id: i64,
        action: TanAction,
    },
    TanAccepted {
        user_id: i64,
        action: TanAction,
    },
    TanRefused {
        user_id: i64,
        action: TanAction,
        wrong_in_a_row: u32,
    },
    TanVoided {
        user_id: i64,
        action: TanAction,
    },
    TanLocked {
        user_id: i64,
    },
    TanUnlocked {
        user_id: i64,
        by: Option<i64>,
        reason: &'a str,
    },
    TanSessionEnded {
        user_id: i64,
        reason: &'static str,
    },
    TanSettingsChanged {
        user_id: i64,
        settings: String,
    },
    BankAccountChanged {
        user_id: i64,
        iban_masked: String,
    },
    InvoiceSubmitted {
        user_id: i64,
        number: String,
        amount_cents: i64,
    },
    PasswordChanged {
        user_id: i64,
        other_sessions_ended: u64,
    },
    EmailChangeCodeSent {
        user_id: i64,
        to_masked: String,
    },
    EmailChanged {
        user_id: i64,
        from_masked: String,
        to_masked: String,
    },
    /// An SMS was refused because the requester's network used up its SMS (pumping); the
    /// event's IP is the network's.
    SmsCapped,
    /// A self-registration began; `existing` is the account that already has the address
    /// (it gets a notice, the registrant gets nothing that works).
    RegistrationStarted {
        email: &'a str,
        existing: Option<i64>,
    },
    RegistrationCompleted {
        user_id: i64,
        organisation_id: i64,
    },
    InvitationSent {
        user_id: i64,
        by: i64,
    },
    InvitationAccepted {
        user_id: i64,
    },
    AccountDisabled {
        user_id: i64,
        by: i64,
        sessions_ended: u64,
    },
    AccountEnabled {
        user_id: i64,
        by: i64,
    },
    /// `user_id` is `None` for an address without a usable account (nothing was sent).
    PasswordResetRequested {
        user_id: Option<i64>,
        sent: bool,
    },
    /// An admin tried to invite an address that has an account already.
    InvitationRefused {
        by: i64,
        email: &'a str,
    },
    PasswordResetLinkFollowed {
        user_id: i64,
    },
    PasswordReset {
        user_id: i64,
        sessions_ended: u64,
    },
    PhoneResetLinkSent {
        user_id: i64,
        by: i64,
        reason: &'a str,
    },
    /// A phone-reset link came with the correct password: setup replaces the challenge.
    PhoneResetStarted {
        user_id: i64,
    },
    PhoneReset {
        user_id: i64,
        phone_masked: String,
        other_sessions_ended: u64,
    },
    LockLifted {
        user_id: i64,
        by: i64,
        reason: &'a str,
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
            AuditEvent::RecoveryCodesCreated { .. } => "recovery_codes.created",
            AuditEvent::TotpEnrolled { .. } => "totp.enrolled",
            AuditEvent::TotpAccepted { .. } => "totp.accepted",
            AuditEvent::PushDevicePaired { .. } => "push.device_paired",
            AuditEvent::PushDeviceRemoved { .. } => "push.device_removed",
            AuditEvent::PushSent { .. } => "push.sent",
            AuditEvent::PushApproved { .. } => "push.approved",
            AuditEvent::PushDenied { .. } => "push.denied",
            AuditEvent::PushSignatureRefused { .. } => "push.signature_refused",
            AuditEvent::PushQuotaExceeded { .. } => "quota.exceeded",
            AuditEvent::RecoveryCodeUsed { .. } => "recovery_code.used",
            AuditEvent::ChallengeExhausted { .. } => "challenge.exhausted",
            AuditEvent::QuotaExceeded { .. } => "quota.exceeded",
            AuditEvent::AccountLocked { .. } => "account.locked",
            AuditEvent::MfaSetupCompleted { .. } => "mfa.setup_completed",
            AuditEvent::TanIssued { .. } => "tan.issued",
            AuditEvent::TanAccepted { .. } => "tan.accepted",
            AuditEvent::TanRefused { .. } => "tan.refused",
            AuditEvent::TanVoided { .. } => "tan.voided",
            AuditEvent::TanLocked { .. } => "tan.locked",
            AuditEvent::TanUnlocked { .. } => "tan.unlocked",
            AuditEvent::TanSessionEnded { .. } => "tan.session_ended",
            AuditEvent::TanSettingsChanged { .. } => "settings.tan_changed",
            AuditEvent::BankAccountChanged { .. } => "bank_account.changed",
            AuditEvent::InvoiceSubmitted { .. } => "invoice.submitted",
            AuditEvent::PasswordChanged { .. } => "password.changed",
            AuditEvent::EmailChangeCodeSent { .. } => "email.code_sent",
            AuditEvent::EmailChanged { .. } => "email.changed",
            AuditEvent::SmsCapped => "sms.capped",
            AuditEvent::RegistrationStarted { .. } => "registration.started",
            AuditEvent::RegistrationCompleted { .. } => "registration.completed",
            AuditEvent::InvitationSent { .. } => "invitation.sent",
            AuditEvent::InvitationAccepted { .. } => "invitation.accepted",
            AuditEvent::AccountDisabled { .. } => "account.disabled",
            AuditEvent::AccountEnabled { .. } => "account.enabled",
            AuditEvent::PasswordResetRequested { .. } => "password_reset.requested",
            AuditEvent::InvitationRefused { .. } => "invitation.refused",
            AuditEvent::PasswordResetLinkFollowed { .. } => "password_reset.link_followed",
            AuditEvent::PasswordReset { .. } => "password_reset.completed",
            AuditEvent::PhoneResetLinkSent { .. } => "phone_reset.link_sent",
            AuditEvent::PhoneResetStarted { .. } => "phone_reset.started",
            AuditEvent::PhoneReset { .. } => "phone_reset.completed",
            AuditEvent::LockLifted { .. } => "account.lock_lifted",
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
            | AuditEvent::RecoveryCodesCreated { user_id }
            | AuditEvent::TotpEnrolled { user_id }
            | AuditEvent::TotpAccepted { user_id }
            | AuditEvent::PushDevicePaired { user_id }
            | AuditEvent::PushDeviceRemoved { user_id }
            | AuditEvent::PushSent { user_id, .. }
            | AuditEvent::PushApproved { user_id, .. }
            | AuditEvent::PushDenied { user_id, .. }
            | AuditEvent::PushSignatureRefused { user_id, .. }
            | AuditEvent::PushQuotaExceeded { user_id }
            | AuditEvent::RecoveryCodeUsed { user_id, .. }
            | AuditEvent::ChallengeExhausted { user_id, .. }
            | AuditEvent::QuotaExceeded { user_id, .. }
            | AuditEvent::AccountLocked { user_id, .. }
            | AuditEvent::MfaSetupCompleted { user_id, .. }
            | AuditEvent::TanIssued { user_id, .. }
            | AuditEvent::TanAccepted { user_id, .. }
            | AuditEvent::TanRefused { user_id, .. }
            | AuditEvent::TanVoided { user_id, .. }
            | AuditEvent::TanLocked { user_id }
            | AuditEvent::TanUnlocked { user_id, .. }
            | AuditEvent::TanSessionEnded { user_id, .. }
            | AuditEvent::TanSettingsChanged { user_id, .. }
            | AuditEvent::BankAccountChanged { user_id, .. }
            | AuditEvent::InvoiceSubmitted { user_id, .. }
            | AuditEvent::PasswordChanged { user_id, .. }
            | AuditEvent::EmailChangeCodeSent { user_id, .. }
            | AuditEvent::EmailChanged { user_id, .. }
            | AuditEvent::RegistrationCompleted { user_id, .. }
            | AuditEvent::InvitationSent { user_id, .. }
            | AuditEvent::InvitationAccepted { user_id }
            | AuditEvent::AccountDisabled { user_id, .. }
            | AuditEvent::AccountEnabled { user_id, .. }
            | AuditEvent::PasswordResetLinkFollowed { user_id }
            | AuditEvent::PasswordReset { user_id, .. }
            | AuditEvent::PhoneResetLinkSent { user_id, .. }
            | AuditEvent::PhoneResetStarted { user_id }
            | AuditEvent::PhoneReset { user_id, .. }
            | AuditEvent::LockLifted { user_id, .. } => Some(*user_id),
            AuditEvent::LoginFailed { user_id, .. } | AuditEvent::PasswordResetRequested { user_id, .. } => *user_id,
            AuditEvent::InvitationRefused { .. } | AuditEvent::SmsCapped => None,
            AuditEvent::RegistrationStarted { existing, .. } => *existing,
            AuditEvent::LoginThrottled { .. } => None,
        }
    }

    fn actor_id(&self) -> Option<i64> {
        match self {
            AuditEvent::AccountCreated { by, .. } | AuditEvent::TanUnlocked { by, .. } => *by,
            AuditEvent::InvitationSent { by, .. }
            | AuditEvent::AccountDisabled { by, .. }
            | AuditEvent::AccountEnabled { by, .. }
            | AuditEvent::PhoneResetLinkSent { by, .. }
            | AuditEvent::LockLifted { by, .. }
            | AuditEvent::InvitationRefused { by, .. } => Some(*by),
            AuditEvent::RegistrationStarted { .. } => None,
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
                    LoginFailure::PhoneResetLinkInvalid => "phone_reset_link_invalid",
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
            AuditEvent::PushSent { request_id, .. }
            | AuditEvent::PushApproved { request_id, .. }
            | AuditEvent::PushSignatureRefused { request_id, .. } => json!({ "request": request_id }),
            AuditEvent::PushQuotaExceeded { .. } => json!({ "purpose": "login", "channel": "push" }),
            AuditEvent::PushDenied { request_id, wrong_number, .. } => {
                json!({ "request": request_id, "wrong_number": wrong_number })
            }
            AuditEvent::MfaSetupCompleted { phone_masked, .. } => json!({ "phone": phone_masked }),
            AuditEvent::TanIssued { action, .. }
            | AuditEvent::TanAccepted { action, .. }
            | AuditEvent::TanVoided { action, .. } => json!({ "action": action.as_str() }),
            AuditEvent::TanRefused { action, wrong_in_a_row, .. } => {
                json!({ "action": action.as_str(), "wrong_in_a_row": wrong_in_a_row })
            }
            AuditEvent::TanSessionEnded { reason, .. } => json!({ "reason": reason }),
            AuditEvent::TanSettingsChanged { settings, .. } => json!({ "settings": settings }),
            AuditEvent::BankAccountChanged { iban_masked, .. } => json!({ "iban": iban_masked }),
            AuditEvent::InvoiceSubmitted { number, amount_cents, .. } => {
                json!({ "number": number, "amount_cents": amount_cents })
            }
            AuditEvent::EmailChangeCodeSent { to_masked, .. } => json!({ "to": to_masked }),
            AuditEvent::EmailChanged { from_masked, to_masked, .. } => json!({ "from": from_masked, "to": to_masked }),
            AuditEvent::PasswordChanged { other_sessions_ended, .. } => {
                json!({ "other_sessions_ended": other_sessions_ended })
            }
            AuditEvent::RegistrationStarted { email, .. } | AuditEvent::InvitationRefused { email, .. } => {
                json!({ "email": email })
            }
            AuditEvent::PasswordResetRequested { sent, .. } => json!({ "sent": sent }),
            AuditEvent::RecoveryCodeUsed { remaining, .. } => json!({ "remaining": remaining }),
            AuditEvent::RegistrationCompleted { organisation_id, .. } => json!({ "organisation_id": organisation_id }),
            AuditEvent::AccountDisabled { sessions_ended, .. } | AuditEvent::PasswordReset { sessions_ended, .. } => {
                json!({ "sessions_ended": sessions_ended })
            }
            AuditEvent::PhoneReset { phone_masked, other_sessions_ended, .. } => {
                json!({ "phone": phone_masked, "other_sessions_ended": other_sessions_ended })
            }
            AuditEvent::TanUnlocked { reason, .. }
            | AuditEvent::PhoneResetLinkSent { reason, .. }
            | AuditEvent::LockLifted { reason, .. } => json!({ "reason": reason }),
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
