//! Request guards: the client IP, the same-origin rule for state-changing requests, and the
//! security headers of every response.
//!
//! Same-origin rule (SPEC 1.7): a POST, PUT, PATCH or DELETE is served
//! only when the browser says it is same-origin (`Sec-Fetch-Site: same-origin` or `none`), or
//! when its `Origin` equals the configured public origin (or, unset, the request's `Host`). A
//! request with neither header is refused too: every browser sends one of them on a POST, so
//! only non-browser clients lack both, and they can send `Origin` like a browser does.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use app::{
    backend::{login::sessions::CookieJar, state::ClientIp},
    security::{PageNonce, page_csp},
    wire::AppError,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

#[derive(Clone, Debug)]
pub struct NetConfig {
    pub trusted_proxy: Option<IpAddr>,
    pub public_origin: Option<String>,
    pub body_limit: usize,
    pub dev_mode: bool,
}

/// The client's address: the socket peer, or the last `X-Forwarded-For` hop when the peer is
/// the configured trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxy: Option<IpAddr>) -> IpAddr {
    // An IPv4 client of a dual-stack listener arrives as `::ffff:a.b.c.d`: it is the IPv4
    // address (otherwise every IPv4 client would share one IPv6 /64 in the per-network caps).
    let peer = peer.to_canonical();
    if !from_trusted_proxy(peer, trusted_proxy) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .next_back()
        .map_or(peer, |ip| ip.to_canonical())
}

/// Whether the socket's peer is the configured trusted proxy, whose forwarded headers
/// (`X-Forwarded-For`, `X-Request-Id`) are believed.
pub fn from_trusted_proxy(peer: IpAddr, trusted_proxy: Option<IpAddr>) -> bool {
    trusted_proxy.is_some_and(|p| p.to_canonical() == peer.to_canonical())
}

/// Whether a state-changing request comes from our own pages.
pub fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    match public_origin {
        Some(expected) => origin == expected,
        None => {
            let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            authority.is_some() && authority == text(header::HOST)
        }
    }
}

/// The OpenID Connect endpoints that applications' servers call: they authenticate by client
/// credentials or bearer token and never read a cookie, so a cross-site request gains nothing.
fn reads_no_cookies(path: &str) -> bool {
    matches!(path, "/oidc/token" | "/oidc/userinfo")
}

pub(crate) fn is_state_changing(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

pub async fn client_ip_and_origin(State(net): State<Arc<NetConfig>>, mut req: Request, next: Next) -> Response {
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        tracing::error!("request without a peer address");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let ip = client_ip(peer, req.headers(), net.trusted_proxy);
    req.extensions_mut().insert(ClientIp(ip));
    if is_state_changing(req.method())
        && !reads_no_cookies(req.uri().path())
        && !same_origin(req.headers(), net.public_origin.as_deref())
    {
        tracing::warn!(%ip, path = %req.uri().path(), "cross-origin request refused");
        let body = serde_json::to_string(&AppError::Forbidden).unwrap_or_default();
        return (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    next.run(req).await
}

/// Reads a state-changing request's body up to the configured limit before any handler sees
/// it: an oversized body, with or without `Content-Length`, is answered 413 and never parsed.
pub async fn bounded_body(State(net): State<Arc<NetConfig>>, req: Request, next: Next) -> Response {
    if !is_state_changing(req.method()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, net.body_limit).await {
        Ok(bytes) if !is_json(&parts.headers) && !form_is_utf8(&bytes) => {
            // The form decoder would store U+FFFD for bytes that are not UTF-8. Handed on as
            // an undecodable body instead, the request is refused exactly like raw invalid
            // bytes: 400 for the app, the page with "the request was malformed" without
            // JavaScript. Nothing is stored.
            next.run(Request::from_parts(parts, axum::body::Body::from(vec![0xFF]))).await
        }
        Ok(bytes) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Err(_) => {
            let body = serde_json::to_string(&AppError::BadRequest).unwrap_or_default();
            (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }
}

/// Server functions read a form body whatever its `Content-Type` says, so every body but
/// JSON is checked as one.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// Whether every name and value of a URL-encoded form decodes to UTF-8. Public for the fuzz
/// targets.
pub fn form_is_utf8(body: &[u8]) -> bool {
    // The raw body first: an escape followed by a raw byte (`%C3` then 0xA5) decodes to valid
    // UTF-8 although the body is not (found by the `form_body` fuzz target).
    std::str::from_utf8(body).is_ok()
        && body
            .split(|b| *b == b'&')
            .flat_map(|pair| pair.splitn(2, |b| *b == b'='))
            .all(|part| percent_encoding::percent_decode(part).decode_utf8().is_ok())
}

/// What the header middleware needs to know of the deployment.
pub struct HeaderConfig {
    /// Production: browsers are told to use HTTPS only.
    pub hsts: bool,
    /// Development: the websocket port `cargo leptos watch` reloads pages through.
    pub reload_port: Option<u32>,
    /// Development mode: cookies have their plain names.
    pub dev_mode: bool,
}

/// Security headers on every answer. Each request gets a fresh CSP nonce in its extensions;
/// an HTML answer gets the page policy allowing exactly that nonce (the page renders its
/// scripts with it), everything else the strictest policy.
pub async fn security_headers(State(cfg): State<Arc<HeaderConfig>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let static_cache = path.starts_with("/pkg/").then(|| crate::assets::cache_control(path));
    let nonce: Arc<str> = leptos::nonce::Nonce::new().to_string().into();
    req.extensions_mut().insert(PageNonce(nonce.clone()));
    let form_target = CookieJar::oidc_origin(cfg.dev_mode).token(req.headers());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    let csp = if html {
        page_csp(&nonce, cfg.reload_port, form_target.as_ref().map(|t| t.expose().as_str()))
    } else {
        "default-src 'none'; frame-ancestors 'none'".into()
    };
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let mut set = |name: &'static str, value: &'static str| {
        if !h.contains_key(name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    // Same-origin keeps the Referer that form posts without JavaScript are redirected back to.
    set("referrer-policy", "same-origin");
    set("cross-origin-opener-policy", "same-origin");
    set("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if let Some(cache) = static_cache {
        set("cache-control", cache);
        // The same address answers brotli, gzip or plain, by the request's Accept-Encoding.
        set("vary", "accept-encoding");
    } else {
        set("cache-control", "no-store");
    }
    if cfg.hsts {
        set("strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv4_client_of_a_dual_stack_listener_is_its_ipv4_address() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(client_ip(mapped, &HeaderMap::new(), None), v4);
        let proxy: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "::ffff:198.51.100.4")]);
        assert_eq!(client_ip(proxy, &h, Some("10.0.0.1".parse().unwrap())), "198.51.100.4".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_form_must_decode_to_utf8() {
        assert!(form_is_utf8(b"email=anna%40example.org&password=%C3%BCber+alles&empty=&flag"));
        assert!(!form_is_utf8(b"company=Holz%FF%FE"));
        assert!(!form_is_utf8(b"full_name=Jana+%C3%28Becker"));
        assert!(!form_is_utf8(b"%FF=value"));
        assert!(!form_is_utf8(b"raw=\xff"), "raw bytes are checked too");
        assert!(!form_is_utf8(b"password=%C3\xA5ber"), "an escape completed by a raw byte");
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forwarded_for_only_from_the_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9")]);
        assert_eq!(client_ip(proxy, &h, Some(proxy)), "203.0.113.9".parse::<IpAddr>().unwrap());
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(client_ip(stranger, &h, Some(proxy)), stranger);
        assert_eq!(client_ip(stranger, &h, None), stranger);
    }

    #[test]
    fn origin_rules() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")]), None));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "cross-site"), ("origin", "http://a"), ("host", "a")]),
            None
        ));
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), None));
        assert!(!same_origin(&headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000")]), None));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]), None));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:3000")]), None));
        let p = Some("https://portal.example");
        assert!(same_origin(&headers(&[("origin", "https://portal.example"), ("host", "internal:8080")]), p));
        assert!(!same_origin(&headers(&[("origin", "https://internal:8080"), ("host", "internal:8080")]), p));
    }
}
