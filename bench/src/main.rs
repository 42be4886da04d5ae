//! `./x bench`: measures Riegel's figures against the real release server, in one run on one
//! machine, and prints them as a Markdown table (ratios are taken within the run):
//!
//! 1. raw argon2 verifications per second on all cores, password logins per second through
//!    HTTP at the best concurrency, and their ratio;
//! 2. an overload at ten times that rate: p50/p99 of the requests answered 503, and the
//!    server's peak RSS against its idle RSS;
//! 3. p50/p99 of MFA code verification and resend at 100 concurrent clients, with the count
//!    of database-busy failures (answered 500), and the CPU a verification costs (server,
//!    load generator, PostgreSQL) with the floor that sets for 100 at once on these cores,
//!    the verifications per second of 100 distinct accounts at once (one instance and two),
//!    and the statements one verification runs (as sqlx logs them);
//! 4. the wasm + JS a browser downloads for the first load of `/login` and of `/mfa` after it
//!    (in Debian's chromium), the whole app's, Lighthouse's mobile figures for both pages, and
//!    what dominates the main wasm;
//! 5. the idle RSS after start and the time from start to a ready `/healthz`;
//! 7. figure 3's burst against privacyIDEA 3.14 under gunicorn, the peer an operator would
//!    pick (`privacyidea.rs`), printed beside figure 3.
//!
//! It is not a test: it prints, and never fails on a figure.

// A benchmark measures time and waits on purpose: the workspace's rule that only
// `backend::tools::clock` reads the clock is for the product, not for this tool.
#![allow(clippy::disallowed_methods)]

use std::{
    io::Write as _,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

mod backends;
mod privacyidea;
mod soak;

use backends::Backend;

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Version};
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

/// The server's default argon2 parameters (`server --help`).
const M_KIB: u32 = 19_456;
const T: u32 = 2;
const PASSWORD: &str = "bench-password-Riegel-2026";
const MFA_CLIENTS: usize = 100;

type Http = Client<HttpConnector, Full<Bytes>>;

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(3999)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time the process has run on any core so far, summed over its threads (ns, from the
/// scheduler's own accounting, finer than the 10 ms ticks of `/proc/<pid>/stat`).
fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The PostgreSQL server's processes on this machine (the bench's throwaway cluster).
fn postgres_pids() -> Vec<u32> {
    let Ok(procs) = std::fs::read_dir("/proc") else { return Vec::new() };
    procs
        .flatten()
        .filter_map(|p| p.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .collect()
}

/// CPU used so far by the servers, the load generator (this process) and PostgreSQL.
#[derive(Clone, Copy, Default)]
struct Cpu {
    servers: u64,
    client: u64,
    postgres: u64,
}

impl Cpu {
    fn now(servers: &[&Server]) -> Cpu {
        Cpu {
            servers: servers.iter().map(|s| cpu_ns(s.child.id())).sum(),
            client: cpu_ns(std::process::id()),
            postgres: postgres_pids().into_iter().map(cpu_ns).sum(),
        }
    }

    /// CPU used since `before`, per request, in seconds.
    fn per_request_since(self, before: Cpu, requests: usize) -> Cpu {
        let per = |a: u64, b: u64| a.saturating_sub(b) / requests.max(1) as u64;
        Cpu {
            servers: per(self.servers, before.servers),
            client: per(self.client, before.client),
            postgres: per(self.postgres, before.postgres),
        }
    }

    fn total_ns(self) -> u64 {
        self.servers + self.client + self.postgres
    }
}

fn micros(ns: u64) -> String {
    format!("{:.0} µs", ns as f64 / 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(secs: f64) -> String {
    format!("{:.1} ms", secs * 1000.0)
}

/// What a fresh database holds before the server starts.
#[derive(Clone, Copy, PartialEq)]
enum Seed {
    Empty,
    /// 100 accounts with MFA for figure 3.
    MfaAccounts,
    /// The demo organisation, for the browser's journey of figure 4.
    Demo,
}

/// Starts the release server on a fresh database; returns it and the seconds to a ready
/// `/healthz` (migrations included).
async fn start(http: &Http, root: &Path, seed: Seed) -> (Server, f64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = Backend::Sqlite.new_database(dir.path()).await;
    if seed == Seed::MfaAccounts {
        seed_mfa_accounts(&db).await;
    }
    start_on(http, root, seed, &db, dir, &[]).await
}

/// Where a started server writes `file`: into `dir`, or the terminal with `BENCH_SERVER_LOG`.
fn output(dir: &tempfile::TempDir, file: &str) -> Stdio {
    if std::env::var_os("BENCH_SERVER_LOG").is_some() {
        Stdio::inherit()
    } else {
        std::fs::File::create(dir.path().join(file)).map_or_else(|_| Stdio::null(), Stdio::from)
    }
}

/// Starts the release server on `db` (a file or a PostgreSQL URL), seeded as `seed` says, with
/// more settings (`RUST_LOG` is `error` unless they name it).
async fn start_on(
    http: &Http,
    root: &Path,
    seed: Seed,
    db: &str,
    dir: tempfile::TempDir,
    settings: &[(&str, &str)],
) -> (Server, f64) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let began = Instant::now();
    let child = Command::new(root.join("target/release/server"))
        .env("RIEGEL_DEV", "true")
        .env("RIEGEL_DATABASE", db)
        .env("RIEGEL_BIND", format!("127.0.0.1:{port}"))
        .env("RIEGEL_TRUSTED_PROXY", "127.0.0.1")
        .env("RIEGEL_SEED_DEMO", (seed == Seed::Demo).to_string())
        .env("LEPTOS_SITE_ROOT", root.join("target/site"))
        .env("RUST_LOG", "error")
        .envs(settings.iter().copied())
        // The server's log (stdout; errors only, unless `log` lets more through) goes to
        // `server.log` beside its database, and a panic (stderr) to `server.err`; with
        // `BENCH_SERVER_LOG=1` both go to the terminal.
        .stdout(output(&dir, "server.log"))
        .stderr(output(&dir, "server.err"))
        .spawn()
        .expect("target/release/server (run `cargo leptos build --release` first)");
    let server = Server { child, base, _dir: dir };
    loop {
        let ready = http
            .request(Request::get(format!("{}/healthz", server.base)).body(Full::default()).expect("a request"))
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if ready {
            return (server, began.elapsed().as_secs_f64());
        }
        assert!(began.elapsed() < Duration::from_secs(30), "the server did not start");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

struct Answer {
    status: StatusCode,
    cookie: Option<String>,
    secs: f64,
}

async fn post(http: &Http, base: &str, path: &str, form: &str, ip: &str, cookie: Option<&str>) -> Answer {
    let mut req = Request::post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("origin", base)
        .header("x-forwarded-for", ip);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let began = Instant::now();
    let res = http.request(req.body(Full::new(Bytes::from(form.to_owned()))).expect("a request")).await;
    let secs = began.elapsed().as_secs_f64();
    match res {
        Ok(res) => {
            let status = res.status();
            let cookie = session_cookie(res.headers());
            let _ = res.into_body().collect().await;
            Answer { status, cookie, secs }
        }
        Err(_) => Answer { status: StatusCode::BAD_GATEWAY, cookie: None, secs },
    }
}

/// The new session cookie an answer sets (`riegel_session=…`), not one it removes.
fn session_cookie(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("riegel_session=") && !c.starts_with("riegel_session=;"))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

/// A client address of its own for request `n` (the server believes X-Forwarded-For from
/// 127.0.0.1), so no per-IP limit is reached.
fn ip(n: u64) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

fn argon2_hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(M_KIB, T, 1, None).expect("argon2 parameters"))
}

/// Figure 1a: argon2 verifications per second on all cores.
fn raw_argon2(cores: usize) -> f64 {
    let salt = argon2::password_hash::SaltString::from_b64("cmllZ2VsYmVuY2hzYWx0").expect("a salt");
    let phc = argon2_hasher().hash_password(PASSWORD.as_bytes(), &salt).expect("a hash").to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let workers: Vec<_> = (0..cores)
        .map(|_| {
            let (stop, done, phc) = (stop.clone(), done.clone(), phc.clone());
            std::thread::spawn(move || {
                let parsed = PasswordHash::new(&phc).expect("a PHC string");
                while !stop.load(Ordering::Relaxed) {
                    let _ = argon2_hasher().verify_password(b"wrong password", &parsed);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(4));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    done.load(Ordering::Relaxed) as f64 / began.elapsed().as_secs_f64()
}

/// Figure 1b: wrong-password logins per second at `concurrency` (each one argon2 verification).
async fn logins_per_sec(http: &Http, base: &str, concurrency: usize, secs: u64, counter: &Arc<AtomicU64>) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let answered = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, base, answered, counter) = (http.clone(), base.to_owned(), answered.clone(), counter.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let form = format!("email=nobody{n}%40bench.example&password=wrong-{n}");
                    if post(&http, &base, "/api/login", &form, &ip(n), None).await.status == StatusCode::UNAUTHORIZED {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let began = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    answered.load(Ordering::Relaxed) as f64 / began.elapsed().as_secs_f64()
}

/// Figure 2: requests at ten times the measured rate for a few seconds, open loop.
async fn overload(http: &Http, server: &Server, rate: f64, counter: &Arc<AtomicU64>) -> (Vec<f64>, u64, u64) {
    let pid = server.child.id();
    let peak = Arc::new(AtomicU64::new(rss_kib(pid)));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let interval = Duration::from_secs_f64(1.0 / (rate * 10.0));
    let total = (rate * 10.0 * 5.0) as usize;
    let mut tasks = Vec::with_capacity(total);
    let began = Instant::now();
    for i in 0..total {
        let at = began + interval * i as u32;
        tokio::time::sleep_until(at.into()).await;
        let (http, base, counter) = (http.clone(), server.base.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let form = format!("email=flood{n}%40bench.example&password=wrong-{n}");
            post(&http, &base, "/api/login", &form, &ip(n), None).await
        }));
    }
    let mut rejected = Vec::new();
    let mut other = 0;
    for t in tasks {
        match t.await {
            Ok(a) if a.status == StatusCode::SERVICE_UNAVAILABLE => rejected.push(a.secs),
            _ => other += 1,
        }
    }
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    rejected.sort_by(f64::total_cmp);
    (rejected, other, peak.load(Ordering::Relaxed))
}

/// Accounts with MFA set up (a verified phone), inserted before the server starts.
async fn seed_mfa_accounts(db: &str) {
    let accounts: Vec<(String, String)> =
        (0..MFA_CLIENTS).map(|i| (format!("user{i}@bench.example"), format!("+491512000{i:04}"))).collect();
    seed_accounts(db, "Bench GmbH", &accounts).await;
}

/// One organisation with members (e-mail, verified mobile number), all with `PASSWORD`.
async fn seed_accounts(db: &str, organisation: &str, accounts: &[(String, String)]) {
    let salt = argon2::password_hash::SaltString::from_b64("cmllZ2VsbWZhc2FsdA").expect("a salt");
    let phc = argon2_hasher().hash_password(PASSWORD.as_bytes(), &salt).expect("a hash").to_string();
    let pool = backends::open(db).await;
    let mut tx = pool.begin().await.expect("a transaction");
    let org: i64 = sqlx::query_scalar("INSERT INTO organisations (name, created_at) VALUES ($1, 0) RETURNING id")
        .bind(organisation)
        .fetch_one(&mut *tx)
        .await
        .expect("an organisation");
    for (email, phone) in accounts {
        sqlx::query(
            "INSERT INTO users (organisation_id, email, full_name, role, password_hash, phone_e164, phone_verified_at,
                                created_at)
             VALUES ($1, $2, 'Bench User', 'member', $3, $4, 0, 0)",
        )
        .bind(org)
        .bind(email)
        .bind(&phc)
        .bind(phone)
        .execute(&mut *tx)
        .await
        .expect("an account");
    }
    tx.commit().await.expect("the accounts");
    pool.close().await;
}

/// Figure 3: `MFA_CLIENTS` sessions at the challenge verify a wrong code one after the other
/// (the cost of one), then all at once, then, after the resend countdown, all resend at once.
/// With several servers, client `i` talks to server `i mod n`, as a load balancer would.
async fn mfa(http: &Http, servers: &[&Server]) -> Mfa {
    let base = |i: usize| servers[i % servers.len()].base.clone();
    let mut sessions = Vec::new();
    for i in 0..MFA_CLIENTS {
        let form = format!("email=user{i}%40bench.example&password={PASSWORD}");
        let a = post(http, &base(i), "/api/login", &form, &format!("10.200.0.{i}"), None).await;
        sessions.push(a.cookie.expect("a session at the challenge"));
    }
    let burst = |path: &'static str, form: &'static str| {
        let tasks: Vec<_> = sessions
            .iter()
            .enumerate()
            .map(|(i, cookie)| {
                let (http, base, cookie) = (http.clone(), base(i), cookie.clone());
                tokio::spawn(
                    async move { post(&http, &base, path, form, &format!("10.200.0.{i}"), Some(&cookie)).await },
                )
            })
            .collect::<Vec<_>>();
        async move {
            let mut secs = Vec::new();
            let mut busy = 0;
            for t in tasks {
                if let Ok(a) = t.await {
                    busy += usize::from(a.status.is_server_error());
                    secs.push(a.secs);
                }
            }
            secs.sort_by(f64::total_cmp);
            (secs, busy)
        }
    };
    // One client at a time first: what one verification costs when nothing waits.
    let mut alone = Vec::new();
    for (i, cookie) in sessions.iter().enumerate() {
        let a = post(http, &base(i), "/api/mfa/verify", "code=000000", &format!("10.200.0.{i}"), Some(cookie)).await;
        alone.push(a.secs);
    }
    alone.sort_by(f64::total_cmp);
    let before = Cpu::now(servers);
    let (verify, busy_v) = burst("/api/mfa/verify", "code=000000").await;
    let verify_cpu = Cpu::now(servers).per_request_since(before, MFA_CLIENTS);
    // "Resend" is possible 30 s after the first code.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let (resend, busy_r) = burst("/api/mfa/resend", "").await;
    Mfa { alone, verify, resend, busy: busy_v + busy_r, verify_cpu }
}

struct Mfa {
    /// CPU per verification during the burst.
    verify_cpu: Cpu,
    alone: Vec<f64>,
    verify: Vec<f64>,
    resend: Vec<f64>,
    busy: usize,
}

/// Whether the database holds exactly what figure 3's traffic did: per account two codes
/// (the login's and the resend's) and two wrong verifications counted.
async fn mfa_counts_exact(db: &str) -> bool {
    let pool = backends::open(db).await;
    let (sends, failures): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM code_sends), (SELECT CAST(sum(failures) AS BIGINT) FROM challenges)",
    )
    .fetch_one(&pool)
    .await
    .expect("the counts");
    pool.close().await;
    let n = MFA_CLIENTS as i64;
    (sends, failures) == (2 * n, 2 * n)
}

fn compressed(data: &[u8]) -> (usize, usize) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = gz.write_all(data);
    let gzip = gz.finish().map(|v| v.len()).unwrap_or(0);
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut &data[..], &mut br, &params);
    (gzip, br.len())
}

/// The wasm's sections by size (code, data, …): what dominates the download.
fn wasm_sections(wasm: &[u8]) -> Vec<(String, usize)> {
    fn leb(b: &[u8], i: &mut usize) -> usize {
        let (mut v, mut shift) = (0usize, 0);
        while let Some(&byte) = b.get(*i) {
            *i += 1;
            v |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        v
    }
    let names = [
        "custom",
        "type",
        "import",
        "function",
        "table",
        "memory",
        "global",
        "export",
        "start",
        "element",
        "code",
        "data",
        "data count",
    ];
    let mut out = Vec::new();
    let mut i = 8;
    while i < wasm.len() {
        let id = usize::from(wasm[i]);
        i += 1;
        let len = leb(wasm, &mut i);
        out.push((names.get(id).copied().unwrap_or("?").to_owned(), len));
        i += len;
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.1));
    out
}

#[tokio::main]
async fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let http: Http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(256).build_http();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .unwrap_or(0);
    // `bench soak [minutes]`: the soak test (`./x soak`), not the figures.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("soak") {
        let minutes = args.get(1).and_then(|m| m.parse().ok()).unwrap_or(10.0);
        return soak::run(&http, &root, minutes).await;
    }
    let mut rows: Vec<(String, String, String)> = Vec::new();
    // `cargo run -p bench -- 3 4` measures figures 3 and 4 only (1, 2 and 5 go together; 7 is
    // privacyIDEA, beside 3).
    let want = |n: &str| args.is_empty() || args.iter().any(|a| a == n);
    if want("1") || want("2") || want("5") {
        server_figures(&http, &root, cores, &mut rows).await;
    }
    if want("3") {
        mfa_figures(&http, &root, cores, &mut rows).await;
    }
    if want("7") {
        privacyidea::figures(&http, &root, cores, &mut rows).await;
    }
    if want("4") {
        bundle_figures(&http, &root, &mut rows).await;
    }

    let when = app::backend::tools::timefmt::minute(app::backend::tools::clock::now(), app::domain::lang::Lang::En);
    println!("Measured {when} on {cores} cores ({cpu}), {:.0} GiB RAM:", mem as f64 / 1048576.0);
    println!();
    println!("| figure | measured | goal |");
    println!("|---|---|---|");
    for (what, value, goal) in rows {
        println!("| {what} | {value} | {goal} |");
    }
}

type Rows = Vec<(String, String, String)>;

/// Figures 5, 1 and 2 on one server.
async fn server_figures(http: &Http, root: &Path, cores: usize, rows: &mut Rows) {
    eprintln!("bench: starting the release server");

    // 5. Start-up and idle memory.
    let (server, ready_secs) = start(http, root, Seed::Empty).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kib(server.child.id());
    rows.push(("5. start to ready `/healthz` (new database, migrations)".into(), ms(ready_secs), "< 300 ms".into()));
    rows.push(("5. idle RSS after start".into(), mib(idle), "≤ 30 MB".into()));

    // 1. argon2 and logins.
    eprintln!("bench: raw argon2 on {cores} cores");
    let raw = raw_argon2(cores);
    let counter = Arc::new(AtomicU64::new(1));
    let best = best_login_rate(http, &server, &counter).await;
    rows.push((
        format!("1. argon2id verifications/s (m={M_KIB} KiB, t={T}, p=1, {cores} threads)"),
        format!("{raw:.1}"),
        String::new(),
    ));
    rows.push((
        format!("1. password logins/s over HTTP (best concurrency {})", best.1),
        format!("{:.1}", best.0),
        String::new(),
    ));
    rows.push(("1. ratio logins / raw verifications".into(), format!("{:.2}", best.0 / raw), "≥ 0.9".into()));
    if Backend::available().contains(&Backend::Postgres) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = Backend::Postgres.new_database(dir.path()).await;
        let (pg, _) = start_on(http, root, Seed::Empty, &db, dir, &[]).await;
        let pg_best = best_login_rate(http, &pg, &counter).await;
        rows.push((
            format!("1. password logins/s over HTTP, PostgreSQL (best concurrency {})", pg_best.1),
            format!("{:.1}", pg_best.0),
            String::new(),
        ));
        rows.push((
            "1. ratio logins / raw verifications, PostgreSQL".into(),
            format!("{:.2}", pg_best.0 / raw),
            "≥ 0.9".into(),
        ));
    }

    // 2. Overload.
    eprintln!("bench: overload at 10 × {:.1}/s", best.0);
    let (rejected, other, peak) = overload(http, &server, best.0, &counter).await;
    let bound = idle + (1.2 * cores as f64 * f64::from(M_KIB)) as u64;
    rows.push((
        format!("2. overload at 10× ({:.0}/s for 5 s): answered 503 / otherwise", best.0 * 10.0),
        format!("{} / {other}", rejected.len()),
        String::new(),
    ));
    rows.push((
        "2. latency of the 503 answers, p50 / p99".into(),
        format!("{} / {}", ms(percentile(&rejected, 0.5)), ms(percentile(&rejected, 0.99))),
        "p99 < 50 ms".into(),
    ));
    rows.push((
        "2. peak RSS under overload vs idle".into(),
        format!("{} vs {}", mib(peak), mib(idle)),
        format!("≤ idle + 1.2 × {cores} permits × 19 MiB = {}", mib(bound)),
    ));
}

/// Figure 1: logins per second at the best of several concurrencies, and that concurrency.
async fn best_login_rate(http: &Http, server: &Server, counter: &Arc<AtomicU64>) -> (f64, usize) {
    let mut best = (0.0, 0);
    for c in [1, 2, 4, 8, 16, 32] {
        eprintln!("bench: logins at concurrency {c}");
        let r = logins_per_sec(http, &server.base, c, 4, counter).await;
        if r > best.0 {
            best = (r, c);
        }
    }
    best
}

/// Figure 3: MFA at 100 concurrent clients, on each backend, and on two instances sharing one
/// PostgreSQL database (client `i` at instance `i mod 2`).
async fn mfa_figures(http: &Http, root: &Path, cores: usize, rows: &mut Rows) {
    for backend in Backend::available() {
        // (label, instances, connections each); the server's default pool is 8.
        let mut setups: Vec<(String, usize, &str)> = vec![(backend.name().to_owned(), 1, "8")];
        if backend == Backend::Postgres {
            setups.push(("PostgreSQL, two instances".to_owned(), 2, "8"));
            // As many connections as one instance opens: on few cores, PostgreSQL spends more
            // per transaction the more of them run at once.
            setups.push(("PostgreSQL, two instances of 4 connections".to_owned(), 2, "4"));
        }
        for (label, instances, connections) in setups {
            eprintln!("bench: MFA with {MFA_CLIENTS} clients on {label} (waits 31 s for the resend countdown)");
            let dir = tempfile::tempdir().expect("a temporary folder");
            let db = backend.new_database(dir.path()).await;
            seed_mfa_accounts(&db).await;
            let mut servers = Vec::new();
            for _ in 0..instances {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let settings = [("RIEGEL_DB_MAX_CONNECTIONS", connections)];
                servers.push(start_on(http, root, Seed::MfaAccounts, &db, dir, &settings).await.0);
            }
            let Mfa { alone, verify, resend, busy, verify_cpu } = mfa(http, &servers.iter().collect::<Vec<_>>()).await;
            let exact = mfa_counts_exact(&db).await;
            drop(servers);
            rows.push((
                format!("3. MFA code verification, one client at a time, p50 / p99 ({label})"),
                format!("{} / {}", ms(percentile(&alone, 0.5)), ms(percentile(&alone, 0.99))),
                String::new(),
            ));
            rows.push((
                format!("3. MFA code verification, {MFA_CLIENTS} at once, p50 / p99 ({label})"),
                format!("{} / {}", ms(percentile(&verify, 0.5)), ms(percentile(&verify, 0.99))),
                "p99 < 10 ms".into(),
            ));
            rows.push((
                format!("3. MFA resend, {MFA_CLIENTS} at once, p50 / p99 ({label})"),
                format!("{} / {}", ms(percentile(&resend, 0.5)), ms(percentile(&resend, 0.99))),
                "p99 < 10 ms".into(),
            ));
            // The floor no locking scheme can go below: the CPU the 100 verifications need,
            // spread over every core.
            let floor_secs = verify_cpu.total_ns() as f64 * MFA_CLIENTS as f64 / 1e9 / cores as f64;
            rows.push((
                format!("3. CPU per verification in the burst: server / load generator / PostgreSQL ({label})"),
                format!(
                    "{} / {} / {} → {MFA_CLIENTS} at once need ≥ {} on {cores} cores",
                    micros(verify_cpu.servers),
                    micros(verify_cpu.client),
                    micros(verify_cpu.postgres),
                    ms(floor_secs)
                ),
                String::new(),
            ));
            // Every client starts at once, so the slowest answer ends the burst.
            let per_sec = MFA_CLIENTS as f64 / verify.last().copied().unwrap_or(f64::INFINITY);
            rows.push((
                format!("3. verifications per second, {MFA_CLIENTS} distinct accounts at once ({label})"),
                format!("{per_sec:.0}/s"),
                "two instances ≥ one".into(),
            ));
            if instances == 1 {
                let statements = statements_per_verification(http, root, backend).await;
                rows.push((
                    format!("3. statements per wrong-code verification, BEGIN and COMMIT aside ({label})"),
                    format!("{statements:.1}"),
                    "≤ 4".into(),
                ));
            }
            rows.push((format!("3. database-busy failures (5xx) ({label})"), busy.to_string(), "0".into()));
            rows.push((
                format!("3. codes sent and wrong codes counted, exactly ({label})"),
                if exact { "yes" } else { "NO" }.into(),
                "yes".into(),
            ));
        }
    }
}

/// The statements of one wrong-code verification as sqlx logs them (each with the request it
/// serves), in a server of its own, averaged over a few verifications one after the other.
async fn statements_per_verification(http: &Http, root: &Path, backend: Backend) -> f64 {
    const VERIFICATIONS: usize = 5;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = backend.new_database(dir.path()).await;
    seed_mfa_accounts(&db).await;
    let log_dir = tempfile::tempdir().expect("a temporary folder");
    let (server, _) =
        start_on(http, root, Seed::MfaAccounts, &db, log_dir, &[("RUST_LOG", "error,server=debug,sqlx::query=debug")])
            .await;
    let form = format!("email=user0%40bench.example&password={PASSWORD}");
    let login = post(http, &server.base, "/api/login", &form, "10.200.0.0", None).await;
    let cookie = login.cookie.expect("a session at the challenge");
    for _ in 0..VERIFICATIONS {
        post(http, &server.base, "/api/mfa/verify", "code=000000", "10.200.0.0", Some(&cookie)).await;
    }
    let log = std::fs::read_to_string(server._dir.path().join("server.log")).unwrap_or_default();
    let statements = log
        .lines()
        .map(without_colours)
        // Inside the request's span: `request{… route=/api/mfa/verify}: sqlx::query: …`.
        .filter(|l| l.contains("/api/mfa/verify}") && l.contains("sqlx::query"))
        .filter(|l| !["BEGIN", "COMMIT", "ROLLBACK"].iter().any(|s| l.contains(&format!("summary=\"{s}"))))
        .count();
    statements as f64 / VERIFICATIONS as f64
}

/// A log line without its terminal colour codes (`ESC [ … m`).
fn without_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().take_while(|c| *c != 'm').for_each(drop);
        } else {
            out.push(c);
        }
    }
    out
}

/// Figure 4: what a browser downloads for the first load of `/login` and of `/mfa` after it,
/// measured in Debian's chromium against the release server (`end2end/bench/first-load.mjs`),
/// with Lighthouse's mobile figures for both pages, and what dominates the main wasm.
async fn bundle_figures(http: &Http, root: &Path, rows: &mut Rows) {
    eprintln!("bench: first loads in chromium, then Lighthouse (about a minute)");
    let (server, _) = start(http, root, Seed::Demo).await;
    let pkg = root.join("target/site/pkg");
    let out = Command::new("node")
        .arg("bench/first-load.mjs")
        .arg(&server.base)
        .arg(&pkg)
        .current_dir(root.join("end2end"))
        .stderr(Stdio::inherit())
        .output()
        .expect("node (./x bench installs the end2end packages)");
    let loads: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("first-load.mjs printed no figures ({e}): {}", String::from_utf8_lossy(&out.stdout))
    });
    let kib = |v: &serde_json::Value| format!("{:.1} KiB", v.as_f64().unwrap_or(0.0) / 1024.0);
    for (page, label, goal) in
        [("login", "first load of `/login`", "≤ 100 KiB"), ("mfa", "`/mfa` after it", "≤ 100 KiB more")]
    {
        let l = &loads[page];
        rows.push((
            format!("4. {label}: wasm + JS on the wire (raw), files"),
            format!("{} ({}), {}", kib(&l["wire"]), kib(&l["raw"]), l["files"]),
            goal.into(),
        ));
    }
    let app = &loads["app"];
    rows.push((
        "4. the whole app: wasm + JS brotli (raw), files".into(),
        format!("{} ({}), {}", kib(&app["brotli"]), kib(&app["raw"]), app["files"]),
        "≤ 400 KiB".into(),
    ));
    for page in ["login", "mfa"] {
        let l = &loads["lighthouse"][page];
        rows.push((
            format!("4. Lighthouse `/{page}` (mobile): performance, TBT, LCP, TTI"),
            format!("{}, {} ms, {} ms, {} ms", l["performance"], l["tbtMs"], l["lcpMs"], l["ttiMs"]),
            "≥ 95, ≤ 50 ms".into(),
        ));
        rows.push((
            format!("4. Lighthouse `/{page}`: accessibility, best practices"),
            format!("{}, {}", l["accessibility"], l["bestPractices"]),
            "100, 100".into(),
        ));
    }
    let main = std::fs::read_dir(&pkg).into_iter().flatten().flatten().map(|e| e.path()).find(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        name.starts_with("riegel.") && name.ends_with(".wasm")
    });
    let data = main.map(std::fs::read).and_then(Result::ok).unwrap_or_default();
    let (gz, br) = compressed(&data);
    rows.push(("4. main wasm: raw / gzip / brotli".into(), format!("{} / {gz} / {br} B", data.len()), String::new()));
    let top: Vec<String> =
        wasm_sections(&data).iter().take(3).map(|(n, s)| format!("{n} {:.0} KiB", *s as f64 / 1024.0)).collect();
    rows.push(("4. largest sections of the main wasm".into(), top.join(", "), String::new()));
}
