//! The metrics' HTTP side: every answer of the public router counted by its route template
//! ([`observe`]), and `/metrics` served on the metrics address alone ([`routes`], `--metrics-bind`),
//! never on the public port. The metric names and their meaning: `app::backend::metrics`.

use std::time::Duration;

use app::backend::{metrics::Metrics, state::AppState, tools::clock::Stopwatch};
use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use http::{Method, StatusCode, header};

/// How often the histograms' samples are folded in when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Counts an answer of the public router under its route's template (`/api/login`), never
/// its path or query: a path can carry a link's token, and every distinct path would be a new
/// series. Static files and unknown paths count as `fallback`.
pub async fn observe(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    if !metrics.is_on() {
        return next.run(req).await;
    }
    let route = req.extensions().get::<MatchedPath>().map_or("fallback", MatchedPath::as_str).to_owned();
    let method = method_label(req.method());
    let took = Stopwatch::start();
    let response = next.run(req).await;
    metrics.request(&route, method, response.status().as_u16(), took.elapsed());
    response
}

/// The method, or `other` for one outside HTTP's usual set (a client can send any word).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The metrics address's router: `GET /metrics` in Prometheus' text format, nothing else.
pub fn routes(state: AppState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.scrape(&state, state.clock.now()).await {
        Some(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves [`routes`] on `listener` until the process ends, and keeps the histograms' memory
/// bounded between scrapes.
pub fn spawn(listener: tokio::net::TcpListener, state: AppState) {
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP_EVERY);
        loop {
            tick.tick().await;
            metrics.upkeep();
        }
    });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes(state)).await {
            tracing::error!(error = %e, "the metrics address stopped serving");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_up_method_is_counted_as_other() {
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_label(&Method::POST), "POST");
    }
}
