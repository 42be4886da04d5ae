//! What a server function reads from its request, and what it sets on the response.

use http::{HeaderValue, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::backend::{login::sessions::CookieJar, request::RequestCtx, state::AppState, tools::crypto::Secret};
use crate::wire::AppError;

/// The state, client IP, clock reading and cookies of the current request.
pub(crate) fn request() -> Result<(AppState, RequestCtx), AppError> {
    let state = use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))?;
    let parts = use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from context"))?;
    let ctx = RequestCtx::read(&state, &parts)?;
    Ok((state, ctx))
}

/// An optional form field as a service takes it: empty or blank is no value.
pub(crate) fn filled(field: Option<String>) -> Option<String> {
    field.filter(|t| !t.trim().is_empty())
}

/// Sets the session cookie on the response.
pub(crate) fn set_cookie(value: &str) -> Result<(), AppError> {
    let res = use_context::<ResponseOptions>().ok_or_else(|| AppError::internal("ResponseOptions missing"))?;
    let value = HeaderValue::from_str(value).map_err(AppError::internal)?;
    res.append_header(header::SET_COOKIE, value);
    Ok(())
}

/// Where a completed login goes: back to an application waiting for it through OpenID
/// Connect (its redirect URI with a code), to the confirmation of its transaction, to a new
/// login when this one does not answer the application's request, else `home`. Sets the new
/// session's cookie.
pub(crate) async fn logged_in(
    state: &AppState,
    ctx: &RequestCtx,
    token: &Secret<String>,
    home: &str,
) -> Result<String, AppError> {
    use crate::backend::services::oidc_login::{self as oidc, AfterLogin, WaitFor};
    let dev = state.config.dev_mode;
    set_cookie(&CookieJar::session(dev).set(token))?;
    if ctx.oidc_request.is_none() {
        return Ok(home.to_owned());
    }
    match oidc::after_login(state, ctx, token).await? {
        AfterLogin::Confirmation => Ok(WaitFor::Confirmation.path().to_owned()),
        AfterLogin::LogIn(next) => Ok(next.path().to_owned()),
        AfterLogin::Application(url) => {
            forget_waiting_request(dev)?;
            Ok(url)
        }
        AfterLogin::Riegel => {
            forget_waiting_request(dev)?;
            Ok(home.to_owned())
        }
    }
}

/// Removes the cookies of a request an application waited for (answered, or its user logged
/// out), and with them the page policy's form target of the application.
pub(crate) fn forget_waiting_request(dev: bool) -> Result<(), AppError> {
    set_cookie(&CookieJar::oidc_request(dev).clear())?;
    set_cookie(&CookieJar::oidc_origin(dev).clear())
}
