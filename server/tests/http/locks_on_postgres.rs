//! Per-account locks on PostgreSQL (`app::backend::db::locks`): a transaction that holds one
//! account's lock holds up that account's requests, and no other account's.
//!
//! Needs PostgreSQL: `./x test` runs these inside a throwaway cluster, with
//! `RIEGEL_TEST_POSTGRES` set, and leaves them out of the SQLite pass, where one writer at a
//! time is the design.

use std::time::Duration;

use app::backend::db::{Backend, Location, LockKey};
use http::{StatusCode, header};
use sqlx::Connection as _;

use crate::harness::{Client, PHONE, TestApp, backend_under_test, count, ip, new_database};

/// How long a request that must not wait may take before the test fails instead of hanging.
const BOUND: Duration = Duration::from_secs(60);

fn needs_postgres() {
    assert_eq!(
        backend_under_test(),
        Backend::Postgres,
        "this test needs PostgreSQL: run `./x test`, or `pg_virtualenv env RIEGEL_TEST_POSTGRES=1 cargo test -p server locks_on_postgres`"
    );
}

/// An account at the login challenge from a new address, its code delivered.
async fn at_challenge(t: &TestApp, email: &str, peer: u8) -> (i64, Client, String) {
    let id = t.user(email, "a-password-of-8", "member").await;
    let c = Client::new(t, ip(peer));
    let (res, token) = c.password(email, "a-password-of-8").await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    (id, c.with_session(&token), t.code_for(PHONE).await)
}

/// Waits until PostgreSQL shows a backend waiting for an advisory lock: a request is held up
/// by a lock, not merely slow.
async fn a_request_waits_for_a_lock(t: &TestApp) {
    let waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted";
    for _ in 0..600 {
        if count(t, waiting).await > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no request waited for the held account's lock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_holding_one_account_holds_up_that_account_and_no_other() {
    needs_postgres();
    let t = TestApp::start().await;
    let (x, at_x, code_x) = at_challenge(&t, "xaver@example.org", 21).await;
    let (_, at_y, code_y) = at_challenge(&t, "yvonne@example.org", 22).await;

    // A second connection holds X's lock, as a use case of X on another instance would.
    let mut holder = t.state.writer.begin().await.unwrap();
    holder.lock([LockKey::Account(x)]).await.unwrap();

    // Y's verification does not wait for it.
    let y = tokio::time::timeout(BOUND, at_y.verify(&code_y)).await.expect("Y's verification waited for X's lock");
    assert_eq!(y.status, StatusCode::OK, "{y:?}");
    assert!(y.session_token().is_some(), "Y is logged in: {y:?}");

    // X's does: it waits on X's lock until the holder ends, then completes correctly.
    let verify_x = tokio::spawn(async move { at_x.verify(&code_x).await });
    a_request_waits_for_a_lock(&t).await;
    assert!(!verify_x.is_finished(), "X's verification went past a lock held on X");
    holder.commit().await.unwrap();
    let x_answer = tokio::time::timeout(BOUND, verify_x).await.expect("X's verification never ended").unwrap();
    assert_eq!(x_answer.status, StatusCode::OK, "{x_answer:?}");
    assert!(x_answer.session_token().is_some(), "X is logged in: {x_answer:?}");
    assert_eq!(t.audited("code.accepted").await, 2, "each code passed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_step_for_a_held_account_waits_and_one_for_another_does_not() {
    needs_postgres();
    let t = TestApp::start().await;
    let x = t.user("xaver@example.org", "a-password-of-8", "member").await;
    t.user("yvonne@example.org", "a-password-of-8", "member").await;
    let mut holder = t.state.writer.begin().await.unwrap();
    holder.lock([LockKey::Account(x)]).await.unwrap();

    let y = Client::new(&t, ip(31));
    let res = tokio::time::timeout(BOUND, y.login("yvonne@example.org", "a-password-of-8"))
        .await
        .expect("Y's password step waited for X's lock");
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");

    let x_client = Client::new(&t, ip(32));
    let login_x = tokio::spawn(async move { x_client.login("xaver@example.org", "a-password-of-8").await });
    a_request_waits_for_a_lock(&t).await;
    assert!(!login_x.is_finished(), "X's password step went past a lock held on X");
    holder.commit().await.unwrap();
    let res = tokio::time::timeout(BOUND, login_x).await.expect("X's password step never ended").unwrap();
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
}

/// A rare circle of two accounts' locks (an agent acting on an account whose use case holds
/// the agent's account next) is broken by PostgreSQL, and the request whose transaction it
/// ended runs once more and succeeds, instead of answering 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_ended_by_a_deadlock_runs_once_more_and_succeeds() {
    needs_postgres();
    let dir = tempfile::tempdir().unwrap();
    let location = new_database(Backend::Postgres, dir.path()).await;
    let Location::Postgres(url) = &location else { unreachable!("a PostgreSQL database") };
    // PostgreSQL checks a wait for a circle once, after `deadlock_timeout`. The server's
    // connections check after 4 s, the holder's never in this test: the circle is found in the
    // server's transaction, and the holder is surely waiting by then.
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(url).await.unwrap();
    let name: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(&mut admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE {name} SET deadlock_timeout = '4s'")))
        .execute(&mut admin)
        .await
        .unwrap();
    drop(admin.close().await);
    let t = TestApp::start_at(location).await;
    let agent = t.support_agent().await;
    let agent_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'agent@riegel.example'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    let target = t.user("tom@example.org", "a-password-of-8", "member").await;
    sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
        .bind(t.state.clock.now().0 + 86_400)
        .bind(target)
        .execute(&t.state.pool)
        .await
        .unwrap();

    // Another instance's use case holds the target's account ...
    let mut holder = t.state.writer.begin().await.unwrap();
    sqlx::query("SET LOCAL deadlock_timeout = '1h'").execute(&mut *holder).await.unwrap();
    holder.lock([LockKey::Account(target)]).await.unwrap();
    // ... while the agent lifts its lock: the request holds the agent's account and waits.
    let form = format!("user_id={target}&reason=customer%20called%20from%20office");
    let lift = tokio::spawn(async move { agent.post("/api/support/lift-lock", &form).await });
    a_request_waits_for_a_lock(&t).await;
    // The holder now wants the agent's account: a circle. PostgreSQL ends the request's
    // transaction, which lets go of the agent's account.
    tokio::time::timeout(BOUND, holder.lock([LockKey::Account(agent_id)]))
        .await
        .expect("the circle was never broken")
        .unwrap();
    // The request runs once more and waits for the holder, which then commits.
    a_request_waits_for_a_lock(&t).await;
    assert!(!lift.is_finished(), "the request gave up instead of running once more");
    holder.commit().await.unwrap();
    let res = tokio::time::timeout(BOUND, lift).await.expect("the request never ended").unwrap();
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    let locked: Option<i64> = sqlx::query_scalar("SELECT locked_until FROM users WHERE id = $1")
        .bind(target)
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(locked, None, "the lock is lifted");
    assert_eq!(t.audited("account.lock_lifted").await, 1, "once, by the second run");
}
