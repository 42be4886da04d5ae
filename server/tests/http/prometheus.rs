//! A real Prometheus (Debian's `prometheus`, which `./x test` installs) scrapes a real server
//! process every second during a short journey: logins from new addresses with codes sent, a
//! wave that meets the code quota and locks the account. The test reads the series back
//! through Prometheus' HTTP API and checks them against what the journey did and the audit
//! log; `promtool check metrics` accepts the scrape, and Prometheus loads the alert rules of
//! `deploy/prometheus/alerts.yml`.
//!
//! `./x test` runs it inside the PostgreSQL pass, against the release binary
//! (`RIEGEL_SERVER_BIN`), and leaves it out of the SQLite pass, which runs before the release
//! build. Alone: `cargo test -p server --features app/ssr --test http -- prometheus::`.

use std::{
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use app::backend::db::Location;

use crate::{
    harness::{PW, TestApp, backend_under_test, new_database},
    process::{Raw, Server, http},
};

const PROMETHEUS: &str = "/usr/bin/prometheus";
const PROMTOOL: &str = "/usr/bin/promtool";

/// How long the test waits for a scrape that saw the journey's end: far longer than the
/// one-second scrape interval needs. It bounds a failing test, it decides nothing.
const PATIENCE: Duration = Duration::from_secs(30);

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// Prometheus on a free port with its own storage, scraping `target` every second; killed
/// when dropped.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
}

impl Prometheus {
    async fn start(dir: &Path, target: SocketAddr) -> Prometheus {
        assert!(
            Path::new(PROMETHEUS).exists(),
            "this test needs Debian's prometheus: run `./x test`, or `apt-get install prometheus`"
        );
        let alerts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/prometheus/alerts.yml");
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\n\
                 scrape_configs:\n  - job_name: riegel\n    static_configs:\n      - targets: ['{target}']\n",
                alerts.canonicalize().unwrap().display()
            ),
        )
        .unwrap();
        let addr = free_addr();
        let child = Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .unwrap();
        let prometheus = Prometheus { child, addr };
        for _ in 0..200 {
            if prometheus.get("/-/ready").await.is_some_and(|(status, _)| status == 200) {
                return prometheus;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("prometheus did not start: {}", std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default());
    }

    async fn get(&self, path: &str) -> Option<(u16, String)> {
        let (addr, path) = (self.addr, path.to_owned());
        let raw = tokio::task::spawn_blocking(move || http(addr, "GET", &path, "", None, None)).await.unwrap().ok()?;
        let chunked = raw.head.to_ascii_lowercase().contains("transfer-encoding: chunked");
        Some((raw.status, if chunked { dechunk(&raw.body) } else { raw.body }))
    }

    /// The value of an instant query's one sample (`None`: no sample yet).
    async fn value(&self, query: &str) -> Option<f64> {
        let q = percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC);
        let (_, body) = self.get(&format!("/api/v1/query?query={q}")).await?;
        let json: serde_json::Value = serde_json::from_str(&body).ok()?;
        json["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// Waits until `query` gives `expected` (a scrape after the journey), and returns what it
    /// gave last.
    async fn settle(&self, query: &str, expected: f64) -> Option<f64> {
        let mut seen = None;
        for _ in 0..PATIENCE.as_millis() / 200 {
            seen = self.value(query).await;
            if seen == Some(expected) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        seen
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// One login (the password step) from `from`, as the proxy reports it.
async fn login(server: SocketAddr, email: &str, from: String) -> Raw {
    let body = format!("email={}&password={}", email.replace('@', "%40"), PW.replace(' ', "+"));
    tokio::task::spawn_blocking(move || http(server, "POST", "/api/login", &body, Some(&from), None))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_journey_s_codes_and_lock_and_promtool_accepts_the_scrape() {
    let dir = tempfile::tempdir().unwrap();
    let location = new_database(backend_under_test(), dir.path()).await;
    // In process on the same database: migrates it, makes the accounts, reads the audit log.
    let t = TestApp::start_at(location.clone()).await;
    let accounts = ["ada@example.org", "bert@example.org", "carla@example.org"];
    for email in accounts.iter().chain(&["wave@example.org"]) {
        t.user(email, PW, "member").await;
    }
    let database = match &location {
        Location::Sqlite(path) => path.display().to_string(),
        Location::Postgres(url) => url.clone(),
    };
    let metrics = free_addr();
    let server =
        Server::start_on(&database, &dir.path().join("server.log"), &[("RIEGEL_METRICS_BIND", &metrics.to_string())])
            .await;
    let prometheus = Prometheus::start(dir.path(), metrics).await;
    assert_eq!(prometheus.settle("up{job=\"riegel\"}", 1.0).await, Some(1.0), "prometheus scrapes the server");

    // The journey: three logins from new addresses (a code each), then twenty-one of one
    // account from twenty-one addresses: twenty codes, and the quota locks the account.
    for (n, email) in accounts.iter().enumerate() {
        let r = login(server.addr, email, format!("10.20.0.{}", n + 1)).await;
        assert!(r.challenged(), "{}", r.head);
    }
    let mut statuses = Vec::new();
    for n in 0..21 {
        let r = login(server.addr, "wave@example.org", format!("10.21.0.{}", n + 1)).await;
        statuses.push(if r.challenged() { 0 } else { r.status });
    }
    assert_eq!(statuses.iter().filter(|s| **s == 0).count(), 20, "twenty challenged: {statuses:?}");
    assert_eq!(statuses.last(), Some(&423), "{statuses:?}");

    let sent = t.audited("code.sent").await;
    assert_eq!(sent, 23);
    let checks: [(&str, f64); 5] = [
        ("sum(riegel_codes_sent_total{purpose=\"login\",channel=\"sms\"})", sent as f64),
        // Twenty-four right passwords; the last one's code met the quota.
        ("sum(riegel_logins_total{outcome=\"challenge\"})", 24.0),
        ("sum(riegel_locks_set_total{lock=\"account\"})", t.audited("account.locked").await as f64),
        ("sum(riegel_quota_refusals_total{quota=\"codes_sms\"})", 1.0),
        // The server's own worker delivers them to the development outbox.
        ("sum(riegel_deliveries_total{provider=\"dev\",channel=\"sms\",outcome=\"sent\"})", 23.0),
    ];
    assert_eq!(checks[2].1, 1.0, "one lock in the audit log");
    for (query, expected) in checks {
        assert_eq!(prometheus.settle(query, expected).await, Some(expected), "{query}");
    }
    assert_eq!(prometheus.settle("sum(riegel_outbox_waiting)", 0.0).await, Some(0.0), "all delivered");
    let login_route = "sum(riegel_http_requests_total{route=\"/api/login\",method=\"POST\"})";
    assert_eq!(prometheus.settle(login_route, 24.0).await, Some(24.0));

    // Prometheus loaded the alert rules; with the server up, the instance is not down.
    let (_, rules) = prometheus.get("/api/v1/rules").await.unwrap();
    assert!(rules.contains("\"RiegelInstanceDown\"") && rules.contains("\"RiegelMessagesWaiting\""), "{rules}");
    assert_eq!(prometheus.value("ALERTS{alertname=\"RiegelInstanceDown\"}").await, None);

    // promtool reads the scrape as Prometheus' text format, and finds nothing to lint.
    let scrape =
        tokio::task::spawn_blocking(move || http(metrics, "GET", "/metrics", "", None, None)).await.unwrap().unwrap();
    assert_eq!(scrape.status, 200);
    let mut promtool = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut promtool.stdin.take().unwrap(), scrape.body.as_bytes()).unwrap();
    let checked = promtool.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&checked.stdout), String::from_utf8_lossy(&checked.stderr));
    assert!(checked.status.success() && said.trim().is_empty(), "promtool check metrics: {said}\n{}", scrape.body);
    drop(server);
}
