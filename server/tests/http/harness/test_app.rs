//! The app under test: a router on a fresh database of the backend under test, the accounts a
//! test makes, and what a test reads back from it.

use std::net::IpAddr;

use app::{
    backend::{
        db::{Backend, Location, PoolSettings},
        delivery::worker,
        state::AppState,
        tools::clock,
        tools::crypto::Secret,
        tools::hasher::Argon2Config,
    },
    domain::policy::Policy,
};
use axum::Router;
use server::{Settings, build_state, guard::NetConfig, router};

use super::{Client, ip};

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
            metrics: true,
        };
        let state = build_state(settings, options).await.unwrap();
        let net = NetConfig { trusted_proxy: None, public_origin: None, body_limit: 64 * 1024, dev_mode };
        TestApp { router: router(state.clone(), net.clone()), state, database, net, _dir: dir }
    }

    /// Another router on the same state, as `TestApp::start` builds one.
    pub fn new_router(&self) -> Router {
        router(self.state.clone(), self.net.clone())
    }

    /// Another router on the same state that believes the proxy at `proxy`.
    pub fn router_behind(&self, proxy: IpAddr) -> Router {
        router(self.state.clone(), NetConfig { trusted_proxy: Some(proxy), ..self.net.clone() })
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
            worker::deliver_due(&self.state.writer, &server::providers(&self.state), self.state.clock.now(), 10_000)
                .await
                .unwrap();
        worker::truncate_wal(&self.state.writer).await.unwrap();
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

    /// What a scrape of the metrics address gets (`GET /metrics` on `server::metrics::routes`).
    pub async fn metrics_text(&self) -> String {
        use tower::ServiceExt;
        let req = http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap();
        let res = server::metrics::routes(self.state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.status(), http::StatusCode::OK);
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    /// The sum of the samples of metric `name` whose labels include `labels`, scraped now (0
    /// when there is none).
    pub async fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        metric_in(&self.metrics_text().await, name, labels)
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

/// The password of every account the tests create with `TestApp::user`.
pub const PW: &str = "correct horse battery staple";

/// No resend countdown, so quotas can be reached in a test.
pub fn no_cooldown() -> Policy {
    Policy { resend_cooldown_secs: 0, ..Policy::default() }
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

/// The sum of the samples of metric `name` in Prometheus' text format whose labels include
/// `labels` (0 when there is none).
pub fn metric_in(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    samples(text)
        .into_iter()
        .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v)))
        .map(|s| s.value)
        .sum()
}

/// One sample of a text in Prometheus' format.
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// Every sample of a text in Prometheus' format.
pub fn samples(text: &str) -> Vec<Sample> {
    let mut all = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line}"));
        let (name, mut rest) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').unwrap_or_else(|| panic!("no closing brace: {line}"))),
            None => (series, ""),
        };
        let mut labels = Vec::new();
        while let Some((key, after)) = rest.split_once("=\"") {
            let mut chars = after.char_indices();
            let mut label = String::new();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => label.extend(chars.next().map(|(_, c)| c)),
                    Some((i, '"')) => break i,
                    Some((_, c)) => label.push(c),
                    None => panic!("unterminated label: {line}"),
                }
            };
            labels.push((key.trim_start_matches(',').to_owned(), label));
            rest = &after[end + 1..];
        }
        all.push(Sample { name: name.to_owned(), labels, value });
    }
    all
}
