//! The audit events, one variant each, with their stored kind and detail.

use crate::domain::{
    login::LoginState,
    mfa::{Factor, Method, Purpose},
    tan::{Action as TanAction, Way as TanWay},
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

/// A step of the OpenID Connect provider (SPEC 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OidcStep {
    /// An authorization code went back to the application.
    CodeIssued,
    /// A code was redeemed for tokens.
    TokensIssued,
    /// A used code came again: refused, and its tokens revoked.
    CodeReused,
    /// The application logged its user out.
    LoggedOut,
}

impl OidcStep {
    pub const fn as_str(self) -> &'static str {
        match self {
            OidcStep::CodeIssued => "oidc.code_issued",
            OidcStep::TokensIssued => "oidc.tokens_issued",
            OidcStep::CodeReused => "oidc.code_reused",
            OidcStep::LoggedOut => "oidc.logged_out",
        }
    }
}

/// Who took a support action (SPEC 6.4): a support agent in the console, or an operator on the
/// server's command line (no account: the event names the operator and the reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Agent(i64),
    Operator,
}

/// What happened to a passkey in the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasskeyChange {
    Added,
    Renamed,
    Removed,
}

impl PasskeyChange {
    pub const fn as_str(self) -> &'static str {
        match self {
            PasskeyChange::Added => "added",
            PasskeyChange::Renamed => "renamed",
            PasskeyChange::Removed => "removed",
        }
    }
}

#[derive(Clone, Debug)]
pub enum AuditEvent<'a> {
    /// The password step succeeded; `next` is the stage the session moved to.
    PasswordAccepted {
        user_id: i64,
        next: LoginState,
    },
    /// A login completed; `factor` is what passed its challenge (`None`: the password from the
    /// trusted IP, or a recovery code).
    LoginSucceeded {
        user_id: i64,
        factor: Option<Factor>,
    },
    LoginFailed {
        user_id: Option<i64>,
        email: &'a str,
        why: LoginFailure,
    },
    /// Too many failed logins from the network: for this address, or (`email` none) with a
    /// passkey alone.
    LoginThrottled {
        email: Option<&'a str>,
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
    /// The paired device registered its Web Push subscription (SPEC 15.1).
    PushSubscribed {
        user_id: i64,
    },
    /// The paired device was removed in the settings.
    PushDeviceRemoved {
        user_id: i64,
    },
    /// A passkey was enrolled, renamed or removed in the settings.
    PasskeyChanged {
        user_id: i64,
        change: PasskeyChange,
    },
    /// A passkey passed the login challenge.
    PasskeyAccepted {
        user_id: i64,
    },
    /// A login with a passkey alone did not pass: a key Riegel does not know (`user_id`
    /// none), or an answer for a known key that is not valid.
    PasskeyLoginRefused {
        user_id: Option<i64>,
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
    /// An entry past the wrong second-factor entries of the window (SPEC 4.6) was refused
    /// unchecked; the account locks.
    WrongEntriesExceeded {
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
    /// A TAN issued: sent by SMS, or a passkey's ceremony begun (SPEC 5.8).
    TanIssued {
        user_id: i64,
        action: TanAction,
        way: TanWay,
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
        by: Actor,
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
    /// The current password given with a password change was wrong; the password throttle
    /// counts it (SPEC 1.2).
    CurrentPasswordRefused {
        user_id: i64,
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
        by: Actor,
        reason: &'a str,
    },
    /// A support agent searched the accounts; `query` is the search text, masked where it is
    /// an e-mail address, and `hits` how many accounts it found.
    SupportSearched {
        by: i64,
        query: String,
        hits: usize,
    },
    /// A support agent opened an account in the console (SPEC 6.4: looking is audited too).
    SupportViewed {
        user_id: i64,
        by: i64,
    },
    /// A step of an application's login through OpenID Connect; `scope` what it asked for,
    /// `confirmed` the transaction the user confirmed with a TAN (IBAN masked).
    Oidc {
        user_id: Option<i64>,
        client_id: &'a str,
        step: OidcStep,
        scope: &'a str,
        confirmed: Option<String>,
    },
}
