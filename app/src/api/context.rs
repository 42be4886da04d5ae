//! What a server function reads from its request, and what it sets on the response.

use http::{HeaderValue, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::AppError;
use crate::backend::{AppState, ClientIp, clock, services::RequestCtx, sessions::CookieJar};

/// The state, client IP, clock reading and session token of the current request.
pub(crate) fn request() -> Result<(AppState, RequestCtx), AppError> {
    let state = use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))?;
    let parts = use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from context"))?;
    let ip = parts
        .extensions
        .get::<ClientIp>()
        .map(|c| c.0)
        .ok_or_else(|| AppError::internal("client IP missing from request"))?;
    let jar = CookieJar { dev_mode: state.config.dev_mode };
    let ctx = RequestCtx { ip, now: clock::now(), session_token: jar.token(&parts.headers) };
    Ok((state, ctx))
}

/// Sets the session cookie on the response.
pub(crate) fn set_cookie(value: &str) -> Result<(), AppError> {
    let res = use_context::<ResponseOptions>().ok_or_else(|| AppError::internal("ResponseOptions missing"))?;
    let value = HeaderValue::from_str(value).map_err(AppError::internal)?;
    res.append_header(header::SET_COOKIE, value);
    Ok(())
}
