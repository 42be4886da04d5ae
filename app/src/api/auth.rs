//! Login, logout, the current user and the chosen language (SPEC 1).

use leptos::prelude::*;

use crate::wire::{AppError, auth::UserInfo};

/// E-mail + password. Success sets a new session cookie and goes to the next step: MFA setup,
/// the MFA challenge, or (from the trusted IP) the start page.
///
/// `phone_reset` carries the token of a support phone-reset link (SPEC 6.2): with the right
/// password it replaces the challenge by the setup of a new phone.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, phone_reset: Option<String>) -> Result<(), AppError> {
    use crate::{
        backend::{login::sessions::CookieJar, services::auth, tools::crypto::Secret},
        domain::login::LoginState,
    };
    let (state, ctx) = super::context::request()?;
    let phone_reset = phone_reset.filter(|t| !t.trim().is_empty());
    let outcome = auth::login(&state, &ctx, &email, Secret::new(password), phone_reset.as_deref()).await?;
    let next = match outcome.stage {
        LoginState::Authenticated => super::context::logged_in(&state, &ctx, &outcome.token, "/").await?,
        stage => {
            super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&outcome.token))?;
            stage.home().to_owned()
        }
    };
    leptos_axum::redirect(&next);
    Ok(())
}

/// Ends the session on the server and removes the cookie, and an application's request
/// waiting in this browser with it.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::auth};
    let (state, ctx) = super::context::request()?;
    auth::logout(&state, &ctx).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).clear())?;
    super::context::forget_waiting_request(state.config.dev_mode)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in user, or `None` for an anonymous visitor.
#[server(name = Me, prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<UserInfo>, AppError> {
    use crate::backend::services::auth;
    let (state, ctx) = super::context::request()?;
    auth::current_user(&state, &ctx).await
}

/// Remembers the chosen language in a cookie (for pages rendered without JavaScript).
#[server(prefix = "/api", endpoint = "locale")]
pub async fn set_locale(locale: String) -> Result<(), AppError> {
    let locale = match locale.as_str() {
        "de" | "en" => locale,
        _ => return Err(AppError::BadRequest),
    };
    super::context::set_cookie(&format!("i18n_pref_locale={locale}; Path=/; Max-Age=31536000; SameSite=Lax"))
}
