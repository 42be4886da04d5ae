//! The server's log: readable text or one JSON object a line, and a request id on every
//! request.
//!
//! Every request runs in a span `request` with its id, its method and its route (the route
//! template the router matched, or the path: never the query string, which carries one-time
//! link tokens and OpenID Connect codes and states). Every line logged while the request is
//! served carries the span; the span's last line is `response`, with the status and the
//! latency.
//!
//! The request id is the `X-Request-Id` the trusted proxy sent (the same rule as for
//! `X-Forwarded-For`: only when the socket's peer is `--trusted-proxy`) if it is a plain token,
//! else a new one. Every response carries it in `X-Request-Id`, so a user's report, the
//! proxy's access log and this log meet on one id.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, header::HeaderName};
use tracing::{Span, Subscriber};
use tracing_subscriber::{EnvFilter, Layer, fmt::MakeWriter, registry::LookupSpan};

use crate::guard::{self, NetConfig};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line an event: time, level, the request's span, target, message, fields.
    Text,
    /// One JSON object a line, for a log collector: `timestamp`, `level`, `target`, `message`
    /// and the event's fields at the top, the request's span under `span`.
    Json,
}

/// The log filter `RUST_LOG` names, else `info,sqlx=warn`.
pub fn filter_from_env() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"))
}

/// The layer writing the log in `format` to `writer`: standard output in the server, under
/// the filter of [`filter_from_env`]; a buffer in the tests, which so check the lines the
/// server writes.
pub fn layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Text => layer.boxed(),
        LogFormat::Json => layer.json().flatten_event(true).with_current_span(true).with_span_list(false).boxed(),
    }
}

/// The request id's header, read from the trusted proxy and set on every response.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub HeaderValue);

/// The longest request id taken from the proxy.
const MAX_ID_LEN: usize = 64;

/// Whether a proxy's request id is a plain token: 1 to 64 characters, ASCII letters, digits
/// and `-_.:+/=` (UUIDs, hex, base64 and the usual trace ids), so it can neither break a log
/// line nor carry much.
fn is_plain_token(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_ID_LEN).contains(&bytes.len()) && bytes.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(b))
}

/// A new request id: 128 random bits as 32 hex digits.
fn new_id() -> HeaderValue {
    let id = format!("{:032x}", rand::random::<u128>());
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

/// The proxy's request id when the request came through the trusted proxy and its one
/// `X-Request-Id` is a plain token; otherwise a new one.
pub fn request_id_of(peer: Option<std::net::IpAddr>, headers: &http::HeaderMap, net: &NetConfig) -> HeaderValue {
    let from_proxy = peer.is_some_and(|peer| guard::from_trusted_proxy(peer, net.trusted_proxy));
    let mut sent = headers.get_all(&X_REQUEST_ID).iter();
    match (from_proxy, sent.next(), sent.next()) {
        (true, Some(id), None) if is_plain_token(id) => id.clone(),
        _ => new_id(),
    }
}

/// Gives the request its id (in its extensions and its `X-Request-Id`, replacing whatever the
/// client sent) before its span opens, and the response the same `X-Request-Id`.
pub async fn request_id(State(net): State<Arc<NetConfig>>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let id = request_id_of(peer, req.headers(), &net);
    req.headers_mut().insert(X_REQUEST_ID.clone(), id.clone());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = next.run(req).await;
    res.headers_mut().insert(X_REQUEST_ID.clone(), id);
    res
}

/// The span of a request: its id, method and route; never its query string.
pub fn request_span<B>(req: &http::Request<B>) -> Span {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| req.uri().path(), MatchedPath::as_str);
    let id = req.extensions().get::<RequestId>().and_then(|id| id.0.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route)
}

/// The line of a response, in its request's span: status and latency in milliseconds.
pub fn response_line<B>(res: &http::Response<B>, latency: Duration, _span: &Span) {
    let latency_ms = (latency.as_secs_f64() * 1e6).round() / 1e3;
    tracing::info!(status = res.status().as_u16(), latency_ms, "response");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(trusted_proxy: Option<&str>) -> NetConfig {
        NetConfig {
            trusted_proxy: trusted_proxy.map(|p| p.parse().unwrap()),
            public_origin: None,
            body_limit: 1024,
            dev_mode: false,
        }
    }

    #[test]
    fn only_a_plain_token_is_taken() {
        for good in ["a", "0f3c9a7e2b1d4c6e8f0a1b2c3d4e5f60", "123e4567-e89b-12d3-a456-426614174000", "Root=1-5f2a:x+/"]
        {
            assert!(is_plain_token(&HeaderValue::from_static(good)), "{good}");
        }
        let long = "a".repeat(MAX_ID_LEN + 1);
        for bad in ["", "two words", "a\"b", "a\\b", "x;y", "é", long.as_str()] {
            let value = HeaderValue::from_bytes(bad.as_bytes()).unwrap();
            assert!(!is_plain_token(&value), "{bad:?}");
        }
        assert!(is_plain_token(&HeaderValue::from_str(&"a".repeat(MAX_ID_LEN)).unwrap()));
    }

    #[test]
    fn the_id_is_the_proxys_only_through_the_proxy() {
        let mut h = http::HeaderMap::new();
        h.insert(&X_REQUEST_ID, HeaderValue::from_static("proxy-id-1"));
        let proxy = Some("10.0.0.1".parse().unwrap());
        assert_eq!(request_id_of(proxy, &h, &net(Some("10.0.0.1"))), "proxy-id-1");
        assert_ne!(request_id_of(proxy, &h, &net(None)), "proxy-id-1");
        assert_ne!(request_id_of(Some("10.0.0.2".parse().unwrap()), &h, &net(Some("10.0.0.1"))), "proxy-id-1");
        assert_ne!(request_id_of(None, &h, &net(Some("10.0.0.1"))), "proxy-id-1");
        h.append(&X_REQUEST_ID, HeaderValue::from_static("proxy-id-2"));
        let two = request_id_of(proxy, &h, &net(Some("10.0.0.1")));
        assert!(two != "proxy-id-1" && two != "proxy-id-2", "two ids: neither");
    }

    #[test]
    fn a_new_id_is_32_hex_digits_and_new_each_time() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.as_bytes().iter().all(u8::is_ascii_hexdigit));
    }
}
