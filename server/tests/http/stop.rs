//! The server stopped under load, by SIGKILL (an attack) or by SIGTERM (a fault, as in
//! `faults`), with the real binary (`process`): nothing half-written, nothing lost,
//! nothing counted twice, and the restart delivers what waited.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use app::backend::db::Location;

use crate::{
    harness::{PW, TestApp},
    process::{Server, http},
};

pub const USERS: usize = 40;
const LOADERS: usize = 8;

fn phone_of(user: usize) -> String {
    format!("+4915120000{user:03}")
}

async fn count_rows(pool: &sqlx::AnyPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Per account: logins tried, answered with a challenge, answered "locked", cut off.
#[derive(Default)]
struct Tally {
    tried: Vec<AtomicUsize>,
    challenged: Vec<AtomicUsize>,
    locked: Vec<AtomicUsize>,
    cut: Vec<AtomicUsize>,
    /// Connections refused: the server had stopped accepting.
    refused: AtomicUsize,
    unexpected: Mutex<Vec<String>>,
}

/// How the server is stopped in the middle of the load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// SIGKILL: no shutdown of its own; requests in flight are cut.
    Kill9,
    /// SIGTERM, as systemd and Kubernetes stop a service: the server stops accepting and
    /// finishes every request it took.
    Term,
}

/// Logins from new addresses (each a challenge and an SMS to a gateway that never answers)
/// from eight loaders at once; the server is stopped `how` while the delivery worker holds
/// its claims. Then: each send is whole or absent, the quota held, every waiting message is
/// delivered once by the restarted server, and the counters carry on.
pub async fn during_logins(how: Stop) {
    // Forty accounts with MFA, created before the server starts on the same database.
    let t = TestApp::start().await;
    for u in 0..USERS {
        let email = format!("user{u}@example.org");
        t.user(&email, PW, "member").await;
        sqlx::query("UPDATE users SET phone_e164 = $1 WHERE email = $2")
            .bind(phone_of(u))
            .bind(&email)
            .execute(&t.state.pool)
            .await
            .unwrap();
    }
    let user_ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users ORDER BY id").fetch_all(&t.state.pool).await.unwrap();
    t.state.pool.close().await;
    let db = match &t.database {
        Location::Sqlite(path) => path.to_string_lossy().into_owned(),
        Location::Postgres(url) => url.clone(),
    };
    let log = t.dir().join("server.log");
    // The SMS gateway takes each connection and never answers, so the worker is mid-delivery,
    // holding its claims, when the server is killed, however fast the machine is. A short
    // claim: on PostgreSQL a restart leaves the killed server's claims to run out.
    let gateway = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway_url = format!("http://{}", gateway.local_addr().unwrap());
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = gateway.accept().await {
            open.push(socket);
        }
    });
    let claim = [("RIEGEL_DELIVERY_TIMEOUT_SECS", "10"), ("RIEGEL_DELIVERY_CLAIM_SECS", "11")];
    let hanging =
        [("RIEGEL_SMS_GATEWAY_URL", gateway_url.as_str()), ("RIEGEL_SMS_ACCOUNT", "AC1"), ("RIEGEL_SMS_TOKEN", "t")];
    let mut server = Server::start_on(&db, &log, &[&claim[..], &hanging[..]].concat()).await;

    // Logins from new addresses, each a challenge and an SMS, from eight loaders at once.
    let tally = Arc::new(Tally {
        tried: (0..USERS).map(|_| AtomicUsize::new(0)).collect(),
        challenged: (0..USERS).map(|_| AtomicUsize::new(0)).collect(),
        locked: (0..USERS).map(|_| AtomicUsize::new(0)).collect(),
        cut: (0..USERS).map(|_| AtomicUsize::new(0)).collect(),
        refused: AtomicUsize::new(0),
        unexpected: Mutex::new(Vec::new()),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let loaders: Vec<_> = (0..LOADERS)
        .map(|l| {
            let (tally, stop, addr) = (tally.clone(), stop.clone(), server.addr);
            std::thread::spawn(move || {
                let mut j = 0;
                while !stop.load(Ordering::Relaxed) {
                    let u = (l * 5 + j) % USERS;
                    let from = format!("10.{}.{}.{}", 100 + l, j / 250, j % 250 + 1);
                    j += 1;
                    tally.tried[u].fetch_add(1, Ordering::SeqCst);
                    let body = format!("email=user{u}%40example.org&password=correct+horse+battery+staple");
                    match http(addr, "POST", "/api/login", &body, Some(&from), None) {
                        Ok(r) if r.challenged() => tally.challenged[u].fetch_add(1, Ordering::SeqCst),
                        Ok(r) if r.status == 423 => tally.locked[u].fetch_add(1, Ordering::SeqCst),
                        Ok(r) => {
                            tally.unexpected.lock().unwrap().push(format!("{} {}", r.status, r.body));
                            0
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                            tally.refused.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                        Err(_) => {
                            tally.cut[u].fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    };
                }
            })
        })
        .collect();
    let total = |v: &Vec<AtomicUsize>| v.iter().map(|a| a.load(Ordering::SeqCst)).sum::<usize>();
    for _ in 0..6000 {
        if total(&tally.challenged) >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(total(&tally.challenged) >= 200, "the load ran: {}", std::fs::read_to_string(&log).unwrap_or_default());
    match how {
        Stop::Kill9 => server.kill_9(),
        Stop::Term => {
            let exit =
                tokio::time::timeout(Duration::from_secs(30), tokio::task::spawn_blocking(move || server.terminate()))
                    .await
                    .expect("the server exits within 30 s of SIGTERM")
                    .unwrap();
            assert!(exit.success(), "a clean exit after SIGTERM: {exit}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    for l in loaders {
        tokio::task::spawn_blocking(move || l.join().unwrap()).await.unwrap();
    }
    assert_eq!(*tally.unexpected.lock().unwrap(), Vec::<String>::new(), "only challenges and locks were answered");

    // What the crash left behind: each send is whole (counter, code, message, audit event)
    // or absent, and every answered challenge is among them.
    let pool = app::backend::db::open(&t.database, &Default::default()).await.unwrap().pool;
    let per = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(String, i64)> = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            rows.into_iter().collect::<BTreeMap<String, i64>>()
        }
    };
    let sends =
        per("SELECT u.phone_e164, count(*) FROM code_sends s JOIN users u ON u.id = s.user_id GROUP BY 1").await;
    let codes = per("SELECT u.phone_e164, count(*) FROM challenge_codes k JOIN challenges c ON c.id = k.challenge_id
         JOIN users u ON u.id = c.user_id GROUP BY 1")
    .await;
    let audited = per("SELECT u.phone_e164, count(*) FROM audit_events a JOIN users u ON u.id = a.user_id
         WHERE a.kind = 'code.sent' GROUP BY 1")
    .await;
    let messages = per("SELECT recipient, count(*) FROM outbox WHERE channel = 'sms' GROUP BY 1").await;
    assert_eq!(sends, messages, "one SMS in the outbox for every counted send");
    assert_eq!(sends, codes, "one stored code for every counted send");
    assert_eq!(sends, audited, "one audit event for every counted send");
    let network_counted: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_sends").fetch_one(&pool).await.unwrap();
    assert_eq!(network_counted, sends.values().sum::<i64>(), "one per-network count for every SMS");
    for u in 0..USERS {
        let stored = *sends.get(&phone_of(u)).unwrap_or(&0) as usize;
        let acked = tally.challenged[u].load(Ordering::SeqCst);
        let cut = tally.cut[u].load(Ordering::SeqCst);
        assert!(acked <= stored && stored <= acked + cut, "user {u}: {acked} answered, {cut} cut off, {stored} stored");
        if how == Stop::Term {
            // A request the server took was answered; one it had not read yet when it stopped
            // accepting is closed unanswered (the client may try elsewhere) and left nothing.
            assert_eq!(acked, stored, "user {u}: every stored send was answered ({cut} closed unanswered)");
        }
        assert!(stored <= 20, "user {u}: the quota held under load ({stored})");
    }
    let pending: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id").fetch_all(&pool).await.unwrap();
    let rows = count_rows(&pool, "SELECT count(*) FROM outbox").await;
    assert_eq!(pending.len() as i64, rows, "the gateway never answered: every message waits");

    // After the restart (with the development provider) the worker delivers exactly what was
    // waiting, each message once.
    let server = Server::start_on(&db, &log, &claim).await;
    let mut waiting = pending.len() as i64;
    for _ in 0..1200 {
        waiting =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetch_one(&pool).await.unwrap();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(waiting, 0, "delivery caught up");
    let addr = server.addr;
    let outbox = move || async move {
        let raw = tokio::task::spawn_blocking(move || http(addr, "GET", "/dev/outbox.json", "", None, None))
            .await
            .unwrap()
            .unwrap();
        let list: Vec<serde_json::Value> = serde_json::from_str(&raw.body).unwrap();
        list.iter()
            .map(|m| (m["outbox_id"].as_i64().unwrap(), m["recipient"].as_str().unwrap().to_owned()))
            .collect::<Vec<_>>()
    };
    let delivered = outbox().await;
    let mut ids: Vec<i64> = delivered.iter().map(|d| d.0).collect();
    ids.sort();
    assert_eq!(ids, pending, "the restarted server delivered each waiting message once, and nothing else");
    let wiped = count_rows(&pool, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND body = ''").await;
    assert_eq!(wiped, rows, "every message marked sent and its body wiped");

    // The counters survived: the account with the most codes gets exactly the rest of its 20.
    let (phone, before) = sends.iter().max_by_key(|(_, n)| **n).map(|(p, n)| (p.clone(), *n)).unwrap();
    assert!(before > 0 && before < 20, "{before}");
    let u = (0..USERS).find(|u| phone_of(*u) == phone).unwrap();
    let mut more = 0;
    for j in 0..25 {
        let from = format!("10.250.{}.{}", j / 250, j % 250 + 1);
        let body = format!("email=user{u}%40example.org&password=correct+horse+battery+staple");
        let res = tokio::task::spawn_blocking(move || http(addr, "POST", "/api/login", &body, Some(&from), None))
            .await
            .unwrap()
            .unwrap();
        if res.challenged() {
            more += 1;
        } else {
            assert_eq!(res.status, 423, "{}", res.body);
            break;
        }
    }
    assert_eq!(more, 20 - before, "{phone} had {before} codes before the crash");
    for _ in 0..200 {
        let waiting: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetch_one(&pool).await.unwrap();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let to_phone: Vec<i64> = outbox().await.iter().filter(|d| d.1 == phone).map(|d| d.0).collect();
    let distinct = to_phone.iter().collect::<BTreeSet<_>>().len();
    assert_eq!(distinct, to_phone.len(), "no SMS delivered twice");
    let waited_for_phone = delivered.iter().filter(|d| d.1 == phone).count();
    assert_eq!((to_phone.len() - waited_for_phone) as i64, 20 - before, "each new code's SMS delivered once");
    let locks: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE kind = 'account.locked' AND user_id = $1")
            .bind(user_ids[u])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(locks, 1);
}
