//! How an audit event is stored: its kind (`login.succeeded`, `tan.locked`, …), the account
//! it concerns, the actor, and a JSON detail built from typed fields only.

use serde_json::json;

use super::event::{Actor, AuditEvent, LoginFailure};

/// The `actor` of an event's detail when an operator acted on the command line.
pub const OPERATOR: &str = "operator";

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
            AuditEvent::PushSubscribed { .. } => "push.subscribed",
            AuditEvent::PushDeviceRemoved { .. } => "push.device_removed",
            AuditEvent::PasskeyChanged { .. } => "passkey.changed",
            AuditEvent::PasskeyAccepted { .. } => "passkey.accepted",
            AuditEvent::PasskeyLoginRefused { .. } => "passkey.login_refused",
            AuditEvent::PushSent { .. } => "push.sent",
            AuditEvent::PushApproved { .. } => "push.approved",
            AuditEvent::PushDenied { .. } => "push.denied",
            AuditEvent::PushSignatureRefused { .. } => "push.signature_refused",
            AuditEvent::PushQuotaExceeded { .. } => "quota.exceeded",
            AuditEvent::WrongEntriesExceeded { .. } => "quota.exceeded",
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
            AuditEvent::CurrentPasswordRefused { .. } => "password.current_refused",
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
            AuditEvent::SupportSearched { .. } => "support.searched",
            AuditEvent::SupportViewed { .. } => "support.viewed",
            AuditEvent::Oidc { step, .. } => step.as_str(),
        }
    }

    pub(super) fn user_id(&self) -> Option<i64> {
        match self {
            AuditEvent::LoginSucceeded { user_id, .. }
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
            | AuditEvent::PushSubscribed { user_id }
            | AuditEvent::PushDeviceRemoved { user_id }
            | AuditEvent::PasskeyChanged { user_id, .. }
            | AuditEvent::PasskeyAccepted { user_id }
            | AuditEvent::PushSent { user_id, .. }
            | AuditEvent::PushApproved { user_id, .. }
            | AuditEvent::PushDenied { user_id, .. }
            | AuditEvent::PushSignatureRefused { user_id, .. }
            | AuditEvent::PushQuotaExceeded { user_id }
            | AuditEvent::WrongEntriesExceeded { user_id }
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
            | AuditEvent::CurrentPasswordRefused { user_id }
            | AuditEvent::SupportViewed { user_id, .. }
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
            AuditEvent::LoginFailed { user_id, .. }
            | AuditEvent::PasswordResetRequested { user_id, .. }
            | AuditEvent::PasskeyLoginRefused { user_id } => *user_id,
            AuditEvent::InvitationRefused { .. } | AuditEvent::SmsCapped | AuditEvent::SupportSearched { .. } => None,
            AuditEvent::RegistrationStarted { existing, .. } => *existing,
            AuditEvent::LoginThrottled { .. } => None,
            AuditEvent::Oidc { user_id, .. } => *user_id,
        }
    }

    pub(super) fn actor_id(&self) -> Option<i64> {
        match self {
            AuditEvent::AccountCreated { by, .. } => *by,
            AuditEvent::TanUnlocked { by, .. } | AuditEvent::LockLifted { by, .. } => match by {
                Actor::Agent(id) => Some(*id),
                Actor::Operator => None,
            },
            AuditEvent::InvitationSent { by, .. }
            | AuditEvent::AccountDisabled { by, .. }
            | AuditEvent::AccountEnabled { by, .. }
            | AuditEvent::PhoneResetLinkSent { by, .. }
            | AuditEvent::SupportSearched { by, .. }
            | AuditEvent::SupportViewed { by, .. }
            | AuditEvent::InvitationRefused { by, .. } => Some(*by),
            AuditEvent::RegistrationStarted { .. } => None,
            other => other.user_id(),
        }
    }

    pub(super) fn detail(&self) -> serde_json::Value {
        match self {
            AuditEvent::LoginSucceeded { factor: Some(f), .. } => json!({ "method": f.as_str() }),
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
            AuditEvent::PasswordAccepted { next, .. } => json!({ "next": next.as_str() }),
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
            AuditEvent::WrongEntriesExceeded { .. } => json!({ "purpose": "login", "wrong_entries": true }),
            AuditEvent::PushDenied { request_id, wrong_number, .. } => {
                json!({ "request": request_id, "wrong_number": wrong_number })
            }
            AuditEvent::MfaSetupCompleted { phone_masked, .. } => json!({ "phone": phone_masked }),
            AuditEvent::PasskeyChanged { change, .. } => json!({ "change": change.as_str() }),
            AuditEvent::TanIssued { action, way, .. } => json!({ "action": action.as_str(), "way": way.as_str() }),
            AuditEvent::TanAccepted { action, .. } | AuditEvent::TanVoided { action, .. } => {
                json!({ "action": action.as_str() })
            }
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
            AuditEvent::TanUnlocked { reason, by: Actor::Operator, .. }
            | AuditEvent::LockLifted { reason, by: Actor::Operator, .. } => {
                json!({ "reason": reason, "actor": OPERATOR })
            }
            AuditEvent::TanUnlocked { reason, .. }
            | AuditEvent::PhoneResetLinkSent { reason, .. }
            | AuditEvent::LockLifted { reason, .. } => json!({ "reason": reason }),
            AuditEvent::SupportSearched { query, hits, .. } => json!({ "query": query, "hits": hits }),
            AuditEvent::Oidc { client_id, scope, confirmed: None, .. } => {
                json!({ "client": client_id, "scope": scope })
            }
            AuditEvent::Oidc { client_id, scope, confirmed: Some(what), .. } => {
                json!({ "client": client_id, "scope": scope, "confirmed": what })
            }
            _ => json!({}),
        }
    }
}
