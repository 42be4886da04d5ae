//! Parallel requests against one bound (SPEC 4.5): every count is decided in one write
//! transaction holding the database's write lock, so however many requests arrive at once,
//! exactly the bound is judged, sent or accepted, and a lock is set once. The same across two
//! instances on one PostgreSQL database is in `instances.rs`.

use http::{StatusCode, header};

use crate::{
    attacks::{guess, ip_n},
    harness::{Client, PHONE, PW, TestApp, change_bank, count, ip, logged_in, no_cooldown},
    wrong_entries::{challenge, other_than},
};

const ANNA: &str = "anna@example.org";
const IBAN_A: &str = "DE89370400440532013000";
/// The same IBAN as a user types it, in groups of four.
const IBAN_TYPED: &str = "DE89 3704 0044 0532 0130 00";

// Passwords.

#[tokio::test]
async fn parallel_wrong_passwords_are_counted_exactly() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(66));
    let results = futures::future::join_all((0..20).map(|_| c.login("anna@example.org", "guess guess guess"))).await;
    let tried = results.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    let refused = results.iter().filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS).count();
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(tried + refused, 20, "{statuses:?}");
    assert_eq!(tried, 5, "only the five free attempts were verified");
    let failures: i64 =
        sqlx::query_scalar("SELECT failures FROM login_failures").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(failures, 5);
}

// Login codes.

#[tokio::test]
async fn thirty_parallel_wrong_codes_count_exactly_five() {
    let t = TestApp::start().await;
    t.user(ANNA, PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password(ANNA, PW).await;
    let code = t.code_for(PHONE).await;
    let s = c.with_session(&token);
    let mut counter = 0;
    let guesses: Vec<String> = (0..30).map(|_| guess(&mut counter, &[&code])).collect();
    let answers = futures::future::join_all(guesses.iter().map(|g| s.verify(g))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert!(answers.iter().all(|a| !a.status.is_server_error()), "no database-busy error: {statuses:?}");
    let mut tries_left: Vec<&str> = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNPROCESSABLE_ENTITY)
        .map(|a| a.body.split("\"tries_left\":").nth(1).unwrap().trim_end_matches('}'))
        .collect();
    tries_left.sort();
    assert_eq!(tries_left, ["1", "2", "3", "4"], "four judged wrong with the tries counting down: {statuses:?}");
    let exhausted = answers.iter().filter(|a| a.body.contains("ChallengeExhausted")).count();
    assert_eq!(exhausted, 26, "the fifth judged guess and every later one: {statuses:?}");
    assert_eq!(t.audited("code.refused").await, 5, "exactly five guesses were judged");
    assert_eq!(t.audited("challenge.exhausted").await, 1);
    assert!(s.verify(&code).await.body.contains("ChallengeExhausted"), "the right code is too late");
}

#[tokio::test]
async fn thirty_parallel_verifications_of_one_code_succeed_once() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let code = t.code_for(PHONE).await;
    let s = c.with_session(&token);
    let answers = futures::future::join_all((0..30).map(|_| s.verify(&code))).await;
    assert_eq!(answers.iter().filter(|a| a.session_token().is_some()).count(), 1);
    assert!(answers.iter().all(|a| !a.status.is_server_error()));
    assert_eq!(t.audited("login.succeeded").await, 1);
}

#[tokio::test]
async fn one_hundred_parallel_resends_send_at_most_the_quota_and_lock_once() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    let answers = futures::future::join_all((0..100).map(|_| s.resend())).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert!(answers.iter().all(|a| !a.status.is_server_error()), "no database-busy error: {statuses:?}");
    assert_eq!(answers.iter().filter(|a| a.status == StatusCode::OK).count(), 19, "{statuses:?}");
    assert_eq!(answers.iter().filter(|a| a.status == StatusCode::LOCKED).count(), 1, "{statuses:?}");
    assert_eq!(t.delivered_to(PHONE).await, 20);
    assert_eq!(t.audited("account.locked").await, 1);
}

#[tokio::test]
async fn thirty_parallel_logins_from_new_ips_send_at_most_twenty_codes_and_lock_once() {
    let t = TestApp::start().await;
    t.user(ANNA, PW, "member").await;
    let clients: Vec<Client> = (0..30).map(|i| Client::new(&t, ip_n(i))).collect();
    let answers = futures::future::join_all(clients.iter().map(|c| c.login(ANNA, PW))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert!(answers.iter().all(|a| !a.status.is_server_error()), "{statuses:?}");
    let challenged = answers.iter().filter(|a| a.header(header::LOCATION).as_deref() == Some("/mfa")).count();
    let locked = answers.iter().filter(|a| a.status == StatusCode::LOCKED).count();
    assert_eq!((challenged, locked), (20, 10), "{statuses:?}");
    assert!(answers.iter().filter(|a| a.status == StatusCode::LOCKED).all(|a| a.session_cookie().is_none()));
    assert_eq!(t.delivered_to(PHONE).await, 20);
    assert_eq!(count(&t, "SELECT count(*) FROM code_sends").await, 20);
    assert_eq!(t.audited("account.locked").await, 1, "one lock: a login that meets it must not lock again");
}

// Wrong second-factor entries over several logins.

/// 25 wrong entries at once over five logins: exactly 20 are checked and counted, and the
/// account locks once.
#[tokio::test]
async fn parallel_wrong_entries_over_five_logins_count_exactly_twenty_and_lock_once() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    logged_in(&t, ANNA, "member").await;
    let mut logins = Vec::new();
    for login in 0..5 {
        let s = challenge(&t, 10 + login).await;
        logins.push((s, other_than(&t.code_for(PHONE).await)));
    }
    let mut tries = Vec::new();
    for (s, wrong) in &logins {
        for _ in 0..5 {
            tries.push(async move { s.verify(wrong).await.status });
        }
    }
    let statuses = futures::future::join_all(tries).await;
    assert_eq!(count(&t, "SELECT count(*) FROM wrong_entries").await, 20);
    assert_eq!(t.audited("account.locked").await, 1);
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::LOCKED).count(), 1, "{statuses:?}");
    assert_eq!(Client::new(&t, ip(1)).login(ANNA, PW).await.status, StatusCode::LOCKED);
}

// TANs.

#[tokio::test]
async fn thirty_parallel_wrong_tans_count_exactly_three_and_lock_once() {
    let t = TestApp::start().await;
    let c = logged_in(&t, ANNA, "member").await;
    change_bank(&c, IBAN_A, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    let wrong = if tan == "222222" { "333333" } else { "222222" };
    let answers = futures::future::join_all((0..30).map(|_| change_bank(&c, IBAN_A, wrong))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert!(answers.iter().all(|a| !a.status.is_server_error()), "{statuses:?}");
    let mut wrong_answers: Vec<&str> =
        answers.iter().filter(|a| a.body.contains("TanWrong")).map(|a| a.body.as_str()).collect();
    wrong_answers.sort();
    assert_eq!(
        wrong_answers,
        ["{\"TanWrong\":{\"tries_left\":1}}", "{\"TanWrong\":{\"tries_left\":2}}"],
        "{statuses:?}"
    );
    let locked = answers.iter().filter(|a| a.status == StatusCode::LOCKED && a.body.contains("TanLocked")).count();
    assert_eq!(locked, 28, "the third wrong TAN locks, and every later one meets the lock: {statuses:?}");
    assert_eq!(t.audited("tan.refused").await, 3);
    assert_eq!(t.audited("tan.locked").await, 1);
    assert!(change_bank(&c, IBAN_A, &tan).await.body.contains("TanLocked"), "the right TAN is refused now");
    assert_eq!(count(&t, "SELECT count(*) FROM bank_accounts").await, 0);
}

#[tokio::test]
async fn thirty_parallel_uses_of_one_tan_succeed_once() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org", "member").await;
    change_bank(&c, IBAN_TYPED, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    let answers = futures::future::join_all((0..30).map(|_| change_bank(&c, IBAN_TYPED, &tan))).await;
    assert_eq!(answers.iter().filter(|a| a.status == StatusCode::OK).count(), 1);
    assert!(answers.iter().all(|a| !a.status.is_server_error()));
    assert_eq!(t.audited("bank_account.changed").await, 1);
}
