//! What a server function reads from its request, and what it sets on the response.

use http::{HeaderValue, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::AppError;
use crate::backend::{AppState, ClientIp, RequestCtx, sessions::CookieJar};
use crate::domain::lang::{self, Lang};

/// The state, client IP, clock reading and session token of the current request.
pub(crate) fn request() -> Result<(AppState, RequestCtx), AppError> {
    let state = use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))?;
    let parts = use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from context"))?;
    let ip = parts
        .extensions
        .get::<ClientIp>()
        .map(|c| c.0)
        .ok_or_else(|| AppError::internal("client IP missing from request"))?;
    let dev = state.config.dev_mode;
    let ctx = RequestCtx {
        ip,
        now: state.clock.now(),
        session_token: CookieJar::session(dev).token(&parts.headers),
        registration_token: CookieJar::registration(dev).token(&parts.headers),
        lang: lang_of(&parts.headers),
    };
    Ok((state, ctx))
}

/// The request's language: the switch's cookie, else `Accept-Language`, else German.
pub fn lang_of(headers: &http::HeaderMap) -> Lang {
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == "i18n_pref_locale")
        .map(|(_, v)| v);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    lang::pick(chosen, accept)
}

/// Sets the session cookie on the response.
pub(crate) fn set_cookie(value: &str) -> Result<(), AppError> {
    let res = use_context::<ResponseOptions>().ok_or_else(|| AppError::internal("ResponseOptions missing"))?;
    let value = HeaderValue::from_str(value).map_err(AppError::internal)?;
    res.append_header(header::SET_COOKIE, value);
    Ok(())
}
