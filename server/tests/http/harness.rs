//! The test harness: a router on a fresh database, and a client that speaks to it like the
//! browser's server-function client does.
//!
//! The backend is a parameter, not a copy of the tests: each test app gets a new SQLite file,
//! or, with `RIEGEL_TEST_POSTGRES` set (`./x test` sets it inside a throwaway cluster made by
//! `pg_virtualenv`), a new PostgreSQL database on the server the `PG*` variables name.

use app::backend::db::Flag;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use app::{
    backend::{
        AppState, clock,
        crypto::Secret,
        db::{Backend, Location, PoolSettings},
        delivery,
        hasher::Argon2Config,
    },
    domain::policy::Policy,
};
use axum::{Router, body::Body, extract::ConnectInfo};
use http::{HeaderMap, Request, StatusCode, header};
use server::{Settings, build_state, guard::NetConfig, router};
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The database it runs on.
    pub database: Location,
    net: NetConfig,
    _dir: tempfile::TempDir,
}

pub const PHONE: &str = "+4915112345678";

fn options() -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder().output_name("riegel").build()
}

/// The first run of six digits in a text.
pub fn six_digits(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(6).find(|w| w.iter().all(char::is_ascii_digit)).map(|w| w.iter().collect())
}

pub fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

/// Which database a test app gets.
enum Db {
    /// A new one of this backend.
    Fresh(Backend),
    /// This one.
    At(Location),
}

/// The backend the suite runs on.
pub fn backend_under_test() -> Backend {
    if std::env::var_os("RIEGEL_TEST_POSTGRES").is_some() { Backend::Postgres } else { Backend::Sqlite }
}

/// A new, empty database: a file in `dir`, or a database of its own on the PostgreSQL server.
pub async fn new_database(backend: Backend, dir: &std::path::Path) -> Location {
    match backend {
        Backend::Sqlite => Location::Sqlite(dir.join("riegel.sqlite")),
        Backend::Postgres => app::backend::db::new_postgres_database("riegel_test").await.unwrap(),
    }
}

impl TestApp {
    pub fn cheap_argon2() -> Argon2Config {
        Argon2Config { m_kib: 256, t: 1, p: 1, permits: 2, queue: 64 }
    }

    pub async fn start() -> Self {
        Self::start_with(Policy::default(), Self::cheap_argon2()).await
    }

    pub async fn start_prod() -> Self {
        Self::build(Policy::default(), Self::cheap_argon2(), false).await
    }

    pub async fn start_with(policy: Policy, argon2: Argon2Config) -> Self {
        Self::build(policy, argon2, true).await
    }

    /// Development mode with these providers (a channel without one uses the dev outbox).
    pub async fn start_with_delivery(delivery: server::Delivery) -> Self {
        Self::build_with(Policy::default(), Self::cheap_argon2(), true, delivery).await
    }

    async fn build(policy: Policy, argon2: Argon2Config, dev_mode: bool) -> Self {
        Self::build_with(policy, argon2, dev_mode, server::Delivery::dev()).await
    }

    /// Development mode, serving the static files of `site` (a release build's `target/site`).
    pub async fn start_with_site(site: &std::path::Path) -> Self {
        let mut options = options();
        options.site_root = site.to_string_lossy().into();
        Self::build_full(Policy::default(), Self::cheap_argon2(), true, server::Delivery::dev(), options).await
    }

    async fn build_with(policy: Policy, argon2: Argon2Config, dev_mode: bool, delivery: server::Delivery) -> Self {
        Self::build_full(policy, argon2, dev_mode, delivery, options()).await
    }

    async fn build_full(
        policy: Policy,
        argon2: Argon2Config,
        dev_mode: bool,
        delivery: server::Delivery,
        options: leptos::config::LeptosOptions,
    ) -> Self {
        Self::build_on(policy, argon2, dev_mode, delivery, options, Db::Fresh(backend_under_test())).await
    }

    /// Development mode on the database at `location` (made by [`new_database`]).
    pub async fn start_at(location: Location) -> Self {
        let (policy, argon2, options) = (Policy::default(), Self::cheap_argon2(), options());
        Self::build_on(policy, argon2, true, server::Delivery::dev(), options, Db::At(location)).await
    }

    async fn build_on(
        policy: Policy,
        argon2: Argon2Config,
        dev_mode: bool,
        delivery: server::Delivery,
        options: leptos::config::LeptosOptions,
        database: Db,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = match database {
            Db::Fresh(backend) => new_database(backend, dir.path()).await,
            Db::At(location) => location,
        };
        let settings = Settings {
            database: database.clone(),
            // Short timeouts, so a test of an unreachable database does not wait long.
            pool: PoolSettings { connect_timeout: std::time::Duration::from_secs(2), ..Default::default() },
            dev_mode,
            secret_key: vec![42; 32],
            argon2,
            policy,
            support_contact: "support@riegel.example".into(),
            link_origin: "https://portal.example".into(),
            delivery,
            clock: clock::Clock::manual(),
        };
        let state = build_state(settings, options).await.unwrap();
        let net = NetConfig { trusted_proxy: None, public_origin: None, body_limit: 64 * 1024, dev_mode };
        TestApp { router: router(state.clone(), net.clone()), state, database, net, _dir: dir }
    }

    /// Another router on the same state, as `TestApp::start` builds one.
    pub fn new_router(&self) -> Router {
        router(self.state.clone(), self.net.clone())
    }

    /// The folder of the database file (and its WAL).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Creates an account in the organisation "Muster GmbH" with MFA set up (phone
    /// `PHONE`) and `ip(1)` as its trusted IP.
    pub async fn user(&self, email: &str, password: &str, role: &str) -> i64 {
        let id = self.user_without_mfa(email, password, role).await;
        sqlx::query("UPDATE users SET phone_e164 = $1, phone_verified_at = 0, trusted_ip = $2 WHERE id = $3")
            .bind(PHONE)
            .bind(ip(1).to_string())
            .bind(id)
            .execute(&self.state.pool)
            .await
            .unwrap();
        id
    }

    /// Makes `ip` the account's trusted IP.
    pub async fn trust(&self, email: &str, ip: IpAddr) {
        sqlx::query("UPDATE users SET trusted_ip = $1 WHERE email = $2")
            .bind(ip.to_string())
            .bind(email)
            .execute(&self.state.pool)
            .await
            .unwrap();
    }

    /// Runs one pass of the delivery worker, and its WAL truncation once the outbox is empty.
    pub async fn deliver(&self) -> usize {
        let due =
            delivery::deliver_due(&self.state.writer, &server::providers(&self.state), self.state.clock.now(), 10_000)
                .await
                .unwrap();
        delivery::truncate_wal(&self.state.writer).await.unwrap();
        due
    }

    /// Delivers what is due and returns the newest code sent to `recipient`, read from the
    /// development outbox as a tester would.
    pub async fn code_for(&self, recipient: &str) -> String {
        self.deliver().await;
        let json = Client::new(self, ip(200)).get("/dev/outbox.json").await.body;
        let messages: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        let body = messages
            .iter()
            .find(|m| m["recipient"] == recipient)
            .and_then(|m| m["body"].as_str())
            .unwrap_or_else(|| panic!("no message to {recipient} in {json}"))
            .to_owned();
        six_digits(&body).unwrap_or_else(|| panic!("no code in {body:?}"))
    }

    /// Delivers what is due and returns the newest TAN sent to `recipient` and its SMS.
    pub async fn tan_for(&self, recipient: &str) -> (String, String) {
        self.deliver().await;
        let outbox = self.state.dev_outbox.as_ref().unwrap().list();
        let sms = outbox
            .iter()
            .find(|m| m.recipient == recipient && m.body.starts_with("TAN "))
            .unwrap_or_else(|| panic!("no TAN to {recipient}"))
            .body
            .clone();
        (sms[4..10].to_owned(), sms)
    }

    /// A support agent (MFA set up, `ip(250)` trusted) logged in; returns its client.
    pub async fn support_agent(&self) -> Client {
        let email = "agent@riegel.example";
        let exists: bool = sqlx::query_scalar::<_, Flag>("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
            .bind(email)
            .fetch_one(&self.state.pool)
            .await
            .unwrap()
            .0;
        if !exists {
            self.user(email, "agent-password-1", "support").await;
            self.trust(email, ip(250)).await;
        }
        let (_, token) = Client::new(self, ip(250)).password(email, "agent-password-1").await;
        Client::new(self, ip(250)).with_session(&token)
    }

    /// What the support console does to lift a TAN lock.
    pub async fn unlock_tan(&self, user_id: i64) {
        let agent = self.support_agent().await;
        let form = format!("user_id={user_id}&reason=customer%20called%20from%20office");
        let res = agent.post("/api/support/unlock-tan", &form).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }

    /// The newest message to `recipient`, as a tester reads it from the development outbox.
    pub async fn message_to(&self, recipient: &str) -> String {
        self.deliver().await;
        let outbox = self.state.dev_outbox.as_ref().unwrap().list();
        outbox
            .iter()
            .find(|m| m.recipient == recipient)
            .map(|m| m.body.clone())
            .unwrap_or_else(|| panic!("no message to {recipient}"))
    }

    /// The token of the newest link e-mailed to `recipient`.
    pub async fn link_token(&self, recipient: &str) -> String {
        let body = self.message_to(recipient).await;
        let at = body.find("?token=").unwrap_or_else(|| panic!("no link in {body:?}"));
        body[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
    }

    /// How many messages the development provider delivered to `recipient`.
    pub async fn delivered_to(&self, recipient: &str) -> usize {
        self.deliver().await;
        self.state.dev_outbox.as_ref().unwrap().list().iter().filter(|m| m.recipient == recipient).count()
    }

    /// Counts rows of an audit event kind.
    pub async fn audited(&self, kind: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE kind = $1")
            .bind(kind)
            .fetch_one(&self.state.pool)
            .await
            .unwrap()
    }

    /// Creates an account without MFA (like an imported legacy account).
    pub async fn user_without_mfa(&self, email: &str, password: &str, role: &str) -> i64 {
        let hash = self.state.hasher.hash(&Secret::new(password.to_string())).await.unwrap();
        // Every test account belongs to the one organisation "Muster GmbH".
        sqlx::query(
            "INSERT INTO organisations (name, created_at) SELECT 'Muster GmbH', 0
             WHERE NOT EXISTS (SELECT 1 FROM organisations WHERE name = 'Muster GmbH')",
        )
        .execute(&self.state.pool)
        .await
        .unwrap();
        let org: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Muster GmbH'")
            .fetch_one(&self.state.pool)
            .await
            .unwrap();
        let org = (role != "support").then_some(org);
        sqlx::query_scalar(
            "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at)
             VALUES ($1, $2, 'Test User', $3, $4, 0) RETURNING id",
        )
        .bind(org)
        .bind(email)
        .bind(role)
        .bind(hash)
        .fetch_one(&self.state.pool)
        .await
        .unwrap()
    }
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

/// The password of every account the tests create with `TestApp::user`.
pub const PW: &str = "correct horse battery staple";

/// No resend countdown, so quotas can be reached in a test.
pub fn no_cooldown() -> Policy {
    Policy { resend_cooldown_secs: 0, ..Policy::default() }
}

/// A new account logged in from its trusted IP (no MFA prompt), and that session's client.
pub async fn logged_in(t: &TestApp, email: &str, role: &str) -> Client {
    t.user(email, PW, role).await;
    let c = Client::new(t, ip(1));
    let (res, token) = c.password(email, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "{res:?}");
    c.with_session(&token)
}

/// A TAN-protected action as the page does it: asked without a TAN it is refused with 428 and
/// a TAN SMS that names `what`; asked again with that TAN it succeeds. Returns that answer.
pub async fn with_tan(t: &TestApp, s: &Client, path: &str, what: &str) -> Answer {
    let asked = s.post(path, "tan=").await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED, "every time behind a TAN: {asked:?}");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains(what), "the SMS names the action: {sms}");
    let res = s.post(path, &format!("tan={tan}")).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    res
}

/// Every row of every table, as text, per table (on PostgreSQL blobs show as hex).
pub async fn every_row(t: &TestApp) -> std::collections::BTreeMap<String, String> {
    let tables_sql = match t.database.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    };
    let tables: Vec<String> = sqlx::query_scalar(tables_sql).fetch_all(&t.state.pool).await.unwrap();
    let mut all = std::collections::BTreeMap::new();
    for table in tables {
        let sql = match t.database.backend() {
            Backend::Sqlite => {
                let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                    .bind(&table)
                    .fetch_all(&t.state.pool)
                    .await
                    .unwrap();
                let row = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join(" || ',' || ");
                format!(
                    "SELECT coalesce(group_concat(r, char(10)), '') FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY r)"
                )
            }
            Backend::Postgres => {
                format!("SELECT coalesce(string_agg(r::text, chr(10) ORDER BY r::text), '') FROM \"{table}\" AS r")
            }
        };
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&t.state.pool).await.unwrap();
        all.insert(table, rows);
    }
    all
}

/// Ute, with MFA, after her password from a new address: her client at the challenge, its
/// SMS code delivered, and the clock past the resend countdown, so a resend is due.
pub async fn at_challenge(t: &TestApp) -> Client {
    t.user("ute@example.org", "ute-password-1", "member").await;
    let c = Client::new(t, ip(9));
    let (res, token) = c.password("ute@example.org", "ute-password-1").await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    t.code_for(PHONE).await;
    t.state.clock.advance(120);
    c.with_session(&token)
}

/// What a request may not leave half-written: every row that counts or sends.
pub async fn tally(t: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for table in
        ["code_sends", "challenge_codes", "outbox", "audit_events", "login_ip_failures", "sessions", "sms_sends"]
    {
        v.push(count(t, &format!("SELECT count(*) FROM {table}")).await);
    }
    v
}

/// `before` (a `tally`) plus what `resends` whole resends write: one send, one code, one
/// message, one audit event and one per-network count each; no failure, no session.
pub fn tally_after_resends(before: &[i64], resends: i64) -> Vec<i64> {
    before.iter().zip([1, 1, 1, 1, 0, 0, 1]).map(|(b, d)| b + d * resends).collect()
}

/// One number from the database; the SQL is the test's own.
pub async fn count(t: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&t.state.pool).await.unwrap()
}

/// A payout bank account change (with a TAN, or empty to ask for one).
pub async fn change_bank(c: &Client, iban: &str, tan: &str) -> Answer {
    let body = serde_urlencoded(&[("holder", "Muster GmbH"), ("iban", iban), ("bic", ""), ("tan", tan)]);
    c.post("/api/bank/change", &body).await
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
