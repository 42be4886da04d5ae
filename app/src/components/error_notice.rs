use leptos::prelude::*;

use super::{LocalTime, use_locale};
use crate::{
    i18n::*,
    wire::{AppError, InputError},
};

/// An error as a sentence in the user's language, announced to screen readers.
#[component]
pub fn ErrorNotice(err: AppError) -> impl IntoView {
    let locale = use_locale();
    let text = match err {
        AppError::InvalidCredentials => td!(locale, errors.invalid_credentials).into_any(),
        AppError::TooManyAttempts { retry_after_secs } => {
            td!(locale, errors.too_many_attempts, secs = move || retry_after_secs).into_any()
        }
        AppError::Busy { retry_after_secs } => td!(locale, errors.busy, secs = move || retry_after_secs).into_any(),
        AppError::AccountLocked { until, until_text, support } => td!(
            locale,
            errors.account_locked,
            until = move || view! { <LocalTime unix=until text=until_text.clone() /> },
            support = move || support.clone()
        )
        .into_any(),
        AppError::QuotaExceeded { free_at, free_at_text } => td!(
            locale,
            errors.quota_exceeded,
            at = move || view! { <LocalTime unix=free_at text=free_at_text.clone() /> }
        )
        .into_any(),
        AppError::Cooldown { retry_after_secs } => {
            td!(locale, errors.cooldown, secs = move || retry_after_secs).into_any()
        }
        AppError::CodeWrong { tries_left } => td!(locale, errors.code_wrong, tries = move || tries_left).into_any(),
        AppError::PasskeyWrong { tries_left } => {
            td!(locale, errors.passkey_wrong, tries = move || tries_left).into_any()
        }
        AppError::ChallengeExhausted => td!(locale, errors.challenge_exhausted).into_any(),
        AppError::WrongStep { .. } => td!(locale, errors.wrong_step).into_any(),
        AppError::TanRequired { .. } | AppError::TanPasskeyRequired { .. } => {
            td!(locale, errors.tan_required).into_any()
        }
        AppError::TanWrong { tries_left } => td!(locale, errors.tan_wrong, tries = move || tries_left).into_any(),
        AppError::TanLocked => td!(locale, errors.tan_locked).into_any(),
        AppError::TanExpired => td!(locale, errors.tan_expired).into_any(),
        AppError::TanVoid => td!(locale, errors.tan_void).into_any(),
        AppError::TanQuotaExceeded { free_at, free_at_text } => {
            td!(locale, errors.tan_quota, at = move || view! { <LocalTime unix=free_at text=free_at_text.clone() /> })
                .into_any()
        }
        AppError::SmsCapped { free_at, free_at_text } => {
            td!(locale, errors.sms_capped, at = move || view! { <LocalTime unix=free_at text=free_at_text.clone() /> })
                .into_any()
        }
        AppError::NoOrganisation => td!(locale, errors.no_organisation).into_any(),
        AppError::LinkInvalid => td!(locale, errors.link_invalid).into_any(),
        AppError::PushPending => td!(locale, errors.push_pending).into_any(),
        AppError::PushDenied => td!(locale, errors.push_denied).into_any(),
        AppError::PushExpired => td!(locale, errors.push_expired).into_any(),
        AppError::PairingUnconfirmed => td!(locale, errors.pairing_unconfirmed).into_any(),
        AppError::RegistrationExpired => td!(locale, errors.registration_expired).into_any(),
        AppError::EmailCodeRequired { to, .. } => {
            td!(locale, errors.email_code_required, to = move || to.clone()).into_any()
        }
        AppError::Input(input) => match input {
            InputError::EmailMalformed => td!(locale, errors.email_malformed).into_any(),
            InputError::PasswordMissing => td!(locale, errors.password_missing).into_any(),
            InputError::PasswordTooLong => td!(locale, errors.password_too_long).into_any(),
            InputError::CodeMalformed => td!(locale, errors.code_malformed).into_any(),
            InputError::PhoneMalformed => td!(locale, errors.phone_malformed).into_any(),
            InputError::PhoneNotMobile => td!(locale, errors.phone_not_mobile).into_any(),
            InputError::PhoneCountryNotAllowed => td!(locale, errors.phone_country_not_allowed).into_any(),
            InputError::MethodUnavailable => td!(locale, errors.method_unavailable).into_any(),
            InputError::TanMalformed => td!(locale, errors.tan_malformed).into_any(),
            InputError::IbanInvalid => td!(locale, errors.iban_invalid).into_any(),
            InputError::BicInvalid => td!(locale, errors.bic_invalid).into_any(),
            InputError::HolderMissing => td!(locale, errors.holder_missing).into_any(),
            InputError::InvoiceNumberInvalid => td!(locale, errors.invoice_number_invalid).into_any(),
            InputError::InvoiceNumberTaken => td!(locale, errors.invoice_number_taken).into_any(),
            InputError::InvoiceDateInvalid => td!(locale, errors.invoice_date_invalid).into_any(),
            InputError::AmountInvalid => td!(locale, errors.amount_invalid).into_any(),
            InputError::ThresholdInvalid => td!(locale, errors.threshold_invalid).into_any(),
            InputError::PasswordTooShort => td!(locale, errors.password_too_short).into_any(),
            InputError::CurrentPasswordWrong => td!(locale, errors.current_password_wrong).into_any(),
            InputError::EmailUnchanged => td!(locale, errors.email_unchanged).into_any(),
            InputError::EmailUnavailable => td!(locale, errors.email_unavailable).into_any(),
            InputError::PasswordPersonal => td!(locale, errors.password_personal).into_any(),
            InputError::PasswordCommon => td!(locale, errors.password_common).into_any(),
            InputError::PasswordPattern => td!(locale, errors.password_pattern).into_any(),
            InputError::PasswordGuessable => td!(locale, errors.password_guessable).into_any(),
            InputError::CompanyMissing => td!(locale, errors.company_missing).into_any(),
            InputError::NameMissing => td!(locale, errors.name_missing).into_any(),
            InputError::ReasonMissing => td!(locale, errors.reason_missing).into_any(),
            InputError::SearchTooShort => td!(locale, errors.search_too_short).into_any(),
            InputError::TotpNotStarted => td!(locale, errors.totp_not_started).into_any(),
            InputError::TotpCodeWrong => td!(locale, errors.totp_code_wrong).into_any(),
            InputError::PasskeyUnavailable => td!(locale, errors.passkey_unavailable).into_any(),
            InputError::TanWayUnavailable => td!(locale, errors.tan_way_unavailable).into_any(),
            InputError::PushSubscriptionRefused => td!(locale, errors.push_subscription_refused).into_any(),
            InputError::PasskeyMalformed => td!(locale, errors.passkey_malformed).into_any(),
            InputError::PasskeyNotStarted => td!(locale, errors.passkey_not_started).into_any(),
            InputError::PasskeyRefused => td!(locale, errors.passkey_refused).into_any(),
            InputError::PasskeyLoginRefused => td!(locale, errors.passkey_login_refused).into_any(),
            InputError::PasskeyTaken => td!(locale, errors.passkey_taken).into_any(),
            InputError::PasskeyNameInvalid => td!(locale, errors.passkey_name_invalid).into_any(),
            InputError::PasskeyUnknown => td!(locale, errors.passkey_unknown).into_any(),
        },
        AppError::NotAuthenticated => td!(locale, errors.not_authenticated).into_any(),
        AppError::Forbidden => td!(locale, errors.forbidden).into_any(),
        AppError::OwnAccount => td!(locale, errors.own_account).into_any(),
        AppError::BadRequest => td!(locale, errors.bad_request).into_any(),
        AppError::Internal => td!(locale, errors.internal).into_any(),
        AppError::Unreachable => td!(locale, errors.unreachable).into_any(),
    };
    view! {
        <p class="notice notice-error" role="alert">
            {text}
        </p>
    }
}

/// The first error among several actions' results, for a page with several forms.
pub fn first_error<const N: usize>(results: [Option<Result<(), AppError>>; N]) -> Option<AppError> {
    results.into_iter().flatten().find_map(Result::err)
}
