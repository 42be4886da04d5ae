//! Per-account locks on PostgreSQL (`app::backend::db::locks`): a transaction that holds one
//! account's lock holds up that account's requests, and no other account's.
//!
//! Needs PostgreSQL: `./x test` runs these inside a throwaway cluster, with
//! `RIEGEL_TEST_POSTGRES` set, and leaves them out of the SQLite pass, where one writer at a
//! time is the design.

use std::time::Duration;

use app::backend::db::{Backend, LockKey};
use http::{StatusCode, header};

use crate::harness::{Client, PHONE, TestApp, backend_under_test, count, ip};

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
