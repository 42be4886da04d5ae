//! One folder per page.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{
    components::ErrorNotice,
    wire::{AppError, challenge::MfaStatus},
};

/// Shows an MFA step's page, or sends the session to the page of the step it is at.
fn mfa_step(status: Result<MfaStatus, AppError>, setup: bool, render: impl FnOnce(MfaStatus) -> AnyView) -> AnyView {
    match status {
        Ok(s) if s.setup == setup => render(s),
        Ok(s) => view! { <Redirect path=if s.setup { "/mfa/setup" } else { "/mfa" } /> }.into_any(),
        Err(AppError::WrongStep { home }) => view! { <Redirect path=home /> }.into_any(),
        Err(AppError::NotAuthenticated) => view! { <Redirect path="/login" /> }.into_any(),
        Err(err) => view! { <ErrorNotice err /> }.into_any(),
    }
}

// Every page is rendered on the server only; the browser runs just its islands (see
// `crate::islands`). The routes name each page as `pages::XPage`, its one path.
pub use self::{
    activity::ActivityPage,
    bank::BankPage,
    confirm::ConfirmPage,
    home::HomePage,
    invitation::InvitationPage,
    invoices::InvoicesPage,
    login::LoginPage,
    mfa::MfaPage,
    not_found::NotFoundPage,
    recovery::{ForgotPasswordPage, NewPasswordPage, PhoneResetPage, ResetPasswordPage},
    recovery_codes::RecoveryCodesPage,
    register::RegisterPage,
    settings::SettingsPage,
    setup::SetupPage,
    support::SupportPage,
    team::TeamPage,
};

mod activity;
mod bank;
mod confirm;
mod home;
mod invitation;
mod invoices;
mod login;
mod mfa;
mod not_found;
mod recovery;
mod recovery_codes;
mod register;
mod settings;
mod setup;
mod support;
mod team;
