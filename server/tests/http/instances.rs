//! Two instances on one PostgreSQL database, driven as a load balancer would: requests
//! alternate between them, and nothing is counted twice or lost. Real server processes, but
//! for the push wake-up, whose event stream is read through two in-process instances (each
//! with its own pool and its own listener).
//!
//! Needs PostgreSQL: `./x test` runs these inside a throwaway cluster, with the release
//! binary (`RIEGEL_SERVER_BIN`), and leaves them out of the SQLite pass.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use app::backend::db::{Backend, Location};

use crate::{
    harness::{Client, PHONE, PW, TestApp, count, ip, new_database, six_digits},
    process::{Raw, Server, http},
};

/// Both instances, and an in-process app on the same database to set up accounts and read
/// the rows.
struct Two {
    t: TestApp,
    a: Server,
    b: Server,
    dir: tempfile::TempDir,
}

fn needs_postgres() {
    assert!(
        std::env::var_os("RIEGEL_TEST_POSTGRES").is_some(),
        "this test needs PostgreSQL: run `./x test`, or `pg_virtualenv env RIEGEL_TEST_POSTGRES=1 cargo test -p server instances`"
    );
}

/// A new database with the in-process app on it (which migrates it).
pub(crate) async fn database() -> (TestApp, String, tempfile::TempDir) {
    needs_postgres();
    let dir = tempfile::tempdir().unwrap();
    let location = new_database(Backend::Postgres, dir.path()).await;
    let Location::Postgres(url) = location.clone() else { unreachable!() };
    (TestApp::start_at(location).await, url, dir)
}

async fn two() -> Two {
    let (t, url, dir) = database().await;
    let a = Server::start_on(&url, &dir.path().join("a.log"), &[]).await;
    let b = Server::start_on(&url, &dir.path().join("b.log"), &[]).await;
    Two { t, a, b, dir }
}

impl Two {
    /// Instance A for even `n`, B for odd: the balancer's alternation.
    fn at(&self, n: usize) -> SocketAddr {
        if n.is_multiple_of(2) { self.a.addr } else { self.b.addr }
    }

    fn logs(&self) -> String {
        ["a.log", "b.log"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// One request from `from` (as the proxy reports it), off the test's runtime.
pub(crate) async fn req(addr: SocketAddr, path: &str, body: &str, from: &str, cookie: Option<&str>) -> Raw {
    let (path, body, from, cookie) = (path.to_owned(), body.to_owned(), from.to_owned(), cookie.map(str::to_owned));
    let method = if path.starts_with("/dev/") { "GET" } else { "POST" };
    tokio::task::spawn_blocking(move || http(addr, method, &path, &body, Some(&from), cookie.as_deref()))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("no answer from {addr}: {e}"))
}

/// The session cookie an answer sets, as the browser sends it back.
pub(crate) fn session(r: &Raw) -> String {
    r.head
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .find(|c| c.starts_with("riegel_session=") && !c.starts_with("riegel_session=;"))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie: {}", r.head))
        .to_owned()
}

pub(crate) fn location(r: &Raw) -> Option<&str> {
    r.head.lines().find_map(|l| l.to_ascii_lowercase().starts_with("location: ").then(|| l[10..].trim()))
}

/// The newest message to `recipient` whose body starts with `prefix`, read from `addr`'s
/// development outbox, waiting up to ten seconds for it to arrive there.
pub(crate) async fn message(addr: SocketAddr, recipient: &str, prefix: &str, skip: usize) -> String {
    for _ in 0..200 {
        let list: Vec<serde_json::Value> =
            serde_json::from_str(&req(addr, "/dev/outbox.json", "", "127.0.0.1", None).await.body).unwrap();
        let found: Vec<&str> = list
            .iter()
            .filter(|m| m["recipient"] == recipient)
            .filter_map(|m| m["body"].as_str())
            .filter(|b| b.starts_with(prefix))
            .collect();
        if found.len() > skip {
            return found[0].to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no message to {recipient} at {addr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_through_one_instance_passes_mfa_through_the_other_and_logs_out_everywhere() {
    let two = two().await;
    two.t.user("anna@example.org", PW, "member").await;
    let body = "email=anna%40example.org&password=correct+horse+battery+staple";
    let challenged = req(two.a.addr, "/api/login", body, "10.9.0.1", None).await;
    assert_eq!(location(&challenged), Some("/mfa"), "{}\n{}", challenged.head, two.logs());
    let s = session(&challenged);
    // A delivered the code; B's development outbox has it too.
    let code = six_digits(&message(two.b.addr, PHONE, "", 0).await).unwrap();
    let done = req(two.b.addr, "/api/mfa/verify", &format!("code={code}"), "10.9.0.1", Some(&s)).await;
    assert_eq!(location(&done), Some("/"), "{}", done.head);
    let s = session(&done);
    for addr in [two.a.addr, two.b.addr] {
        let me = req(addr, "/api/me", "", "10.9.0.1", Some(&s)).await;
        assert!(me.status == 200 && me.body.contains("anna@example.org"), "{} {}", me.status, me.body);
    }
    // Logged out through B: the session has ended on A as well.
    assert_eq!(req(two.b.addr, "/api/logout", "", "10.9.0.1", Some(&s)).await.status, 200);
    for addr in [two.a.addr, two.b.addr] {
        assert_eq!(req(addr, "/api/me", "", "10.9.0.1", Some(&s)).await.body, "null", "logged out");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_parallel_logins_across_both_send_exactly_the_quota_and_lock_once() {
    let two = Arc::new(two().await);
    two.t.user("anna@example.org", PW, "member").await;
    let (challenged, locked) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    // Each from a new address, so each opens a challenge and sends a code.
    let logins = (0..100).map(|n| {
        let (two, challenged, locked) = (two.clone(), challenged.clone(), locked.clone());
        async move {
            let body = "email=anna%40example.org&password=correct+horse+battery+staple";
            let r = req(two.at(n), "/api/login", body, &format!("10.8.{}.{}", n / 200, n % 200 + 1), None).await;
            match r.status {
                _ if r.challenged() => challenged.fetch_add(1, Ordering::SeqCst),
                423 => locked.fetch_add(1, Ordering::SeqCst),
                other => panic!("{other} {}", r.body),
            };
        }
    });
    futures::future::join_all(logins).await;
    let quota = two.t.state.config.policy.login_codes_per_channel as usize;
    assert_eq!(challenged.load(Ordering::SeqCst), quota, "{}", two.logs());
    assert_eq!(locked.load(Ordering::SeqCst), 100 - quota);
    assert_eq!(count(&two.t, "SELECT count(*) FROM code_sends").await, quota as i64);
    assert_eq!(count(&two.t, "SELECT count(*) FROM outbox WHERE channel = 'sms'").await, quota as i64);
    assert_eq!(two.t.audited("account.locked").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_parallel_wrong_tans_across_both_count_three_and_lock_once() {
    let two = Arc::new(two().await);
    two.t.user("anna@example.org", PW, "member").await;
    let trusted = ip(1).to_string();
    let r =
        req(two.a.addr, "/api/login", "email=anna%40example.org&password=correct+horse+battery+staple", &trusted, None)
            .await;
    assert_eq!(location(&r), Some("/"), "from the trusted address without a challenge: {}", r.head);
    let s = Arc::new(session(&r));
    let change = |tan: &str| format!("holder=Muster+GmbH&iban=DE89370400440532013000&bic=&tan={tan}");
    assert_eq!(req(two.b.addr, "/api/bank/change", &change(""), &trusted, Some(&s)).await.status, 428);
    let tan = &message(two.a.addr, PHONE, "TAN ", 0).await[4..10];
    let wrong = if tan == "222222" { "333333" } else { "222222" };
    let answers = futures::future::join_all((0..30).map(|n| {
        let (two, s, body, trusted) = (two.clone(), s.clone(), change(wrong), trusted.clone());
        async move { req(two.at(n), "/api/bank/change", &body, &trusted, Some(&s)).await }
    }))
    .await;
    let tries_left = answers.iter().filter(|r| r.body.contains("tries_left")).count();
    let locked = answers.iter().filter(|r| r.status == 423 && r.body.contains("TanLocked")).count();
    assert_eq!((tries_left, locked), (2, 28), "{:?}", answers.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert_eq!(two.t.audited("tan.locked").await, 1);
    assert_eq!(count(&two.t, "SELECT tan_wrong_in_a_row FROM users").await, 3);
    // Even the right TAN is refused now, through either instance.
    assert!(req(two.a.addr, "/api/bank/change", &change(tan), &trusted, Some(&s)).await.body.contains("TanLocked"));
    assert_eq!(count(&two.t, "SELECT count(*) FROM bank_accounts").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_killed_instance_had_claimed_the_other_delivers_once_the_claim_runs_out() {
    let (t, url, dir) = database().await;
    // Ten SMS waiting in the outbox: logins from ten new addresses.
    for n in 0..10 {
        t.user(&format!("user{n}@example.org"), PW, "member").await;
        sqlx::query("UPDATE users SET phone_e164 = $1 WHERE email = $2")
            .bind(format!("+49151200000{n:02}"))
            .bind(format!("user{n}@example.org"))
            .execute(&t.state.pool)
            .await
            .unwrap();
        let (res, _) = Client::new(&t, ip(100 + n)).password(&format!("user{n}@example.org"), PW).await;
        assert_eq!(res.header(http::header::LOCATION).as_deref(), Some("/mfa"));
    }
    // A's SMS gateway takes the connection and never answers: A claims the ten, starts
    // sending, and is killed mid-delivery.
    let gateway = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway_url = format!("http://{}", gateway.local_addr().unwrap());
    let claim = [("RIEGEL_DELIVERY_TIMEOUT_SECS", "2"), ("RIEGEL_DELIVERY_CLAIM_SECS", "4")];
    let mut a = Server::start_on(
        &url,
        &dir.path().join("a.log"),
        &[
            &claim[..],
            &[("RIEGEL_SMS_GATEWAY_URL", &gateway_url), ("RIEGEL_SMS_ACCOUNT", "AC1"), ("RIEGEL_SMS_TOKEN", "token")],
        ]
        .concat(),
    )
    .await;
    let held = tokio::time::timeout(Duration::from_secs(20), gateway.accept()).await.expect("A delivers").unwrap();
    a.kill_9();
    drop(held);
    let pending = "SELECT count(*) FROM outbox WHERE sent_at IS NULL";
    assert_eq!(count(&t, pending).await, 10, "A sent nothing");
    let claimed_until = count(&t, "SELECT min(next_attempt_at) FROM outbox").await;
    assert!(claimed_until > app::backend::tools::clock::now().0, "A's claim holds the ten");
    assert_eq!(count(&t, "SELECT max(attempts) FROM outbox").await, 0);

    // B, with the development provider, waits for the claim and delivers each once.
    let b = Server::start_on(&url, &dir.path().join("b.log"), &claim).await;
    let mut delivered = Vec::new();
    for _ in 0..200 {
        let list: Vec<serde_json::Value> =
            serde_json::from_str(&req(b.addr, "/dev/outbox.json", "", "127.0.0.1", None).await.body).unwrap();
        delivered =
            list.iter().filter(|m| m["channel"] == "sms").map(|m| m["delivered_at"].as_i64().unwrap()).collect();
        // Delivered, and marked sent (the pass marks after handing over).
        if delivered.len() >= 10 && count(&t, pending).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered.len(), 10, "every message arrived, once");
    assert!(
        delivered.iter().all(|at| *at >= claimed_until),
        "not before A's claim ran out: {delivered:?} vs {claimed_until}"
    );
    assert_eq!(count(&t, pending).await, 0);
    assert_eq!(count(&t, "SELECT count(*) FROM outbox WHERE attempts = 1").await, 10, "each marked sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_approved_through_one_instance_wakes_the_login_screen_streaming_from_the_other() {
    use crate::push::{challenge_at, paired, request_on_device, shown_number};
    let (a, url, _dir) = database().await;
    let b = TestApp::start_at(Location::Postgres(url)).await;
    let device = paired(&a).await;
    let screen = challenge_at(&a, 7).await;
    assert_eq!(screen.post("/api/mfa/push", "").await.status, http::StatusCode::OK);
    let number = shown_number(&screen).await;
    let (id, nonce, _, _) = request_on_device(&device).await;
    // The login screen streams from A; the device answers through B.
    let mut events = screen.events("/api/mfa/push/events").await;
    assert_eq!(events.next().await.unwrap(), "event: push\ndata: Pending\n\n");
    let device = crate::push::Device { key: device.key.clone(), client: device.client.via(&b) };
    let res = device.answer(id, &nonce, &number.to_string()).await;
    assert_eq!(res.status, http::StatusCode::OK, "{res:?}");
    // Within a second: the wake-up came through PostgreSQL, not the streams' own re-read
    // every five seconds.
    let woke = tokio::time::timeout(Duration::from_secs(1), events.next()).await;
    assert_eq!(woke.expect("woken within a second").unwrap(), "event: push\ndata: Approved\n\n");
}
