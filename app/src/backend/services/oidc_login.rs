//! An application's login through Riegel (OpenID Connect, SPEC 11): the authorization
//! endpoint, the continuation after Riegel's own login, and the TAN confirmation of a
//! transaction the application asked for (`authorization_details`). The request rules are in
//! `domain::oidc`; tokens are issued by `services::oidc_tokens`.
//!
//! A login through OpenID Connect is a login: the user meets the same pages, quotas and
//! locks. While the user logs in (and confirms), the authorization request waits in the
//! browser, sealed in a cookie: asking stores nothing and takes no write lock. Every step that
//! issues a code checks the browser's login against what the request asked for (`fit`) in the
//! write transaction that issues it, and settles the request there, so its cookie works once.

use sqlx::AnyConnection;

use crate::{
    backend::{
        audit::{self, AuditEvent, OidcStep},
        db::WriteTx,
        factor::passkey,
        input::iban,
        login::access,
        login::sessions::{self, Session},
        messages::{self, tan::Authorises},
        oidc::{
            self, clients,
            grants::{self, Grant},
        },
        request::RequestCtx,
        state::AppState,
        tan,
        tools::crypto::Secret,
    },
    domain::{
        authorization_details::{self, Detail},
        login::LoginState,
        mask,
        oidc::{
            AuthorizationRequest, CurrentLogin, Decision, Fit, Params, RequestError, SessionTag, WaitingRequest,
            check_request, decide,
        },
        tan::Action,
        time::Timestamp,
    },
    wire::{AppError, oidc_login::Confirmation},
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
    /// The browser gets `request_cookie` (the request, sealed); `return_origin` is the
    /// application's origin.
    Wait { request_cookie: Secret<String>, return_origin: String, next: WaitFor },
    /// The client or its redirect URI is wrong: an error page, never a redirect.
    Refused(&'static str),
}

/// What the authorization endpoint does with a checked request and the browser's login.
enum Step {
    Answer(Authorize),
    Issue { request: Box<AuthorizationRequest>, user_id: i64, login: CurrentLogin },
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
    // A browser without a login is answered on the read path: no code can be issued for it,
    // and its request waits in its own cookie.
    let looked = current_login(&mut conn, state, ctx.session_token.as_ref(), ctx.now).await?;
    drop(conn);
    if looked.is_none() {
        return match step(state, ctx, request, None)? {
            Step::Answer(answer) => Ok(answer),
            Step::Issue { .. } => Err(AppError::internal("a code decided without a login")),
        };
    }
    // A code is decided on the session as the transaction that issues it sees it.
    let mut tx = state.writer.begin().await?;
    let login = current_login(&mut tx, state, ctx.session_token.as_ref(), ctx.now).await?;
    let answer = match step(state, ctx, request, login)? {
        Step::Answer(answer) => answer,
        Step::Issue { request, user_id, login } => {
            Authorize::Redirect(issue(&mut tx, state, ctx, &request, (user_id, login), None).await?)
        }
    };
    state.commit(tx).await?;
    Ok(answer)
}

fn step(
    state: &AppState,
    ctx: &RequestCtx,
    request: AuthorizationRequest,
    login: Option<(i64, CurrentLogin)>,
) -> Result<Step, AppError> {
    let asked_in = login.map(|(_, l)| l.session);
    Ok(match (decide(&request, login.map(|(_, l)| l), ctx.now), login) {
        (Decision::Issue, Some(_)) if request.details.is_some() => {
            Step::Answer(wait(state, ctx, request, asked_in, WaitFor::Confirmation)?)
        }
        (Decision::Issue, Some((user_id, login))) => Step::Issue { request: Box::new(request), user_id, login },
        (Decision::Issue, None) => return Err(AppError::internal("a code decided without a login")),
        (Decision::Refuse(e), _) => {
            Step::Answer(Authorize::Redirect(error_redirect(state, &request.redirect_uri, request.state.as_deref(), e)))
        }
        // The session stays until the new login replaces it (the login ends the session it
        // is given), so a link to this endpoint cannot log anyone out.
        (Decision::Login { with_mfa }, _) => {
            let waiting = AuthorizationRequest { asks_mfa: request.asks_mfa || with_mfa, ..request };
            let next = if login.is_some() { WaitFor::NewLogin } else { WaitFor::Login };
            Step::Answer(wait(state, ctx, waiting, asked_in, next)?)
        }
    })
}

/// Seals `request` into the browser's cookie until its user has logged in or confirmed its
/// transaction. A request too long for a cookie goes back to the application as an error.
fn wait(
    state: &AppState,
    ctx: &RequestCtx,
    request: AuthorizationRequest,
    asked_in: Option<SessionTag>,
    next: WaitFor,
) -> Result<Authorize, AppError> {
    // Not audited: anyone can make a request wait; what it leads to (a code) is.
    let return_origin =
        url::Url::parse(&request.redirect_uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let waiting = WaitingRequest { request, asked_at: ctx.now, asked_in };
    Ok(match grants::seal_request(&state.keys, &waiting).map_err(AppError::internal)? {
        Some(request_cookie) => Authorize::Wait { request_cookie, return_origin, next },
        None => {
            let (r, e) = (&waiting.request, RequestError::InvalidRequest(TOO_LONG));
            Authorize::Redirect(error_redirect(state, &r.redirect_uri, r.state.as_deref(), e))
        }
    })
}

const TOO_LONG: &str = "the request is too long to wait for the login (state, nonce, login_hint and \
                        authorization_details together)";

/// Where a completed login goes when an application waits for it.
#[derive(Debug)]
pub enum AfterLogin {
    /// No application waits (or its request expired or was answered): Riegel's own next page.
    Riegel,
    /// Back to the application with a code; the request is done.
    Application(String),
    /// On to the confirmation of the request's transaction; the request still waits.
    Confirmation,
    /// The browser's login does not answer the request (older than it allows, or without the
    /// second factor it asks for): a new login first; the request still waits.
    LogIn(WaitFor),
}

/// The last step of a login when the browser holds a waiting request's cookie. `token` is
/// the new session's.
pub async fn after_login(state: &AppState, ctx: &RequestCtx, token: &Secret<String>) -> Result<AfterLogin, AppError> {
    answer_waiting(state, ctx, Some(token)).await
}

/// `/oidc/resume`, the recovery-code page's way on after a first MFA setup (which answers
/// with that page, not with the application): the same as the end of a login, for the
/// browser's current session, whatever it is; one that does not answer the request goes to
/// the login.
pub async fn resume(state: &AppState, ctx: &RequestCtx) -> Result<AfterLogin, AppError> {
    answer_waiting(state, ctx, ctx.session_token.as_ref()).await
}

async fn answer_waiting(
    state: &AppState,
    ctx: &RequestCtx,
    token: Option<&Secret<String>>,
) -> Result<AfterLogin, AppError> {
    let Some(cookie) = &ctx.oidc_request else { return Ok(AfterLogin::Riegel) };
    // A first look on the read path: only a login that answers the request takes the write
    // lock (anyone can send a cookie, a made-up one or one of a request they asked for).
    let mut conn = state.pool.acquire().await?;
    if let Resumption::Answer(answer) = resumption(&mut conn, state, ctx, cookie, token).await? {
        return Ok(answer);
    }
    drop(conn);
    // The code is decided on the request and session as the transaction that issues it sees them.
    let mut tx = state.writer.begin().await?;
    let (waiting, who) = match resumption(&mut tx, state, ctx, cookie, token).await? {
        Resumption::Answer(answer) => return Ok(answer),
        Resumption::Issue(waiting, who) => (waiting, who),
    };
    let Some(url) = issue_waiting(&mut tx, state, ctx, cookie, &waiting.request, who, None).await? else {
        return Ok(AfterLogin::Riegel);
    };
    state.commit(tx).await?;
    Ok(AfterLogin::Application(url))
}

/// What the request behind `cookie` and the login behind `token` call for.
enum Resumption {
    Answer(AfterLogin),
    Issue(Box<WaitingRequest>, (i64, CurrentLogin)),
}

async fn resumption(
    conn: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
    cookie: &Secret<String>,
    token: Option<&Secret<String>>,
) -> Result<Resumption, AppError> {
    let Some(waiting) = grants::waiting_request(conn, &state.keys, cookie, ctx.now).await? else {
        return Ok(Resumption::Answer(AfterLogin::Riegel));
    };
    let Some(who) = current_login(conn, state, token, ctx.now).await? else {
        return Ok(Resumption::Answer(AfterLogin::LogIn(WaitFor::Login)));
    };
    Ok(match waiting.fit(&who.1, ctx.now) {
        // A passkey was asked for and the account has none: no login can answer it.
        Fit::NotPhishingResistant if !passkey::enrolled(conn, who.0).await? => {
            let (r, e) = (&waiting.request, RequestError::UnmetAuthenticationRequirements);
            Resumption::Answer(AfterLogin::Application(error_redirect(state, &r.redirect_uri, r.state.as_deref(), e)))
        }
        Fit::TooOld | Fit::WithoutSecondFactor | Fit::NotPhishingResistant => {
            Resumption::Answer(AfterLogin::LogIn(WaitFor::NewLogin))
        }
        Fit::Fits if waiting.request.details.is_some() => Resumption::Answer(AfterLogin::Confirmation),
        Fit::Fits => Resumption::Issue(Box::new(waiting), who),
    })
}

/// At logout: the request waiting in this browser ends with the login it was for, so the next
/// user of the browser cannot answer it, even with a copy of its cookie. In the logout's write
/// transaction, for a browser that was logged in.
pub async fn give_up_waiting(tx: &mut AnyConnection, state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    if let Some(cookie) = &ctx.oidc_request {
        grants::settle_request(tx, &state.keys, cookie, ctx.now).await?;
    }
    Ok(())
}

/// What the confirmation page shows: the waiting request's transaction and its application.
/// `None` when no transaction waits for this browser; a login that does not answer the request
/// is sent to a new one (`WrongStep`).
pub async fn waiting_confirmation(state: &AppState, ctx: &RequestCtx) -> Result<Option<Confirmation>, AppError> {
    let (mut conn, session, _) = access::member_reading(state, ctx).await?;
    let Some((_, waiting, detail)) = waiting_details(&mut conn, state, ctx).await? else { return Ok(None) };
    match waiting.fit(&login_of(&session), ctx.now) {
        Fit::Fits => {}
        Fit::TooOld | Fit::WithoutSecondFactor | Fit::NotPhishingResistant => {
            return Err(AppError::WrongStep { home: WaitFor::NewLogin.path().to_owned() });
        }
    }
    let application = application_name(&mut conn, &waiting.request.client_id).await?;
    let description = describe(ctx, &application, &detail, Naming::Page);
    Ok(Some(Confirmation { application, description }))
}

/// Where a confirmation sends the browser.
#[derive(Debug)]
pub enum Confirmed {
    /// The application's redirect URI with a code that carries the transaction.
    Application(String),
    /// The browser's login does not answer the request: a new login first (no TAN is sent).
    LogIn(WaitFor),
}

/// Confirms the waiting transaction with a TAN (the TAN system's rules: every time, bound
/// to the client and these data, 3 wrong in a row lock, the TAN SMS quota), for a login that
/// answers the request.
pub async fn confirm(state: &AppState, ctx: &RequestCtx, tan_input: Option<&str>) -> Result<Confirmed, AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, member) = access::member(&mut tx, state, ctx).await?;
    // No transaction waits (any more): the request expired or was answered.
    let Some((cookie, waiting, detail)) = waiting_details(&mut tx, state, ctx).await? else {
        return Err(AppError::LinkInvalid);
    };
    let login = login_of(&session);
    match waiting.fit(&login, ctx.now) {
        Fit::Fits => {}
        Fit::TooOld | Fit::WithoutSecondFactor | Fit::NotPhishingResistant => {
            return Ok(Confirmed::LogIn(WaitFor::NewLogin));
        }
    }
    let request = &waiting.request;
    let application = application_name(&mut tx, &request.client_id).await?;
    let canonical = format!("{}\n{}", request.client_id, detail.canonical());
    let description = describe(ctx, &application, &detail, Naming::Sms);
    let protected = tan::Protected { action: Action::ConfirmForApplication, canonical: &canonical, description };
    let mut tx = tan::require(tx, state, ctx, &session, &member, protected, tan_input).await?;
    let who = (member.id, login);
    let Some(url) = issue_waiting(&mut tx, state, ctx, cookie, request, who, Some(detail)).await? else {
        return Err(AppError::LinkInvalid);
    };
    state.commit(tx).await?;
    Ok(Confirmed::Application(url))
}

/// The browser's waiting request with a transaction to confirm, and its cookie.
async fn waiting_details<'c>(
    conn: &mut AnyConnection,
    state: &AppState,
    ctx: &'c RequestCtx,
) -> Result<Option<(&'c Secret<String>, WaitingRequest, Detail)>, AppError> {
    let Some(cookie) = &ctx.oidc_request else { return Ok(None) };
    let waiting = grants::waiting_request(conn, &state.keys, cookie, ctx.now).await?;
    Ok(waiting.and_then(|w| w.request.details.clone().map(|d| (cookie, w, d))))
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

/// The logged-in account behind a session token, with which session it is and when and how
/// it logged in.
async fn current_login(
    conn: &mut AnyConnection,
    state: &AppState,
    token: Option<&Secret<String>>,
    now: Timestamp,
) -> Result<Option<(i64, CurrentLogin)>, AppError> {
    let Some(token) = token else { return Ok(None) };
    let session = sessions::find(conn, &state.keys, token, now, &state.config.policy).await?;
    Ok(session.filter(|s| s.stage == LoginState::Authenticated).map(|s| (s.user_id, login_of(&s))))
}

fn login_of(session: &Session) -> CurrentLogin {
    CurrentLogin { session: grants::session_tag(&session.id_hash), auth_time: session.created_at, proof: session.proof }
}

/// Issues the code of the request waiting behind `cookie` and settles the request in the
/// same transaction; `None` when it was settled meanwhile (another tab, another instance).
async fn issue_waiting(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    cookie: &Secret<String>,
    request: &AuthorizationRequest,
    who: (i64, CurrentLogin),
    confirmed: Option<Detail>,
) -> Result<Option<String>, AppError> {
    if !grants::settle_request(tx, &state.keys, cookie, ctx.now).await? {
        return Ok(None);
    }
    issue(tx, state, ctx, request, who, confirmed).await.map(Some)
}

async fn issue(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    request: &AuthorizationRequest,
    (user_id, login): (i64, CurrentLogin),
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
