use leptos::prelude::*;

use super::LocalTime;
use crate::{
    api::{AppError, InputError},
    i18n::*,
};

/// An error as a sentence in the user's language, announced to screen readers.
#[component]
pub fn ErrorNotice(err: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let text = match err {
        AppError::InvalidCredentials => t!(i18n, errors.invalid_credentials).into_any(),
        AppError::TooManyAttempts { retry_after_secs } => {
            t!(i18n, errors.too_many_attempts, secs = move || retry_after_secs).into_any()
        }
        AppError::Busy { retry_after_secs } => t!(i18n, errors.busy, secs = move || retry_after_secs).into_any(),
        AppError::AccountLocked { until, until_text, support } => t!(
            i18n,
            errors.account_locked,
            until = move || view! { <LocalTime unix=until text=until_text.clone() /> },
            support = move || support.clone()
        )
        .into_any(),
        AppError::QuotaExceeded { free_at, free_at_text } => {
            t!(i18n, errors.quota_exceeded, at = move || view! { <LocalTime unix=free_at text=free_at_text.clone() /> })
                .into_any()
        }
        AppError::Cooldown { retry_after_secs } => {
            t!(i18n, errors.cooldown, secs = move || retry_after_secs).into_any()
        }
        AppError::CodeWrong { tries_left } => t!(i18n, errors.code_wrong, tries = move || tries_left).into_any(),
        AppError::ChallengeExhausted => t!(i18n, errors.challenge_exhausted).into_any(),
        AppError::WrongStep { .. } => t!(i18n, errors.wrong_step).into_any(),
        AppError::TanRequired { .. } => t!(i18n, errors.tan_required).into_any(),
        AppError::TanWrong { tries_left } => t!(i18n, errors.tan_wrong, tries = move || tries_left).into_any(),
        AppError::TanLocked => t!(i18n, errors.tan_locked).into_any(),
        AppError::TanExpired => t!(i18n, errors.tan_expired).into_any(),
        AppError::TanVoid => t!(i18n, errors.tan_void).into_any(),
        AppError::TanQuotaExceeded { free_at, free_at_text } => {
            t!(i18n, errors.tan_quota, at = move || view! { <LocalTime unix=free_at text=free_at_text.clone() /> })
                .into_any()
        }
        AppError::SmsCapped { free_at, free_at_text } => {
            t!(i18n, errors.sms_capped, at = move || view! { <LocalTime unix=free_at text=free_at_text.clone() /> })
                .into_any()
        }
        AppError::NoOrganisation => t!(i18n, errors.no_organisation).into_any(),
        AppError::LinkInvalid => t!(i18n, errors.link_invalid).into_any(),
        AppError::PushPending => t!(i18n, errors.push_pending).into_any(),
        AppError::PushDenied => t!(i18n, errors.push_denied).into_any(),
        AppError::PushExpired => t!(i18n, errors.push_expired).into_any(),
        AppError::RegistrationExpired => t!(i18n, errors.registration_expired).into_any(),
        AppError::EmailCodeRequired { to, .. } => {
            t!(i18n, errors.email_code_required, to = move || to.clone()).into_any()
        }
        AppError::Input(input) => match input {
            InputError::EmailMalformed => t!(i18n, errors.email_malformed).into_any(),
            InputError::PasswordMissing => t!(i18n, errors.password_missing).into_any(),
            InputError::PasswordTooLong => t!(i18n, errors.password_too_long).into_any(),
            InputError::CodeMalformed => t!(i18n, errors.code_malformed).into_any(),
            InputError::PhoneMalformed => t!(i18n, errors.phone_malformed).into_any(),
            InputError::PhoneNotMobile => t!(i18n, errors.phone_not_mobile).into_any(),
            InputError::PhoneCountryNotAllowed => t!(i18n, errors.phone_country_not_allowed).into_any(),
            InputError::MethodUnavailable => t!(i18n, errors.method_unavailable).into_any(),
            InputError::TanMalformed => t!(i18n, errors.tan_malformed).into_any(),
            InputError::IbanInvalid => t!(i18n, errors.iban_invalid).into_any(),
            InputError::BicInvalid => t!(i18n, errors.bic_invalid).into_any(),
            InputError::HolderMissing => t!(i18n, errors.holder_missing).into_any(),
            InputError::InvoiceNumberInvalid => t!(i18n, errors.invoice_number_invalid).into_any(),
            InputError::InvoiceNumberTaken => t!(i18n, errors.invoice_number_taken).into_any(),
            InputError::InvoiceDateInvalid => t!(i18n, errors.invoice_date_invalid).into_any(),
            InputError::AmountInvalid => t!(i18n, errors.amount_invalid).into_any(),
            InputError::ThresholdInvalid => t!(i18n, errors.threshold_invalid).into_any(),
            InputError::PasswordTooShort => t!(i18n, errors.password_too_short).into_any(),
            InputError::CurrentPasswordWrong => t!(i18n, errors.current_password_wrong).into_any(),
            InputError::EmailUnchanged => t!(i18n, errors.email_unchanged).into_any(),
            InputError::EmailUnavailable => t!(i18n, errors.email_unavailable).into_any(),
            InputError::PasswordPersonal => t!(i18n, errors.password_personal).into_any(),
            InputError::PasswordCommon => t!(i18n, errors.password_common).into_any(),
            InputError::PasswordPattern => t!(i18n, errors.password_pattern).into_any(),
            InputError::PasswordGuessable => t!(i18n, errors.password_guessable).into_any(),
            InputError::CompanyMissing => t!(i18n, errors.company_missing).into_any(),
            InputError::NameMissing => t!(i18n, errors.name_missing).into_any(),
            InputError::ReasonMissing => t!(i18n, errors.reason_missing).into_any(),
            InputError::SearchTooShort => t!(i18n, errors.search_too_short).into_any(),
            InputError::TotpNotStarted => t!(i18n, errors.totp_not_started).into_any(),
            InputError::TotpCodeWrong => t!(i18n, errors.totp_code_wrong).into_any(),
        },
        AppError::NotAuthenticated => t!(i18n, errors.not_authenticated).into_any(),
        AppError::Forbidden => t!(i18n, errors.forbidden).into_any(),
        AppError::BadRequest => t!(i18n, errors.bad_request).into_any(),
        AppError::Internal => t!(i18n, errors.internal).into_any(),
        AppError::Unreachable => t!(i18n, errors.unreachable).into_any(),
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
