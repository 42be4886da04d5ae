//! The development outbox (SPEC 8.2): every delivered message at `/dev/outbox` (a page) and
//! `/dev/outbox.json`. Registered only in development mode.

use app::backend::state::AppState;
use axum::{
    Json, Router,
    extract::State,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use http::StatusCode;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dev/outbox", get(page)).route("/dev/outbox.json", get(json))
}

async fn json(State(state): State<AppState>) -> Response {
    match &state.dev_outbox {
        Some(outbox) => Json(outbox.list()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn page(State(state): State<AppState>) -> Response {
    let Some(outbox) = &state.dev_outbox else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let rows: String = outbox
        .list()
        .iter()
        .map(|m| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
                m.outbox_id,
                m.channel,
                escape(&m.recipient),
                escape(&m.subject),
                escape(&m.body)
            )
        })
        .collect();
    let css = crate::assets::stylesheet_href(&state.leptos_options);
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Development outbox</title>\
         <link rel=\"stylesheet\" href=\"{css}\"></head><body><main id=\"main\">\
         <h1>Development outbox</h1><p>Messages delivered by the development provider, newest first \
         (also as <a href=\"/dev/outbox.json\">JSON</a>).</p>\
         <table><thead><tr><th>#</th><th>Channel</th><th>To</th><th>Subject</th><th>Message</th></tr></thead>\
         <tbody>{rows}</tbody></table></main></body></html>"
    ))
    .into_response()
}
