//! PostgreSQL as a server that can fail: reachable at the start, then gone, then back.
//!
//! Needs PostgreSQL: `./x test` runs these inside a throwaway cluster, with
//! `RIEGEL_TEST_POSTGRES` set, and leaves them out of the SQLite pass.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use app::backend::db::{Backend, Location, LockKey, PoolSettings};
use http::{StatusCode, header};
use tokio::{net::TcpListener, task::JoinHandle};

use crate::harness::{Client, TestApp, at_challenge, ip, new_database, tally, tally_after_resends};

/// A TCP forwarder in front of PostgreSQL that a test cuts and restores: while cut, open
/// connections break and new ones are closed at once, as when the server or the network
/// between fails.
struct Proxy {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, links) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
        let (c, l) = (cut.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(link);
            }
        });
        Proxy { addr, cut, links }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// A new database on the test server, reached through a proxy.
async fn behind_proxy(dir: &std::path::Path) -> (Proxy, Location) {
    let Location::Postgres(url) = new_database(Backend::Postgres, dir).await else { unreachable!() };
    let host = std::env::var("PGHOST").unwrap_or_else(|_| "localhost".into());
    let port: u16 = std::env::var("PGPORT").ok().and_then(|p| p.parse().ok()).unwrap_or(5432);
    let target = tokio::net::lookup_host((host.as_str(), port)).await.unwrap().next().unwrap();
    let proxy = Proxy::start(target).await;
    let url = url.replacen(&format!("@{host}:{port}/"), &format!("@{}/", proxy.addr), 1);
    assert!(url.contains(&proxy.addr.to_string()), "{url}");
    (proxy, Location::Postgres(url))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_answers_503_writes_nothing_and_recovers_by_itself() {
    assert!(
        std::env::var_os("RIEGEL_TEST_POSTGRES").is_some(),
        "this test needs PostgreSQL: run `./x test`, or `pg_virtualenv env RIEGEL_TEST_POSTGRES=1 cargo test -p server postgres`"
    );
    let dir = tempfile::tempdir().unwrap();
    let (proxy, location) = behind_proxy(dir.path()).await;
    let t = TestApp::start_at(location).await;
    // A login from a new address: the MFA challenge, its code sent, a resend due.
    let c = at_challenge(&t).await;
    let before = tally(&t).await;

    proxy.cut();
    // Not ready, but alive: a supervisor keeps the process, a proxy sends it no requests.
    let (ready, alive) = (Client::new(&t, ip(11)).get("/healthz").await, Client::new(&t, ip(11)).get("/livez").await);
    assert_eq!((ready.status, alive.status), (StatusCode::SERVICE_UNAVAILABLE, StatusCode::OK));
    for res in [c.resend().await, Client::new(&t, ip(10)).login("ute@example.org", "wrong password").await] {
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{res:?}");
        assert_eq!(res.header(header::RETRY_AFTER).as_deref(), Some("1"), "{res:?}");
        assert!(res.body.contains("Busy"), "{res:?}");
    }

    proxy.restore();
    t.state.clock.advance(120); // past the resend countdown
    let mut tries = 0;
    let resent = loop {
        let res = c.resend().await;
        tries += 1;
        if res.status != StatusCode::SERVICE_UNAVAILABLE || tries == 75 {
            break res;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(resent.status, StatusCode::OK, "recovered by itself: {resent:?}");
    // Exactly the one resend after the outage was written; the refused requests left nothing.
    assert_eq!(
        tally(&t).await,
        tally_after_resends(&before, 1),
        "rows: code_sends, challenge_codes, outbox, audit_events, ip failures, sessions, sms_sends"
    );
}

/// A write transaction left idle between two statements (its instance frozen) is ended by
/// PostgreSQL after `--db-idle-in-transaction-secs`, and its lock goes with it: the next
/// writer gets its turn instead of waiting out the write wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_write_transaction_is_ended_and_the_next_writer_gets_its_turn() {
    let location = new_database(Backend::Postgres, std::path::Path::new(".")).await;
    let settings = PoolSettings { idle_in_transaction: Duration::from_secs(1), ..Default::default() };
    let db = app::backend::db::open(&location, &settings).await.unwrap();

    let mut frozen = db.writer.begin().await.unwrap();
    let (timeout,): (String,) =
        sqlx::query_as("SHOW idle_in_transaction_session_timeout").fetch_one(&mut *frozen).await.unwrap();
    assert_eq!(timeout, "1s", "the setting reaches every connection");

    // `frozen` holds an account's lock and sends nothing more.
    frozen.lock([LockKey::Account(1)]).await.unwrap();
    let mut next = db.writer.begin().await.unwrap();
    let took = next.lock([LockKey::Account(1)]).await;
    assert!(took.is_ok(), "the next writer got the account's lock: {:?}", took.err());
    assert!(frozen.commit().await.is_err(), "the server ended the idle transaction");
    next.commit().await.unwrap();
}
