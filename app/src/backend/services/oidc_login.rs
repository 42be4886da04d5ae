//! An application's login through Riegel (OpenID Connect, issue 15): the authorization
//! endpoint, the continuation after Riegel's own login, and the TAN confirmation of a
//! transaction the application asked for (`authorization_details`). The request rules are in
//! `domain::oidc`; tokens are issued by `services::oidc_tokens`.
//!
//! A login through OpenID Connect is a login: the user meets the same pages, quotas and
//! locks. The authorization request waits in the database behind a cookie of the browser
//! while the user logs in (and confirms); the last step sends the browser back to the
//! application with its code.

use sqlx::AnyConnection;

use super::RequestCtx;
use crate::{
    backend::{
        AppState, access,
        audit::{self, AuditEvent, OidcStep},
        crypto::Secret,
        iban,
        messages::{self, tan::Authorises},
        oidc::{
            self, clients,
            grants::{self, Grant},
        },
        sessions, tan,
    },
    domain::{
        authorization_details::{self, Detail},
        login::LoginState,
        mask,
        oidc::{AuthorizationRequest, CurrentLogin, Decision, Params, RequestError, check_request, decide},
        tan::Action,
        time::Timestamp,
    },
    wire::{AppError, oidc::Confirmation},
};

/// What a waiting request waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    Login,
    /// A new login while the browser has one that does not fit the request.
    NewLogin,
    /// The TAN of its transaction (`authorization_details`).
    Confirmation,
}

impl WaitFor {
    pub const fn path(self) -> &'static str {
        match self {
            WaitFor::Login => "/login",
            WaitFor::NewLogin => "/login?again=1",
            WaitFor::Confirmation => "/oidc/confirm",
        }
    }
}

/// Where the authorization endpoint sends the browser.
#[derive(Debug)]
pub enum Authorize {
    /// Back to the application: its redirect URI with a code, or with an error it should see.
    Redirect(String),
    /// To Riegel's login, or (logged in) to the confirmation of the request's transaction.
    /// The browser gets `request_cookie`; `return_origin` is the application's origin.
    Wait { request_cookie: Secret<String>, return_origin: String, next: WaitFor },
    /// The client or its redirect URI is wrong: an error page, never a redirect.
    Refused(&'static str),
}

pub async fn authorize(state: &AppState, ctx: &RequestCtx, params: &dyn Params) -> Result<Authorize, AppError> {
    let mut conn = state.pool.acquire().await?;
    let Some(client) = clients::find_named(&mut conn, params.get("client_id")).await? else {
        return Ok(Authorize::Refused("unknown client_id"));
    };
    let Some(redirect_uri) = params.get("redirect_uri").filter(|u| client.redirect_uris.iter().any(|r| r == u)) else {
        return Ok(Authorize::Refused("redirect_uri is not registered for this client"));
    };
    let request = match check_request(params, &client.id, redirect_uri, client.is_public(), &iban::electronic) {
        Ok(request) => request,
        Err(e) => return Ok(Authorize::Redirect(error_redirect(state, redirect_uri, params.get("state"), e))),
    };
    let login = current_login(&mut conn, state, ctx.session_token.as_ref(), ctx.now).await?;
    drop(conn);
    let mut tx = state.writer.begin().await?;
    let answer = match (decide(&request, login.map(|(_, l)| l), ctx.now), login) {
        (Decision::Issue, Some(_)) if request.details.is_some() => {
            wait(&mut tx, state, ctx, request, WaitFor::Confirmation).await?
        }
        (Decision::Issue, Some((user_id, login))) => {
            Authorize::Redirect(issue(&mut tx, state, ctx, &request, user_id, login, None).await?)
        }
        (Decision::Issue, None) => return Err(AppError::internal("a code decided without a login")),
        (Decision::Refuse(e), _) => {
            Authorize::Redirect(error_redirect(state, redirect_uri, request.state.as_deref(), e))
        }
        // The session stays until the new login replaces it (the login ends the session it
        // is given), so a link to this endpoint cannot log anyone out.
        (Decision::Login { with_mfa }, _) => {
            let waiting = AuthorizationRequest { asks_mfa: request.asks_mfa || with_mfa, ..request };
            let next = if login.is_some() { WaitFor::NewLogin } else { WaitFor::Login };
            wait(&mut tx, state, ctx, waiting, next).await?
        }
    };
    state.commit(tx).await?;
    Ok(answer)
}

/// Keeps `request` until its user has logged in or confirmed its transaction.
async fn wait(
    tx: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
    request: AuthorizationRequest,
    next: WaitFor,
) -> Result<Authorize, AppError> {
    // Not audited: anyone can make a request wait; what it leads to (a code) is.
    let request_cookie = grants::save_request(tx, &state.keys, &request, ctx.now).await?;
    let return_origin =
        url::Url::parse(&request.redirect_uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    Ok(Authorize::Wait { request_cookie, return_origin, next })
}

/// Where a completed login goes when an application waits for it.
#[derive(Debug)]
pub enum AfterLogin {
    /// No application waits (or its request expired): Riegel's own next page.
    Riegel,
    /// Back to the application with a code; the request is done.
    Application(String),
    /// On to the confirmation of the request's transaction; the request still waits.
    Confirmation,
}

/// The last step of a login when the browser holds a waiting request's cookie. `token` is
/// the new session's.
pub async fn after_login(state: &AppState, ctx: &RequestCtx, token: &Secret<String>) -> Result<AfterLogin, AppError> {
    let Some(cookie) = &ctx.oidc_request else { return Ok(AfterLogin::Riegel) };
    let mut tx = state.writer.begin().await?;
    let Some(request) = grants::waiting_request(&mut tx, &state.keys, cookie, ctx.now).await? else {
        return Ok(AfterLogin::Riegel);
    };
    if request.details.is_some() {
        return Ok(AfterLogin::Confirmation);
    }
    grants::delete_request(&mut tx, &state.keys, cookie).await?;
    let Some((user_id, login)) = current_login(&mut tx, state, Some(token), ctx.now).await? else {
        return Ok(AfterLogin::Riegel);
    };
    // The login just made is the one the request asked for: fresh, and with a second factor
    // where the request said so (the login service saw to it).
    let url = issue(&mut tx, state, ctx, &request, user_id, login, None).await?;
    state.commit(tx).await?;
    Ok(AfterLogin::Application(url))
}

/// `/oidc/resume`, the recovery-code page's way on after a first MFA setup (which answers
/// with that page, not with the application): the same as the end of a login, for the
/// browser's current session.
pub async fn resume(state: &AppState, ctx: &RequestCtx) -> Result<AfterLogin, AppError> {
    match &ctx.session_token {
        Some(token) => after_login(state, ctx, token).await,
        None => Ok(AfterLogin::Riegel),
    }
}

/// What the confirmation page shows: the waiting request's transaction and its application.
/// `None` when no transaction waits for this browser.
pub async fn waiting_confirmation(state: &AppState, ctx: &RequestCtx) -> Result<Option<Confirmation>, AppError> {
    let (mut conn, _, _) = access::member_reading(state, ctx).await?;
    let Some((request, detail)) = waiting_details(&mut conn, state, ctx).await? else { return Ok(None) };
    let application = application_name(&mut conn, &request.client_id).await?;
    let description = describe(ctx, &application, &detail, Naming::Page);
    Ok(Some(Confirmation { application, description }))
}

/// Confirms the waiting transaction with a TAN (the TAN system's rules: every time, bound
/// to the client and these data, 3 wrong in a row lock, the TAN SMS quota). Answers the
/// application's redirect URI with a code that carries the transaction.
pub async fn confirm(state: &AppState, ctx: &RequestCtx, tan_input: Option<&str>) -> Result<String, AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, member) = access::member(&mut tx, state, ctx).await?;
    // No transaction waits (any more): the request expired or was answered.
    let Some((request, detail)) = waiting_details(&mut tx, state, ctx).await? else {
        return Err(AppError::LinkInvalid);
    };
    let application = application_name(&mut tx, &request.client_id).await?;
    let canonical = format!("{}\n{}", request.client_id, detail.canonical());
    let description = describe(ctx, &application, &detail, Naming::Sms);
    let protected = tan::Protected { action: Action::ConfirmForApplication, canonical: &canonical, description };
    let mut tx = tan::require(tx, state, ctx, &session, &member, protected, tan_input).await?;
    if let Some(cookie) = &ctx.oidc_request {
        grants::delete_request(&mut tx, &state.keys, cookie).await?;
    }
    let login = CurrentLogin { auth_time: session.created_at, proof: session.proof };
    let url = issue(&mut tx, state, ctx, &request, member.id, login, Some(detail)).await?;
    state.commit(tx).await?;
    Ok(url)
}

async fn waiting_details(
    conn: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<(AuthorizationRequest, Detail)>, AppError> {
    let Some(cookie) = &ctx.oidc_request else { return Ok(None) };
    let request = grants::waiting_request(conn, &state.keys, cookie, ctx.now).await?;
    Ok(request.and_then(|r| r.details.clone().map(|d| (r, d))))
}

async fn application_name(conn: &mut AnyConnection, client_id: &str) -> Result<String, AppError> {
    Ok(clients::find(conn, client_id).await?.map(|c| c.name).unwrap_or_else(|| client_id.to_owned()))
}

/// How a transaction is named: in the TAN SMS with the IBAN masked (as every TAN SMS does),
/// on the confirmation page in full, with the account holder, so the user sees exactly what
/// the TAN will confirm.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Naming {
    Sms,
    Page,
}

fn describe(ctx: &RequestCtx, application: &str, detail: &Detail, naming: Naming) -> String {
    let shown = |electronic: &str| match naming {
        Naming::Sms => mask::iban(electronic),
        Naming::Page => iban::grouped(electronic),
    };
    let what = match detail {
        Detail::Payment { amount, creditor_iban, reference, .. } => Authorises::ApplicationPayment {
            application,
            cents: authorization_details::cents(amount).unwrap_or_default(),
            iban: &shown(creditor_iban),
            reference,
        },
        Detail::PayoutAccount { iban, account_holder } => Authorises::ApplicationPayoutAccount {
            application,
            iban: &shown(iban),
            holder: (naming == Naming::Page).then_some(account_holder.as_str()),
        },
    };
    messages::tan::describe(ctx.lang, what)
}

/// The logged-in account behind a session token, with when and how it logged in.
async fn current_login(
    conn: &mut AnyConnection,
    state: &AppState,
    token: Option<&Secret<String>>,
    now: Timestamp,
) -> Result<Option<(i64, CurrentLogin)>, AppError> {
    let Some(token) = token else { return Ok(None) };
    let session = sessions::find(conn, &state.keys, token, now, &state.config.policy).await?;
    Ok(session
        .filter(|s| s.stage == LoginState::Authenticated)
        .map(|s| (s.user_id, CurrentLogin { auth_time: s.created_at, proof: s.proof })))
}

async fn issue(
    tx: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
    request: &AuthorizationRequest,
    user_id: i64,
    login: CurrentLogin,
    confirmed: Option<Detail>,
) -> Result<String, AppError> {
    let grant = Grant {
        client_id: request.client_id.clone(),
        user_id,
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        scope: request.scope.clone(),
        auth_time: login.auth_time,
        proof: login.proof,
        details: confirmed,
    };
    let code = grants::issue_code(tx, &state.keys, &grant, ctx.now).await?;
    let confirmed = grant.details.as_ref().map(Detail::masked);
    let event = oidc_event(Some(user_id), request, OidcStep::CodeIssued, confirmed);
    audit::record(tx, ctx.now, Some(ctx.ip), event).await?;
    let mut answer = vec![("code", code.expose().as_str()), ("iss", state.config.link_origin.as_str())];
    answer.extend(request.state.as_deref().map(|s| ("state", s)));
    Ok(oidc::with_query(&request.redirect_uri, &answer))
}

fn oidc_event<'a>(
    user_id: Option<i64>,
    request: &'a AuthorizationRequest,
    step: OidcStep,
    confirmed: Option<String>,
) -> AuditEvent<'a> {
    AuditEvent::Oidc { user_id, client_id: &request.client_id, step, scope: &request.scope, confirmed }
}

fn error_redirect(state: &AppState, redirect_uri: &str, st: Option<&str>, e: RequestError) -> String {
    let mut answer =
        vec![("error", e.code()), ("error_description", e.description()), ("iss", state.config.link_origin.as_str())];
    answer.extend(st.map(|s| ("state", s)));
    oidc::with_query(redirect_uri, &answer)
}
