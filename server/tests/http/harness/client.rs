//! A client that speaks to the router like the browser's server-function client does: its
//! address, its cookies, its requests, and the answers and event streams it gets.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{Router, body::Body, extract::ConnectInfo};
use http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;

use super::TestApp;

/// The client address 192.0.2.`last` (a documentation range); `ip(1)` is the trusted IP of
/// every account [`TestApp::user`] makes.
pub fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: header::HeaderName) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookie_named("riegel_session=")
    }

    fn cookie_named(&self, prefix: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.contains(prefix))
            .map(str::to_owned)
    }

    pub fn session_token(&self) -> Option<String> {
        Self::value_of(self.session_cookie()?)
    }

    /// The token of a registration cookie set by this answer.
    pub fn registration_token(&self) -> Option<String> {
        Self::value_of(self.cookie_named("riegel_registration=")?)
    }

    fn value_of(cookie: String) -> Option<String> {
        let value = cookie.split(';').next()?.split_once('=')?.1;
        (!value.is_empty()).then(|| value.to_owned())
    }
}

pub struct Client {
    router: Router,
    peer: IpAddr,
    cookie: Option<String>,
}

impl Client {
    pub fn new(app: &TestApp, peer: IpAddr) -> Self {
        Client { router: app.router.clone(), peer, cookie: None }
    }

    /// A client at `peer` speaking to `router` (e.g. [`TestApp::router_behind`]).
    pub fn on(router: Router, peer: IpAddr) -> Self {
        Client { router, peer, cookie: None }
    }

    /// The same browser (address and cookies) through another instance on the same database.
    pub fn via(&self, app: &TestApp) -> Self {
        Client { router: app.router.clone(), peer: self.peer, cookie: self.cookie.clone() }
    }

    pub fn with_session(&self, token: &str) -> Self {
        self.with_cookie(&format!("riegel_session={token}"))
    }

    /// Sends this `Cookie` header (e.g. a registration's cookie).
    pub fn with_cookie(&self, cookie: &str) -> Self {
        Client { router: self.router.clone(), peer: self.peer, cookie: Some(cookie.to_owned()) }
    }

    /// The same session from another address.
    pub fn at_ip(&self, peer: IpAddr) -> Self {
        Client { router: self.router.clone(), peer, cookie: self.cookie.clone() }
    }

    /// Logs in and returns the session token of the step reached.
    pub async fn password(&self, email: &str, password: &str) -> (Answer, String) {
        let res = self.login(email, password).await;
        let token = res.session_token().unwrap_or_else(|| panic!("no session after the password: {res:?}"));
        (res, token)
    }

    pub async fn verify(&self, code: &str) -> Answer {
        self.post("/api/mfa/verify", &serde_urlencoded(&[("code", code)])).await
    }

    pub async fn resend(&self) -> Answer {
        self.post("/api/mfa/resend", "").await
    }

    pub async fn me(&self) -> String {
        self.post("/api/me", "").await.body
    }

    async fn send(&self, mut req: Request<Body>) -> Answer {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(self.peer, 40000)));
        if let Some(c) = &self.cookie {
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        }
        let what = format!("{} {}", req.method(), req.uri());
        let answer = async {
            let res = self.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let headers = res.headers().clone();
            let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
            Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
        };
        // A request that never completes fails its test, naming itself, instead of holding
        // the whole suite until CI's time limit.
        tokio::time::timeout(std::time::Duration::from_secs(60), answer)
            .await
            .unwrap_or_else(|_| panic!("{what} got no complete answer within 60 s"))
    }

    /// An open event stream (`text/event-stream`), which never ends by itself.
    pub async fn events(&self, path: &str) -> Events {
        let mut req = Request::get(path).header(header::HOST, "localhost:3000").body(Body::empty()).unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(self.peer, 40000)));
        if let Some(c) = &self.cookie {
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        Events { status: res.status(), body: res.into_body().into_data_stream(), buffer: String::new() }
    }

    /// The status and the first event of an event stream.
    pub async fn first_event(&self, path: &str) -> (StatusCode, String) {
        let mut events = self.events(path).await;
        let first = events.next().await.unwrap_or_default();
        (events.status, first)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut b = Request::get(path).header(header::HOST, "localhost:3000");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    /// A same-origin POST as the hydrated app sends it.
    pub async fn post(&self, path: &str, form: &str) -> Answer {
        self.raw_post(path, form, &[("origin", "http://localhost:3000")]).await
    }

    pub async fn raw_post(&self, path: &str, form: &str, headers: &[(&str, &str)]) -> Answer {
        self.raw_post_inner(path, form.as_bytes().to_vec(), headers).await
    }

    pub async fn raw_post_bytes(&self, path: &str, body: Vec<u8>) -> Answer {
        self.raw_post_inner(path, body, &[("origin", "http://localhost:3000")]).await
    }

    async fn raw_post_inner(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Answer {
        let mut b =
            Request::post(path).header(header::HOST, "localhost:3000").header(header::ACCEPT, "application/json");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        let form = serde_urlencoded(&[("email", email), ("password", password)]);
        self.post("/api/login", &form).await
    }
}

pub fn serde_urlencoded(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.bytes()
                    .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
                    .collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// An event stream being read.
pub struct Events {
    pub status: StatusCode,
    body: axum::body::BodyDataStream,
    buffer: String,
}

impl Events {
    /// The next event (its lines and the blank line after them), or `None` when the stream
    /// ended; fails the test after 20 s without either.
    pub async fn next(&mut self) -> Option<String> {
        use futures::StreamExt as _;
        let read = async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let event = self.buffer[..end + 2].to_owned();
                    self.buffer.drain(..end + 2);
                    // Keep-alive comments are not events.
                    if event.starts_with(':') {
                        continue;
                    }
                    return Some(event);
                }
                match self.body.next().await {
                    Some(Ok(chunk)) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                    _ => return None,
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(20), read).await.expect("an event or the end within 20 s")
    }
}
