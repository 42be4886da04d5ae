//! What a use case knows about the request it serves, read once by the server function (or
//! the plain HTTP handler) that serves it.

use std::net::IpAddr;

use http::{HeaderMap, header, request::Parts};

use super::{
    login::sessions::CookieJar,
    state::{AppState, ClientIp},
    tools::crypto::Secret,
};
use crate::{
    domain::{
        lang::{self, Lang},
        time::Timestamp,
    },
    wire::AppError,
};

/// What a service needs to know about the request it serves.
#[derive(Debug)]
pub struct RequestCtx {
    pub ip: IpAddr,
    /// Read once per request from the clock module.
    pub now: Timestamp,
    pub session_token: Option<Secret<String>>,
    /// The cookie of a self-registration in progress in this browser.
    pub registration_token: Option<Secret<String>>,
    /// The cookie of an OpenID Connect authorization request waiting for this browser's login.
    pub oidc_request: Option<Secret<String>>,
    /// The user's language, for messages that leave the server.
    pub lang: Lang,
}

impl RequestCtx {
    /// Reads the client IP (set by the server's guard), the clock and the cookies.
    pub fn read(state: &AppState, parts: &Parts) -> Result<Self, AppError> {
        let ip = parts
            .extensions
            .get::<ClientIp>()
            .map(|c| c.0)
            .ok_or_else(|| AppError::internal("client IP missing from request"))?;
        let dev = state.config.dev_mode;
        Ok(RequestCtx {
            ip,
            now: state.clock.now(),
            session_token: CookieJar::session(dev).token(&parts.headers),
            registration_token: CookieJar::registration(dev).token(&parts.headers),
            oidc_request: CookieJar::oidc_request(dev).token(&parts.headers),
            lang: lang_of(&parts.headers),
        })
    }
}

/// The request's language: the switch's cookie, else `Accept-Language`, else German.
pub fn lang_of(headers: &HeaderMap) -> Lang {
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
