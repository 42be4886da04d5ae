//! `./x soak [minutes]`: the release binary on a fresh SQLite database under mixed traffic
//! from many client addresses for the given time (default 10 minutes), then a report:
//!
//! - requests by kind and status, p50/p99/max latency per kind, and how many took over 5 s
//!   (goal: none);
//! - the server's RSS, open file descriptors, and the database and WAL sizes after warm-up, in
//!   the middle and at the end (goal: RSS and descriptors within 10 % after warm-up; WAL
//!   bounded);
//! - every count in the database against what the traffic did, account by account (codes sent,
//!   wrong codes, locks, TANs and TAN strikes, outbox rows delivered once), and the requests
//!   answered otherwise than the account's history said.
//!
//! The traffic: wrong passwords, logins with MFA by SMS or (after a method switch) e-mail, with
//! wrong codes and resends, bank account changes with right and wrong TANs, logins that burn
//! the code quota until the lock, pages rendered with their script and forms posted without
//! JavaScript, and push event streams opened and dropped, while the delivery worker delivers.
//! The server runs in development mode, whose outbox (the last 1,000 messages, in memory) is
//! how the simulated users read their codes.

mod ledger;
mod traffic;

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
    sync::{Arc, Mutex, atomic::AtomicU64},
    time::{Duration, Instant},
};

use http::StatusCode;
use rand::{Rng as _, SeedableRng as _};

use crate::{Http, Seed, backends::Backend, percentile, rss_kib, seed_accounts, start_on};

const USERS: usize = 16;
const ACCOUNTS: usize = 2000;

#[derive(Default)]
struct Kind {
    statuses: BTreeMap<u16, u64>,
    secs: Vec<f64>,
}

/// Every request by kind; and the answers that differed from the expected one.
#[derive(Default)]
pub struct Stats {
    kinds: Mutex<HashMap<&'static str, Kind>>,
    unexpected: Mutex<BTreeMap<(&'static str, u16, u16), u64>>,
    failed: Mutex<std::collections::HashSet<&'static str>>,
}

impl Stats {
    fn record(&self, kind: &'static str, status: StatusCode, took: Duration) {
        if let Ok(mut kinds) = self.kinds.lock() {
            let k = kinds.entry(kind).or_default();
            *k.statuses.entry(status.as_u16()).or_default() += 1;
            k.secs.push(took.as_secs_f64());
        }
    }

    /// Whether this is the first request of its kind that got no answer.
    fn first_failure(&self, kind: &'static str) -> bool {
        self.failed.lock().is_ok_and(|mut f| f.insert(kind))
    }

    fn unexpected(&self, kind: &'static str, got: StatusCode, want: StatusCode) {
        if let Ok(mut u) = self.unexpected.lock() {
            *u.entry((kind, got.as_u16(), want.as_u16())).or_default() += 1;
        }
    }
}

/// The server's resources at one moment.
struct Sample {
    at: &'static str,
    rss_kib: u64,
    fds: usize,
    sockets: usize,
    db_bytes: u64,
    wal_bytes: u64,
}

fn sample(at: &'static str, pid: u32, db: &str) -> Sample {
    let size = |p: &str| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    // One reading of the descriptor table, so the sockets are counted among the same ones.
    let (fds, sockets) = descriptors(pid);
    Sample { at, rss_kib: rss_kib(pid), fds, sockets, db_bytes: size(db), wal_bytes: size(&format!("{db}-wal")) }
}

/// The server's open descriptors, and how many of them are sockets (the listener and the
/// connections the traffic holds open at that moment).
fn descriptors(pid: u32) -> (usize, usize) {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return (0, 0) };
    let targets: Vec<String> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .map(|t| t.display().to_string())
        .collect();
    (targets.len(), targets.iter().filter(|t| t.starts_with("socket:")).count())
}

pub async fn run(http: &Http, root: &Path, minutes: f64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("server.err");
    let db = Backend::Sqlite.new_database(dir.path()).await;
    let accounts: Vec<(String, String)> = (0..ACCOUNTS)
        .map(|i| {
            let a = ledger::Account { index: i, ..Default::default() };
            (a.email(), a.phone())
        })
        .collect();
    seed_accounts(&db, "Soak GmbH", &accounts).await;
    let (server, _) = start_on(http, root, Seed::Empty, &db, dir, &[]).await;
    let pid = server.child.id();
    let total = Duration::from_secs_f64(minutes * 60.0);
    eprintln!("soak: {USERS} simulated users, {ACCOUNTS} accounts, {minutes} min against {}", server.base);

    let stats = Arc::new(Stats::default());
    let pool = Arc::new(ledger::Accounts::new(ACCOUNTS));
    let next_ip = Arc::new(AtomicU64::new(1));
    let began = Instant::now();
    let deadline = began + total;
    let users: Vec<_> = (0..USERS)
        .map(|u| {
            let (http, base, stats, pool, next_ip) =
                (http.clone(), server.base.clone(), stats.clone(), pool.clone(), next_ip.clone());
            tokio::spawn(async move {
                let client = traffic::Client { http: &http, base: &base, stats: &stats, next_ip: &next_ip };
                let mut rng = rand::rngs::StdRng::seed_from_u64(u as u64);
                let mut n = (u as u64) << 32;
                while Instant::now() < deadline {
                    n += 1;
                    let roll: f64 = rng.r#gen();
                    if roll < 0.15 {
                        client.wrong_password(n).await;
                    } else if roll < 0.30 {
                        client.pages(n).await;
                    } else if let Some(mut account) = pool.take() {
                        if roll < 0.37 {
                            client.push_stream(&mut account, &mut rng).await;
                        } else if roll < 0.375 {
                            client.burn_quota(&mut account).await;
                        } else {
                            client.full_login(&mut account, &mut rng).await;
                        }
                        pool.put(account);
                    }
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(10..100))).await;
                }
            })
        })
        .collect();

    // Warm-up: a tenth of the run (at most a minute); then the middle and the end.
    let warm = (total / 10).min(Duration::from_secs(60));
    tokio::time::sleep(warm).await;
    let mut samples = vec![sample("after warm-up", pid, &db)];
    tokio::time::sleep_until((began + total / 2).into()).await;
    samples.push(sample("middle", pid, &db));
    for u in users {
        let _ = u.await;
    }
    let ran = began.elapsed();
    samples.push(sample("end of traffic", pid, &db));
    drained(&db).await;

    let (checks, differ) = ledger::compare(&db, &pool.all()).await;
    samples.push(sample("after the check", pid, &db));
    // A panic in the server ends the request it served without an answer (counted as 502); the
    // panic message is on its stderr.
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    let panics = said.lines().filter(|l| l.contains("panicked at")).count();
    if panics > 0 {
        let first = said.lines().skip_while(|l| !l.contains("panicked at")).take(2).collect::<Vec<_>>().join(" ");
        eprintln!("soak: the server panicked {panics} times; the first: {first}");
    }
    report(&stats, &samples, &checks, differ, ran, panics);
    drop(server);
}

/// Waits (up to a minute) until the delivery worker has sent every message.
async fn drained(db: &str) {
    let pool = crate::backends::open(db).await;
    for _ in 0..600 {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap_or(-1);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;
}

fn report(stats: &Stats, samples: &[Sample], checks: &[ledger::Check], differ: usize, ran: Duration, panics: usize) {
    let kinds =
        stats.kinds.lock().map(|k| k.iter().map(|(n, k)| (*n, k.statuses.clone(), k.secs.clone())).collect::<Vec<_>>());
    let mut kinds = kinds.unwrap_or_default();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.2.len()));
    let requests: usize = kinds.iter().map(|k| k.2.len()).sum();
    let mut slow = 0;
    println!(
        "Soak: {:.1} min, {requests} requests ({:.1}/s)",
        ran.as_secs_f64() / 60.0,
        requests as f64 / ran.as_secs_f64()
    );
    println!();
    println!("| kind | requests by status | p50 | p99 | max | over 5 s |");
    println!("|---|---|---|---|---|---|");
    for (name, statuses, mut secs) in kinds {
        secs.sort_by(f64::total_cmp);
        let over = secs.iter().filter(|s| **s > 5.0).count();
        slow += over;
        let by: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        let ms = |s: f64| format!("{:.1} ms", s * 1000.0);
        println!(
            "| {name} | {} | {} | {} | {} | {over} |",
            by.join(", "),
            ms(percentile(&secs, 0.5)),
            ms(percentile(&secs, 0.99)),
            ms(secs.last().copied().unwrap_or(0.0))
        );
    }
    println!();
    println!("| moment | RSS | open descriptors (sockets) | database | WAL |");
    println!("|---|---|---|---|---|");
    for s in samples {
        let mb = |b: u64| format!("{:.1} MiB", b as f64 / 1_048_576.0);
        let (at, rss, fds, sockets) = (s.at, mb(s.rss_kib * 1024), s.fds, s.sockets);
        println!("| {at} | {rss} | {fds} ({sockets}) | {} | {} |", mb(s.db_bytes), mb(s.wal_bytes));
    }
    let (first, end) = (&samples[0], &samples[2]);
    let grew = |a: f64, b: f64| if a > 0.0 { (b - a) / a * 100.0 } else { 0.0 };
    let rss_growth = grew(first.rss_kib as f64, end.rss_kib as f64);
    // Sockets come and go with the traffic's connections; the rest (database files, pipes,
    // event descriptors) must not grow.
    let fd_growth = grew((first.fds - first.sockets) as f64, (end.fds - end.sockets) as f64);
    println!();
    println!("| count | traffic | database |");
    println!("|---|---|---|");
    for c in checks {
        println!("| {} | {} | {} |", c.what, c.traffic, c.database);
    }
    let unexpected = stats.unexpected.lock().map(|u| u.clone()).unwrap_or_default();
    if !unexpected.is_empty() {
        println!();
        println!("| answered otherwise than expected | got | expected | times |");
        println!("|---|---|---|---|");
        for ((kind, got, want), n) in &unexpected {
            println!("| {kind} | {got} | {want} | {n} |");
        }
    }
    let exact = differ == 0 && checks.iter().all(|c| c.traffic == c.database);
    println!();
    println!(
        "Verdict: {slow} requests over 5 s; {panics} server panics; RSS {rss_growth:+.1} % and descriptors other than sockets {fd_growth:+.1} % from warm-up to end; \
         counts {}; {} answers otherwise than expected.",
        if exact { "exact".to_owned() } else { format!("NOT exact ({differ} accounts differ)") },
        unexpected.values().sum::<u64>()
    );
}
