//! The one error type of every server function.
//!
//! It crosses the wire as JSON and carries structure, not text: the page turns each variant
//! into a sentence in the user's language. Internal causes are logged in full on the server
//! and reach the browser only as `Internal`. No database text ever leaves the server.

use serde::{Deserialize, Serialize};
use server_fn::{
    Bytes, Encodes,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// What was wrong with an input, in terms a page can explain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputError {
    EmailMalformed,
    PasswordMissing,
    PasswordTooLong,
    /// Not six digits (spaces allowed).
    CodeMalformed,
    PhoneMalformed,
    /// A valid number that cannot receive SMS.
    PhoneNotMobile,
    /// A mobile number from outside the country allow-list.
    PhoneCountryNotAllowed,
    /// A method the account does not have.
    MethodUnavailable,
    /// Not six characters of the TAN alphabet.
    TanMalformed,
    IbanInvalid,
    BicInvalid,
    HolderMissing,
    InvoiceNumberInvalid,
    /// The organisation already has an invoice with this number.
    InvoiceNumberTaken,
    InvoiceDateInvalid,
    AmountInvalid,
    ThresholdInvalid,
    /// A new password shorter than the minimum.
    PasswordTooShort,
    /// The current password given with a password change is wrong.
    CurrentPasswordWrong,
    /// The new e-mail address is the current one.
    EmailUnchanged,
    /// The new e-mail address cannot be used (another account has it).
    EmailUnavailable,
    /// A new password containing the e-mail name, the full name or the company.
    PasswordPersonal,
    /// A new password that is a common password or close to one.
    PasswordCommon,
    /// A new password made of keyboard rows, repeats, sequences or dates.
    PasswordPattern,
    /// A new password the strength estimator finds guessable.
    PasswordGuessable,
    CompanyMissing,
    NameMissing,
    /// A support action without a reason of at least the minimum length.
    ReasonMissing,
    /// A search term of fewer than three characters.
    SearchTooShort,
    /// An authenticator code without an enrolment in progress (or one older than ten minutes).
    TotpNotStarted,
    /// The app's first code does not match the key shown (often the phone's clock).
    TotpCodeWrong,
    /// Passkeys are not offered here: Riegel is reached by an IP address, not a domain name.
    PasskeyUnavailable,
    /// The browser's answer to a passkey ceremony is not one (garbled, or of another kind).
    PasskeyMalformed,
    /// A passkey answer without a ceremony in progress (or one older than five minutes).
    PasskeyNotStarted,
    /// The new passkey did not prove itself (another site's, or no user verification).
    PasskeyRefused,
    /// The passkey is enrolled already (on this account or another).
    PasskeyTaken,
    /// TANs by passkey were chosen without a passkey on the account (or where passkeys are not
    /// offered).
    TanWayUnavailable,
    /// A push subscription naming a push service that is not allowed (or Riegel itself), or
    /// with keys that are not a subscription's.
    PushSubscriptionRefused,
    /// A passkey's name: empty, longer than 60 characters, or with control characters.
    PasskeyNameInvalid,
    /// No passkey of the account has this id.
    PasskeyUnknown,
    /// A login with a passkey alone that did not pass (a key Riegel does not know, or an
    /// answer that is not valid): the password still works.
    PasskeyLoginRefused,
}

#[cfg(feature = "ssr")]
impl From<crate::domain::password::WeakPassword> for InputError {
    fn from(w: crate::domain::password::WeakPassword) -> Self {
        use crate::domain::password::WeakPassword as W;
        match w {
            W::TooShort => InputError::PasswordTooShort,
            W::TooLong => InputError::PasswordTooLong,
            W::Personal => InputError::PasswordPersonal,
            W::Common => InputError::PasswordCommon,
            W::Pattern => InputError::PasswordPattern,
            W::Guessable => InputError::PasswordGuessable,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Unknown e-mail, wrong password and disabled account alike (SPEC 1.1).
    #[error("e-mail address or password is not correct")]
    InvalidCredentials,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: i64 },
    #[error("invalid input: {0:?}")]
    Input(InputError),
    /// The account is locked after a correct password (SPEC 1.6, 4.1).
    #[error("account locked until {until}")]
    AccountLocked { until: i64, until_text: String, support: String },
    /// A setup code quota is used up; nothing is locked (SPEC 2.3).
    #[error("code quota used up until {free_at}")]
    QuotaExceeded { free_at: i64, free_at_text: String },
    /// "Resend" was pressed before its countdown ended.
    #[error("wait {retry_after_secs} s before the next code")]
    Cooldown { retry_after_secs: i64 },
    #[error("wrong or expired code; {tries_left} tries left")]
    CodeWrong { tries_left: u32 },
    /// A passkey's answer that did not pass the challenge (another site's, another account's
    /// key, a removed key, no user verification): a wrong entry like a wrong code.
    #[error("the passkey was not accepted; {tries_left} tries left")]
    PasskeyWrong { tries_left: u32 },
    /// Too many wrong codes: a new code must be requested (SPEC 3.3).
    #[error("too many wrong codes")]
    ChallengeExhausted,
    /// The action needs a TAN: one was sent (or is still valid) for exactly these data.
    #[error("a TAN is required")]
    TanRequired { description: String, phone: String, cooldown_secs: i64, tries_left: u32 },
    /// The action needs a TAN and the account confirms TANs with a passkey (SPEC 14.3): the
    /// ceremony's options (WebAuthn's JSON) for exactly these data; SMS to `phone` remains.
    #[error("a TAN is required: confirm with a passkey")]
    TanPasskeyRequired { description: String, options: String, phone: String, tries_left: u32 },
    #[error("wrong TAN; {tries_left} tries left")]
    TanWrong { tries_left: u32 },
    /// Three wrong TANs in a row: every protected action is refused until support unlocks.
    #[error("the TAN system is locked")]
    TanLocked,
    /// No valid TAN for this action (expired or never sent): request a new one.
    #[error("the TAN has expired")]
    TanExpired,
    /// The data changed after the TAN was issued: the TAN is void.
    #[error("the data changed after the TAN was issued")]
    TanVoid,
    #[error("TAN quota used up until {free_at}")]
    TanQuotaExceeded { free_at: i64, free_at_text: String },
    /// The requester's network triggered too many SMS in the quota window (SMS pumping).
    #[error("SMS from this network capped until {free_at}")]
    SmsCapped { free_at: i64, free_at_text: String },
    /// A code was sent to the new e-mail address; it must be entered to go on.
    #[error("a code was sent to the new address")]
    EmailCodeRequired { to: String, cooldown_secs: i64 },
    /// An e-mailed link that is unknown, used, replaced, expired or another account's.
    #[error("the link is invalid or has expired")]
    LinkInvalid,
    /// The registration in this browser ran out of time or tries; it must start again.
    #[error("the registration has expired")]
    RegistrationExpired,
    /// The portal area needs an organisation (support agents have none).
    #[error("no organisation")]
    NoOrganisation,
    /// The session is at another login step than the request belongs to.
    #[error("this step does not fit the session; go to {home}")]
    WrongStep { home: String },
    #[error("not logged in")]
    NotAuthenticated,
    #[error("request refused")]
    Forbidden,
    /// A support agent acting on their own account: another agent must (SPEC 6.4).
    #[error("support agents cannot act on their own account")]
    OwnAccount,
    #[error("malformed request")]
    BadRequest,
    #[error("internal error")]
    Internal,
    #[error("the server could not be reached")]
    Unreachable,
    /// The device has not answered the push yet.
    #[error("the device has not answered yet")]
    PushPending,
    /// The device denied the push (or a wrong number was picked).
    #[error("the login was denied on the device")]
    PushDenied,
    /// The push expired before an answer, or was answered already.
    #[error("the push request expired")]
    PushExpired,
    /// A pairing link on a browser that is a paired device already, without the confirmation
    /// that it may replace that pairing.
    #[error("this device is paired already; confirm the replacement")]
    PairingUnconfirmed,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Unreachable,
            _ => AppError::Internal,
        }
    }

    /// Every error answer of a server function is made here: server_fn serializes the error
    /// into the body of an answer it gives status 500 (`ServerFn::run_on_server`), and
    /// leptos_axum then applies the `ResponseOptions` of the request. So on the server the
    /// answer gets this error's own status and `Retry-After` here, for every server function
    /// and also for a request whose arguments do not decode.
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        self.set_answer_status();
        JsonEncoding::encode(self).unwrap_or_else(|_| Bytes::from_static(b"\"Internal\""))
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs an internal failure in full and returns the generic error the user sees.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        AppError::Internal
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::InvalidCredentials | AppError::NotAuthenticated => S::UNAUTHORIZED,
            AppError::TooManyAttempts { .. } | AppError::QuotaExceeded { .. } | AppError::Cooldown { .. } => {
                S::TOO_MANY_REQUESTS
            }
            AppError::AccountLocked { .. } => S::LOCKED,
            AppError::CodeWrong { .. } | AppError::PasskeyWrong { .. } => S::UNPROCESSABLE_ENTITY,
            AppError::ChallengeExhausted | AppError::WrongStep { .. } => S::CONFLICT,
            AppError::TanRequired { .. } | AppError::TanPasskeyRequired { .. } | AppError::EmailCodeRequired { .. } => {
                S::PRECONDITION_REQUIRED
            }
            AppError::TanWrong { .. } | AppError::TanExpired | AppError::TanVoid => S::UNPROCESSABLE_ENTITY,
            AppError::TanLocked => S::LOCKED,
            AppError::TanQuotaExceeded { .. } | AppError::SmsCapped { .. } => S::TOO_MANY_REQUESTS,
            AppError::NoOrganisation => S::FORBIDDEN,
            AppError::LinkInvalid | AppError::RegistrationExpired => S::GONE,
            AppError::Busy { .. } => S::SERVICE_UNAVAILABLE,
            AppError::Input(_) => S::UNPROCESSABLE_ENTITY,
            AppError::Forbidden | AppError::OwnAccount => S::FORBIDDEN,
            AppError::BadRequest => S::BAD_REQUEST,
            AppError::Internal | AppError::Unreachable => S::INTERNAL_SERVER_ERROR,
            AppError::PushPending | AppError::PairingUnconfirmed => S::CONFLICT,
            AppError::PushDenied => S::FORBIDDEN,
            AppError::PushExpired => S::GONE,
        }
    }

    /// Sets this error's status and `Retry-After` on the answer of the server function being
    /// run. A form post without JavaScript, which server_fn and leptos_axum recognise by an
    /// `Accept` naming `text/html`, is answered by a 302 back to its page with the error in the
    /// query string and must stay one: leptos_axum applies a status set here over that 302.
    fn set_answer_status(&self) {
        use leptos::prelude::use_context;
        let (Some(res), Some(parts)) =
            (use_context::<leptos_axum::ResponseOptions>(), use_context::<http::request::Parts>())
        else {
            return;
        };
        let form_post = parts
            .headers
            .get(http::header::ACCEPT)
            .is_some_and(|v| String::from_utf8_lossy(v.as_bytes()).contains("text/html"));
        if form_post {
            return;
        }
        res.set_status(self.status());
        if let Some(secs) = self.retry_after() {
            res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
    }

    /// Seconds for a `Retry-After` header, where the error has one.
    pub fn retry_after(&self) -> Option<i64> {
        match self {
            AppError::TooManyAttempts { retry_after_secs }
            | AppError::Busy { retry_after_secs }
            | AppError::Cooldown { retry_after_secs } => Some((*retry_after_secs).max(1)),
            _ => None,
        }
    }
}
