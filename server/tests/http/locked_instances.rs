//! Two instances that lock only what they decide on (`app::backend::db::locks`): a frozen
//! instance holds up its own accounts and no other, and every counted use case of one account,
//! spread over both at once, still counts exactly.
//!
//! Needs PostgreSQL: `./x test` runs these inside a throwaway cluster, with the release
//! binary (`RIEGEL_SERVER_BIN`), and leaves them out of the SQLite pass.

use std::{sync::Arc, time::Duration};

use crate::{
    harness::{PHONE, PW, count, ip, six_digits},
    instances::{database, location, message, req, session},
    process::Server,
};

/// How long a request that must not wait may take before the test fails instead of hanging.
const BOUND: Duration = Duration::from_secs(60);

const LOGIN: &str = "password=correct+horse+battery+staple&email=";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_instance_holds_up_only_its_own_accounts() {
    let (t, url, dir) = database().await;
    // A's transactions are never ended for idling during the test: only the locks decide
    // whether B waits.
    let a = Server::start_on(&url, &dir.path().join("a.log"), &[("RIEGEL_DB_IDLE_IN_TRANSACTION_SECS", "600")]).await;
    let b = Server::start_on(&url, &dir.path().join("b.log"), &[]).await;
    let x = t.user("xaver@example.org", PW, "member").await;
    t.user("yvonne@example.org", PW, "member").await;

    // A row lock on X's account row stops A's password step for X at its first insert for X,
    // after it took X's lock.
    let mut blocker = t.state.pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE").bind(x).fetch_one(&mut *blocker).await.unwrap();
    let a_addr = a.addr;
    let login_x = tokio::spawn(async move {
        req(a_addr, "/api/login", &format!("{LOGIN}xaver%40example.org"), "10.5.0.1", None).await
    });
    let held_and_waiting = "SELECT count(*) FROM pg_stat_activity s WHERE s.wait_event_type = 'Lock'
         AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = s.pid AND l.locktype = 'advisory' AND l.granted)";
    let mut seen = false;
    for _ in 0..600 {
        if count(&t, held_and_waiting).await == 1 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "A's password step for X never held X's lock");

    // A freezes holding X's lock; its statement then completes in PostgreSQL, and its
    // transaction stays open, idle, with the lock.
    a.signal("STOP");
    blocker.rollback().await.unwrap();

    // Y logs in through B, password and code, while A is frozen.
    let y = async {
        let r = req(b.addr, "/api/login", &format!("{LOGIN}yvonne%40example.org"), "10.5.0.2", None).await;
        assert_eq!(location(&r), Some("/mfa"), "{} {}", r.head, r.body);
        let s = session(&r);
        let code = six_digits(&message(b.addr, PHONE, "", 0).await).unwrap();
        let done = req(b.addr, "/api/mfa/verify", &format!("code={code}"), "10.5.0.2", Some(&s)).await;
        assert_eq!(location(&done), Some("/"), "{} {}", done.head, done.body);
    };
    let passed = tokio::time::timeout(BOUND, y).await;
    a.signal("CONT");
    passed.expect("Y's login through B waited for the frozen instance");

    // A goes on where it stopped: X's step completes, and every count is exact.
    let r = tokio::time::timeout(BOUND, login_x).await.expect("X's login never ended").unwrap();
    assert_eq!(location(&r), Some("/mfa"), "{} {}", r.head, r.body);
    assert_eq!(count(&t, "SELECT count(*) FROM code_sends").await, 2, "one code each");
    assert_eq!(count(&t, &format!("SELECT count(*) FROM code_sends WHERE user_id = {x}")).await, 1);
    assert_eq!(t.audited("login.password_accepted").await, 2);
    assert_eq!(t.audited("code.accepted").await, 1, "Y's");
    assert_eq!(count(&t, "SELECT count(*) FROM login_failures WHERE failures > 0").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_counted_use_case_of_one_account_at_once_across_both_counts_exactly() {
    let (t, url, dir) = database().await;
    let a = Server::start_on(&url, &dir.path().join("a.log"), &[]).await;
    let b = Server::start_on(&url, &dir.path().join("b.log"), &[]).await;
    let at = move |n: usize| if n.is_multiple_of(2) { a.addr } else { b.addr };
    t.user("anna@example.org", PW, "member").await;
    let trusted = ip(1).to_string();
    let r = req(at(0), "/api/login", &format!("{LOGIN}anna%40example.org"), &trusted, None).await;
    assert_eq!(location(&r), Some("/"), "from the trusted address without a challenge: {}", r.head);
    let s = Arc::new(session(&r));
    let change = |tan: &str| format!("holder=Muster+GmbH&iban=DE89370400440532013000&bic=&tan={tan}");
    assert_eq!(req(at(1), "/api/bank/change", &change(""), &trusted, Some(&s)).await.status, 428);
    let tan = message(at(0), PHONE, "TAN ", 0).await[4..10].to_owned();
    let wrong_tan = if tan == "222222" { "333333" } else { "222222" };

    // At once, alternating between the instances: 40 logins from new addresses (each sends a
    // code until the quota locks the account), 30 wrong TANs, and 20 wrong passwords from one
    // address.
    #[derive(Debug)]
    enum Kind {
        Login,
        Tan,
        Guess,
    }
    let requests = (0..90).map(|n| {
        let (s, trusted) = (s.clone(), trusted.clone());
        let tan_body = change(wrong_tan);
        async move {
            let (kind, r) = match n % 9 {
                0..=3 => {
                    let from = format!("10.4.{}.{}", n / 100, n % 100 + 1);
                    (Kind::Login, req(at(n), "/api/login", &format!("{LOGIN}anna%40example.org"), &from, None).await)
                }
                4..=6 => (Kind::Tan, req(at(n), "/api/bank/change", &tan_body, &trusted, Some(&s)).await),
                _ => {
                    let body = "email=anna%40example.org&password=a+wrong+guess";
                    (Kind::Guess, req(at(n), "/api/login", body, "10.3.0.1", None).await)
                }
            };
            let challenged = r.challenged();
            (kind, r.status, r.body, challenged)
        }
    });
    let answers = futures::future::join_all(requests).await;
    let of = |k: fn(&Kind) -> bool| answers.iter().filter(move |a| k(&a.0));
    let logins: Vec<_> = of(|k| matches!(k, Kind::Login)).collect();
    let challenged = logins.iter().filter(|a| a.3).count();
    let locked = logins.iter().filter(|a| a.1 == 423).count();
    let quota = t.state.config.policy.login_codes_per_channel as usize;
    assert_eq!((challenged, locked), (quota, 40 - quota), "{logins:?}");
    let tans: Vec<_> = of(|k| matches!(k, Kind::Tan)).collect();
    let tries_left = tans.iter().filter(|a| a.2.contains("tries_left")).count();
    let tan_locked = tans.iter().filter(|a| a.1 == 423 && a.2.contains("TanLocked")).count();
    assert_eq!((tries_left, tan_locked), (2, 28), "{tans:?}");
    let guesses: Vec<_> = of(|k| matches!(k, Kind::Guess)).collect();
    let judged = guesses.iter().filter(|a| a.1 == 401).count();
    let throttled = guesses.iter().filter(|a| a.1 == 429).count();
    assert_eq!((judged, throttled), (5, 15), "{guesses:?}");

    assert_eq!(count(&t, "SELECT count(*) FROM code_sends").await, quota as i64);
    assert_eq!(t.audited("account.locked").await, 1);
    assert_eq!(t.audited("tan.locked").await, 1);
    assert_eq!(count(&t, "SELECT tan_wrong_in_a_row FROM users").await, 3);
    assert_eq!(count(&t, "SELECT failures FROM login_failures WHERE failures > 0").await, 5);
    assert!(answers.iter().all(|a| a.1 < 500), "no busy or internal error: {answers:?}");
}
