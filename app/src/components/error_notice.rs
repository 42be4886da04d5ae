use leptos::prelude::*;

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
        AppError::Input(InputError::EmailMalformed) => t!(i18n, errors.email_malformed).into_any(),
        AppError::Input(InputError::PasswordMissing) => t!(i18n, errors.password_missing).into_any(),
        AppError::Input(InputError::PasswordTooLong) => t!(i18n, errors.password_too_long).into_any(),
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
