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
// `crate::islands`).
pub use self::{
    activity::ActivityPage,
    bank::BankPage,
    confirm::ConfirmPage,
    home::HomePage,
    invitation::InvitationPage,
    invoices::InvoicesPage,
    login::LoginPage,
    mfa::MfaPage,
    recovery::{ForgotPasswordPage, NewPasswordPage, PhoneResetPage, ResetPasswordPage},
    recovery_codes::RecoveryCodesPage,
    register::RegisterPage,
    settings::SettingsPage,
    setup::SetupPage,
    support::SupportPage,
    team::TeamPage,
};

pub mod activity;
pub mod bank;
pub mod confirm;
pub mod home;
pub mod invitation;
pub mod invoices;
pub mod login;
pub mod mfa;
pub mod not_found;
pub mod recovery;
pub mod recovery_codes;
pub mod register;
pub mod settings;
pub mod setup;
pub mod support;
pub mod team;
