//! The OpenID Connect endpoints over HTTP (SPEC 11): discovery, JWKS, authorization, token,
//! userinfo and logout. The rules live in `app::domain::oidc`, the use cases in
//! `app::backend::services::{oidc_login, oidc_tokens}`; this module reads requests and writes
//! answers.

use app::{
    backend::{
        login::sessions::CookieJar,
        request::RequestCtx,
        services::{
            oidc_login::{self, AfterLogin, Authorize, WaitFor},
            oidc_tokens::{self, ClientAuth, EndSession, TokenError},
        },
        state::AppState,
    },
    domain::{
        lang::Lang,
        oidc::{Params, REQUEST_TTL_SECS},
    },
    wire::AppError,
};
use axum::{
    Form, Json, Router,
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize))
        .route("/oidc/token", axum::routing::post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
        .route("/oidc/logout", get(logout))
        .route("/oidc/resume", get(resume))
}

/// A request's parameters by name. A repeated parameter is refused (RFC 6749 3.1), an empty
/// one counts as absent. Public for the fuzz targets.
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    pub fn repeated(&self) -> Option<&str> {
        let mut seen = std::collections::HashSet::new();
        self.0.iter().map(|(k, _)| k.as_str()).find(|k| !seen.insert(*k))
    }
}

impl Params for Pairs {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

fn failure(err: &AppError) -> Response {
    let mut res = (err.status(), Json(err)).into_response();
    if let Some(secs) = err.retry_after()
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

async fn discovery(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(oidc_tokens::discovery(&state))
}

async fn jwks(State(state): State<AppState>) -> Response {
    match oidc_tokens::jwks(&state).await {
        Ok(keys) => ([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)).into_response(),
        Err(e) => failure(&e),
    }
}

/// An error page for a request Riegel cannot send back: the client or its redirect URI is
/// wrong. The reason stays in English, for the application's developer.
fn error_page(lang: Lang, why: &str) -> Response {
    let (title, text) = match lang {
        Lang::De => (
            "Anmeldung nicht möglich",
            "Die Anwendung hat eine ungültige Anmeldeanfrage geschickt. Bitte wenden Sie sich an ihren Betreiber.",
        ),
        Lang::En => {
            ("Login not possible", "The application sent an invalid login request. Please contact its operator.")
        }
    };
    let code = match lang {
        Lang::De => "de",
        Lang::En => "en",
    };
    let why = crate::dev::escape(why);
    let body = format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p><p><code>{why}</code></p></main></body></html>"
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

async fn authorize(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let ctx = match RequestCtx::read(&state, &parts) {
        Ok(ctx) => ctx,
        Err(e) => return failure(&e),
    };
    let params = Pairs(query);
    if let Some(name) = params.repeated() {
        return error_page(ctx.lang, &format!("the parameter {name} is repeated"));
    }
    match oidc_login::authorize(&state, &ctx, &params).await {
        Ok(Authorize::Redirect(url)) => Redirect::to(&url).into_response(),
        Ok(Authorize::Refused(why)) => error_page(ctx.lang, why),
        Ok(Authorize::Wait { request_cookie, return_origin, next }) => {
            let dev = state.config.dev_mode;
            // The browser forgets the request when the server would refuse it anyway.
            let lasting = |cookie: String| format!("{cookie}; Max-Age={REQUEST_TTL_SECS}");
            let mut cookies = vec![
                lasting(CookieJar::oidc_request(dev).set(&request_cookie)),
                lasting(CookieJar::oidc_origin(dev).set(&app::backend::tools::crypto::Secret::new(return_origin))),
            ];
            if let Some(lang) = params.get("ui_locales").and_then(ui_locale) {
                cookies.push(format!("i18n_pref_locale={lang}; Path=/; Max-Age=31536000; SameSite=Lax"));
            }
            let target = match (next, params.get("login_hint")) {
                (WaitFor::Login | WaitFor::NewLogin, Some(hint)) => format!(
                    "{}{}email={}",
                    next.path(),
                    if next == WaitFor::Login { "?" } else { "&" },
                    percent_encoding::utf8_percent_encode(hint, percent_encoding::NON_ALPHANUMERIC)
                ),
                (next, _) => next.path().to_owned(),
            };
            redirect_setting(&target, cookies)
        }
        Err(e) => failure(&e),
    }
}

/// The first of `ui_locales` Riegel speaks.
fn ui_locale(locales: &str) -> Option<&'static str> {
    locales.split(' ').find_map(|l| match l.split('-').next() {
        Some("de") => Some("de"),
        Some("en") => Some("en"),
        _ => None,
    })
}

/// The credentials after an `Authorization` scheme, whose name is case-insensitive (RFC 7235).
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (name, rest) = value.split_once(' ')?;
    name.eq_ignore_ascii_case(scheme).then_some(rest.trim_start())
}

/// `client_secret_basic`: `id:secret`, each form-encoded (RFC 6749 2.3.1). Public for the fuzz
/// targets.
pub fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = strip_scheme(value, "Basic")?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8().map(|c| c.into_owned()).map_err(|_| ())
    };
    let decoded = STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    Some(match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((id, secret)) => decode(id).and_then(|id| decode(secret).map(|secret| (id, secret))),
        None => Err(()),
    })
}

fn token_error(e: TokenError) -> Response {
    let status = if e == TokenError::InvalidClient { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
    let body = serde_json::json!({ "error": e.code(), "error_description": e.description() });
    let mut res = (status, Json(body)).into_response();
    if e == TokenError::InvalidClient {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"riegel\""));
    }
    res
}

async fn token(State(state): State<AppState>, parts: Parts, Form(form): Form<Vec<(String, String)>>) -> Response {
    let ctx = match RequestCtx::read(&state, &parts) {
        Ok(ctx) => ctx,
        Err(e) => return failure(&e),
    };
    let params = Pairs(form);
    if params.repeated().is_some() {
        return token_error(TokenError::InvalidRequest("a parameter is repeated"));
    }
    let basic = basic_credentials(&parts.headers);
    let auth = match (&basic, params.get("client_id"), params.get("client_secret")) {
        (Some(_), _, Some(_)) => {
            return token_error(TokenError::InvalidRequest("one client authentication method only"));
        }
        (Some(Ok((id, secret))), _, None) => Some(ClientAuth::Secret { id, secret }),
        (Some(Err(())), _, None) => None,
        (None, Some(id), Some(secret)) => Some(ClientAuth::Secret { id, secret }),
        (None, Some(id), None) => Some(ClientAuth::Public { id }),
        (None, None, _) => None,
    };
    match oidc_tokens::token(&state, &ctx, auth, &params).await {
        // `Cache-Control: no-store` is the guard's, as on every answer but static files.
        Ok(Ok(tokens)) => Json(tokens).into_response(),
        Ok(Err(e)) => token_error(e),
        Err(e) => failure(&e),
    }
}

async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| strip_scheme(v, "Bearer"))
        .map(str::trim);
    let unauthorized = || {
        let challenge = HeaderValue::from_static("Bearer error=\"invalid_token\"");
        (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)]).into_response()
    };
    let Some(bearer) = bearer else { return unauthorized() };
    match oidc_tokens::userinfo(&state, bearer).await {
        Ok(Some(claims)) => Json(claims).into_response(),
        Ok(None) => unauthorized(),
        Err(e) => failure(&e),
    }
}

async fn logout(State(state): State<AppState>, parts: Parts, Query(query): Query<Vec<(String, String)>>) -> Response {
    let ctx = match RequestCtx::read(&state, &parts) {
        Ok(ctx) => ctx,
        Err(e) => return failure(&e),
    };
    match oidc_tokens::end_session(&state, &ctx, &Pairs(query)).await {
        Ok(EndSession::Done { target, ended }) => {
            // The session ends, and an application's request waiting in this browser with it.
            let dev = state.config.dev_mode;
            let jars = [CookieJar::session(dev), CookieJar::oidc_request(dev), CookieJar::oidc_origin(dev)];
            redirect_setting(&target, jars.into_iter().filter(|_| ended).map(CookieJar::clear))
        }
        Ok(EndSession::Refused(why)) => error_page(ctx.lang, why),
        Err(e) => failure(&e),
    }
}

/// After a first MFA setup: on to the application waiting for this login, if one is, and if
/// the browser's login answers its request (else to a new login, the request still waiting).
async fn resume(State(state): State<AppState>, parts: Parts) -> Response {
    let ctx = match RequestCtx::read(&state, &parts) {
        Ok(ctx) => ctx,
        Err(e) => return failure(&e),
    };
    let dev = state.config.dev_mode;
    let (target, answered) = match oidc_login::resume(&state, &ctx).await {
        Ok(AfterLogin::Application(url)) => (url, true),
        Ok(AfterLogin::Confirmation) => (WaitFor::Confirmation.path().to_owned(), false),
        Ok(AfterLogin::LogIn(next)) => (next.path().to_owned(), false),
        Ok(AfterLogin::Riegel) => ("/".to_owned(), ctx.oidc_request.is_some()),
        Err(e) => return failure(&e),
    };
    let cleared = [CookieJar::oidc_request(dev), CookieJar::oidc_origin(dev)].map(CookieJar::clear);
    redirect_setting(&target, cleared.into_iter().filter(|_| answered))
}

/// A 303 to `target` that sets `cookies` (`Set-Cookie` values).
fn redirect_setting(target: &str, cookies: impl IntoIterator<Item = String>) -> Response {
    let mut res = Redirect::to(target).into_response();
    for cookie in cookies {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}
