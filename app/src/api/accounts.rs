//! Accounts (SPEC 2.1, 6.1, 6.3, 6.5): self-registration, invitations and the team page,
//! the forgotten password, and the user's own security activity.

pub use crate::wire::accounts::*;
use leptos::prelude::*;

use super::AppError;

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

#[server(name = GetInvitation, prefix = "/api", endpoint = "invitation")]
pub async fn invitation(token: String) -> Result<InvitationInfo, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::accounts::invitation(&state, &ctx, &token).await
}

/// The invited colleague sets a password and goes on to MFA setup.
#[server(prefix = "/api", endpoint = "invitation/accept")]
pub async fn accept_invitation(token: String, password: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::accounts, tools::crypto::Secret};
    let (state, ctx) = super::context::request()?;
    let session = accounts::accept_invitation(&state, &ctx, &token, Secret::new(password)).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&session))?;
    leptos_axum::redirect("/mfa/setup");
    Ok(())
}

#[server(name = GetTeam, prefix = "/api", endpoint = "team")]
pub async fn team() -> Result<Vec<TeamMember>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::accounts::team(&state, &ctx).await
}

/// An admin invites a colleague (TAN per the admin mode, SPEC 5.3).
#[server(prefix = "/api", endpoint = "team/invite")]
pub async fn invite(full_name: String, email: String, tan: Option<String>) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = tan.filter(|t| !t.trim().is_empty());
    crate::backend::services::accounts::invite(&state, &ctx, &full_name, &email, tan.as_deref()).await
}

/// An admin disables or re-enables a colleague's account (TAN per the admin mode).
#[server(prefix = "/api", endpoint = "team/enabled")]
pub async fn set_account_enabled(user_id: i64, enabled: bool, tan: Option<String>) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = tan.filter(|t| !t.trim().is_empty());
    crate::backend::services::accounts::set_enabled(&state, &ctx, user_id, enabled, tan.as_deref()).await
}

/// "Forgot password": always answers the same, whether or not an account has the address.
#[server(prefix = "/api", endpoint = "password/forgot")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::account_recovery::request_password_reset(&state, &ctx, &email).await?;
    // The page says what happened, with or without JavaScript.
    leptos_axum::redirect("/password/forgot?sent=1");
    Ok(())
}

/// Follows a forgotten-password link (a button, so mail scanners that open links do not use
/// it up): the MFA challenge comes next.
#[server(prefix = "/api", endpoint = "password/reset")]
pub async fn follow_password_reset(token: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::account_recovery};
    let (state, ctx) = super::context::request()?;
    let session = account_recovery::follow_password_reset(&state, &ctx, &token).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&session))?;
    leptos_axum::redirect("/mfa");
    Ok(())
}

/// Whether a phone-reset link is still good (its page shows the login form only then).
#[server(name = CheckPhoneResetLink, prefix = "/api", endpoint = "phone/reset/check")]
pub async fn check_phone_reset_link(token: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::account_recovery::check_phone_reset_link(&state, &ctx, &token).await
}

/// The new password after the challenge; every session ends, the user logs in again.
#[server(prefix = "/api", endpoint = "password/new")]
pub async fn set_new_password(password: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::account_recovery, tools::crypto::Secret};
    let (state, ctx) = super::context::request()?;
    account_recovery::set_new_password(&state, &ctx, Secret::new(password)).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).clear())?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

/// The logged-in user's own recent security activity.
#[server(name = GetActivity, prefix = "/api", endpoint = "activity")]
pub async fn activity() -> Result<Vec<ActivityItem>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::accounts::activity(&state, &ctx).await
}
