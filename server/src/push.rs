//! Push approval over HTTP (SPEC 3.5): the device page `/device` (and its question before a
//! pairing link replaces a pairing), the device's event stream
//! (its open requests) and the login screen's event stream (the state of its push). The
//! rules live in `app::backend::services::push`; this module only streams what they say.
//!
//! Each stream re-reads when the account's push requests change (an in-process broadcast
//! from the service) and every few seconds, so an expiry shows without an event.

use std::{convert::Infallible, time::Duration};

use app::{
    backend::metrics::{OpenStream, Stream as StreamKind},
    backend::{
        events::{CLOSING, RESYNC},
        login::sessions::CookieJar,
        services::push,
        state::AppState,
    },
    domain::lang::Lang,
    wire::AppError,
};
use axum::{
    Router,
    extract::{Query, State},
    response::{
        Html, IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use futures::{Stream, StreamExt as _};
use http::HeaderMap;
use tokio::sync::broadcast::{self, error::RecvError};

/// How often a stream re-reads without being told (for expiries).
const RECHECK: Duration = Duration::from_secs(5);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/device", get(device_page))
        .route("/device/events", get(device_events))
        .route("/api/mfa/push/events", get(login_events))
}

/// A Server-Sent Events answer of `name` events: `read` gives the account the stream belongs
/// to and the current data. Its first answer decides the status (401 for no or a foreign
/// cookie); after that the data is sent whenever it differs from the last sent, re-read when
/// the account's push requests change and every `RECHECK`. The stream ends when `read`
/// fails (the device was removed, the login finished) or the server shuts down. While open,
/// it is counted in `riegel_push_streams_open`.
async fn stream<F, Fut>(
    events: broadcast::Receiver<i64>,
    name: &'static str,
    open: impl FnOnce() -> OpenStream,
    read: F,
) -> Response
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(i64, String), AppError>> + Send + 'static,
{
    let (user_id, first) = match read().await {
        Ok(found) => found,
        Err(err) => return err.status().into_response(),
    };
    let read = move || {
        let next = read();
        async move { next.await.ok().map(|(_, data)| data) }
    };
    let open = open();
    let events = watch(events, user_id, name, first, read).map(move |event| {
        let _counted = &open;
        event
    });
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}

/// The events of [`stream`] after its first: `read` gives the current data (`None` ends the
/// stream).
fn watch<F, Fut>(
    events: broadcast::Receiver<i64>,
    user_id: i64,
    name: &'static str,
    first: String,
    read: F,
) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<String>> + Send,
{
    let start = futures::stream::once({
        let first = first.clone();
        async move { Ok(Event::default().event(name).data(first)) }
    });
    // One timer for the stream: events of other accounts do not postpone the re-read.
    let mut tick = tokio::time::interval(RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.reset();
    let rest = futures::stream::unfold(
        (events, tick, first, read),
        move |(mut events, mut tick, mut last, read)| async move {
            loop {
                let woken = tokio::select! {
                    r = events.recv() => match r {
                        Ok(CLOSING) => return None,
                        // Wake-ups may have been lost (the listener reconnected): read again.
                        Ok(RESYNC) => true,
                        Ok(id) => id == user_id,
                        Err(RecvError::Lagged(_)) => true,
                        Err(RecvError::Closed) => return None,
                    },
                    _ = tick.tick() => true,
                };
                if !woken {
                    continue;
                }
                let now = read().await?;
                if now != last {
                    last = now.clone();
                    return Some((Ok(Event::default().event(name).data(now)), (events, tick, last, read)));
                }
            }
        },
    );
    start.chain(rest)
}

/// The device's open requests, as JSON, whenever they change. A device that is not (or no
/// longer) paired gets 401, and its page says so.
async fn device_events(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = std::sync::Arc::new(CookieJar::device(state.config.dev_mode).token(&headers));
    let events = state.push_events.subscribe();
    let metrics = state.metrics.clone();
    stream(
        events,
        "requests",
        move || metrics.stream_opened(StreamKind::Device),
        move || {
            let (state, token) = (state.clone(), token.clone());
            async move {
                let token = token.as_ref().as_ref().ok_or(AppError::NotAuthenticated)?;
                let (user_id, list) = push::device_requests(&state, token, state.clock.now()).await?;
                Ok((user_id, serde_json::to_string(&list).map_err(AppError::internal)?))
            }
        },
    )
    .await
}

/// The state of the login screen's push (`Pending`, `Approved`, `Denied`, `Expired`, or
/// `None` before one was sent), whenever it changes.
async fn login_events(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = std::sync::Arc::new(CookieJar::session(state.config.dev_mode).token(&headers));
    let events = state.push_events.subscribe();
    let metrics = state.metrics.clone();
    stream(
        events,
        "push",
        move || metrics.stream_opened(StreamKind::Login),
        move || {
            let (state, token) = (state.clone(), token.clone());
            async move {
                let token = token.as_ref().as_ref().ok_or(AppError::NotAuthenticated)?;
                let (user_id, view) = push::session_view(&state, token, state.clock.now()).await?;
                Ok((user_id, view.map_or_else(|| "None".to_owned(), |v| format!("{:?}", v.state))))
            }
        },
    )
    .await
}

/// The device page: an installable web page (see `public/device.webmanifest`) whose script
/// (`public/device.js`) pairs, keeps the key and answers requests. Opened with a pairing link
/// in a browser that is a paired device already, it first asks (also without JavaScript): it
/// names the pairing that would end and the account the link pairs with, and only its
/// confirm form leads to the pairing.
async fn device_page(
    State(state): State<AppState>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Html<String>, http::StatusCode> {
    let css = crate::assets::stylesheet_href(&state.leptos_options);
    let lang = app::backend::request::lang_of(&headers);
    let device = CookieJar::device(state.config.dev_mode).token(&headers);
    let ask = push::device_page(
        &state,
        device.as_ref(),
        query.get("pair").map(String::as_str),
        query.get("replace").map(String::as_str),
        state.clock.now(),
        lang,
    )
    .await
    .map_err(|e| e.status())?;
    let t = texts(lang);
    let body = match (ask, query.get("pair")) {
        (Some(ask), Some(pairing)) => confirmation(&t, &ask, pairing),
        _ => format!(
            "<noscript><p class=\"notice notice-warn\">{noscript}</p></noscript>\
             <p id=\"device-status\" role=\"status\"></p>\
             <ul id=\"device-requests\" class=\"push-requests\"></ul>\
             <p id=\"device-result\" role=\"status\"></p>\
             <p id=\"device-push\" class=\"hint\"></p>\
             <button type=\"button\" id=\"device-notify\" class=\"secondary\" hidden>{notify}</button>",
            noscript = t.noscript,
            notify = t.notify,
        ),
    };
    Ok(Html(format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"manifest\" href=\"/device.webmanifest\">\
         <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\">\
         <link rel=\"stylesheet\" href=\"{css}\">\
         <script type=\"module\" src=\"/device.js\"></script></head>\
         <body><main id=\"main\"><section class=\"card device\" aria-labelledby=\"device-heading\">\
         <h1 id=\"device-heading\">{title}</h1><p>{intro}</p>{body}</section></main></body></html>",
        code = t.code,
        title = t.title,
        intro = t.intro,
    )))
}

/// The device page's words in one language.
struct Texts {
    code: &'static str,
    title: &'static str,
    intro: &'static str,
    noscript: &'static str,
    /// The device page's button that asks for the notification permission (SPEC 15.1).
    notify: &'static str,
    paired_as: &'static str,
    link_pairs: &'static str,
    only_yours: &'static str,
    link_invalid: &'static str,
    replace: &'static str,
    keep: &'static str,
}

fn texts(lang: Lang) -> Texts {
    match lang {
        Lang::De => Texts {
            code: "de",
            title: "Riegel-Authenticator",
            intro: "Auf diesem Gerät bestätigen Sie Anmeldungen am Lieferantenportal.",
            noscript: "Dieses Gerät braucht JavaScript: Es erzeugt seinen Schlüssel und empfängt Anfragen im Browser.",
            notify: "Benachrichtigungen einschalten",
            paired_as: "Dieses Gerät ist schon gekoppelt: Es bestätigt Anmeldungen für das Konto {account} (Gerät „{device}“, gekoppelt am {at}).",
            link_pairs: "Der geöffnete Link koppelt es stattdessen mit dem Konto {account}. Die bisherige Kopplung endet dann: Dieses Gerät bestätigt keine Anmeldungen für {current} mehr.",
            only_yours: "Ersetzen Sie die Kopplung nur, wenn Sie den Link gerade selbst in den Einstellungen Ihres Kontos erzeugt haben.",
            link_invalid: "Der geöffnete Kopplungslink ist ungültig, abgelaufen oder schon benutzt. Die bisherige Kopplung bleibt.",
            replace: "Kopplung ersetzen",
            keep: "Bisherige Kopplung behalten",
        },
        Lang::En => Texts {
            code: "en",
            title: "Riegel authenticator",
            intro: "On this device you approve logins to the supplier portal.",
            noscript: "This device needs JavaScript: it makes its key and receives requests in the browser.",
            notify: "Turn on notifications",
            paired_as: "This device is paired already: it approves logins for the account {account} (device “{device}”, paired on {at}).",
            link_pairs: "The link you opened pairs it with the account {account} instead. The current pairing then ends: this device no longer approves logins for {current}.",
            only_yours: "Replace the pairing only if you have just made this link yourself in your account's settings.",
            link_invalid: "The pairing link you opened is invalid, expired or used already. The current pairing stays.",
            replace: "Replace the pairing",
            keep: "Keep the current pairing",
        },
    }
}

/// The question before a pairing link replaces this device's pairing: what ends, what the link
/// pairs with, and a confirm form that carries the confirmation only this page can show.
fn confirmation(t: &Texts, ask: &push::Replacement, pairing: &str) -> String {
    let current = escape(&ask.current_account);
    let paired_as = t
        .paired_as
        .replace("{account}", &current)
        .replace("{device}", &escape(&ask.current_device))
        .replace("{at}", &escape(&ask.paired_at_text));
    let Some(new_account) = &ask.new_account else {
        return format!(
            "<div id=\"device-confirm\"><p>{paired_as}</p><p class=\"notice notice-error\" role=\"alert\">{invalid}</p>\
             <p><a href=\"/device\">{keep}</a></p></div>",
            invalid = t.link_invalid,
            keep = t.keep
        );
    };
    let link_pairs = t.link_pairs.replace("{account}", &escape(new_account)).replace("{current}", &current);
    format!(
        "<div id=\"device-confirm\"><p class=\"notice notice-warn\" role=\"alert\">{paired_as}</p>\
         <p>{link_pairs}</p><p>{only_yours}</p>\
         <form method=\"get\" action=\"/device\">\
         <input type=\"hidden\" name=\"pair\" value=\"{pairing}\">\
         <input type=\"hidden\" name=\"replace\" value=\"{confirmation}\">\
         <button type=\"submit\" class=\"secondary\">{replace}</button></form>\
         <p><a href=\"/device\">{keep}</a></p></div>",
        only_yours = t.only_yours,
        pairing = escape(pairing),
        confirmation = escape(&ask.confirmation),
        replace = t.replace,
        keep = t.keep
    )
}

/// Text for HTML, in an element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
