//! Self-registration (SPEC 2.1): company, name, e-mail and password, then the e-mail code,
//! then MFA setup.

use leptos::prelude::*;

use crate::wire::{AppError, registration::RegistrationStatus};

/// Registration step 1: company, name, e-mail and password; sends the e-mail code.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(company: String, full_name: String, email: String, password: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::registration, tools::crypto::Secret};
    let (state, ctx) = super::context::request()?;
    let token = registration::start(&state, &ctx, &company, &full_name, &email, Secret::new(password)).await?;
    super::context::set_cookie(&CookieJar::registration(state.config.dev_mode).set(&token))?;
    leptos_axum::redirect("/register");
    Ok(())
}

#[server(name = GetRegistration, prefix = "/api", endpoint = "register/status")]
pub async fn registration_status() -> Result<Option<RegistrationStatus>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::registration::status(&state, &ctx).await
}

#[server(prefix = "/api", endpoint = "register/resend")]
pub async fn resend_registration_code() -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::registration::resend(&state, &ctx).await
}

/// Registration step 2: the e-mail code. Success creates the organisation and the account and
/// goes on to MFA setup (step 3).
#[server(prefix = "/api", endpoint = "register/verify")]
pub async fn verify_registration(code: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::registration};
    let (state, ctx) = super::context::request()?;
    let token = registration::verify(&state, &ctx, &code).await?;
    let dev = state.config.dev_mode;
    super::context::set_cookie(&CookieJar::registration(dev).clear())?;
    super::context::set_cookie(&CookieJar::session(dev).set(&token))?;
    leptos_axum::redirect("/mfa/setup");
    Ok(())
}

/// Starts the registration again (another address, a typo).
#[server(prefix = "/api", endpoint = "register/cancel")]
pub async fn cancel_registration() -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::registration};
    let (state, ctx) = super::context::request()?;
    registration::cancel(&state, &ctx).await?;
    super::context::set_cookie(&CookieJar::registration(state.config.dev_mode).clear())?;
    leptos_axum::redirect("/register");
    Ok(())
}
