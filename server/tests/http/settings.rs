//! The bounds of the settings page's secrets (SPEC 1.2, 5.3): the current password at a
//! password change goes through the password throttle, counted by the account whatever the
//! IP or instance; codes to new e-mail addresses have a daily quota per account.

use http::{StatusCode, header};

use crate::harness::{Client, PW, TestApp, count, every_row, ip, logged_in, serde_urlencoded};

const NEW: &str = "a new long passphrase";

/// A second instance on the same database whose clock shows the same time as the first's.
async fn second_instance(t: &TestApp) -> TestApp {
    let t2 = TestApp::start_at(t.database.clone()).await;
    t2.state.clock.advance(t.state.clock.now().0 - t2.state.clock.now().0);
    t2
}

async fn change_password(c: &Client, current: &str) -> crate::harness::Answer {
    c.post("/api/password", &serde_urlencoded(&[("current", current), ("new", NEW), ("tan", "")])).await
}

#[tokio::test]
async fn the_current_password_at_a_change_is_throttled_per_account_from_every_ip_and_instance() {
    let t = TestApp::start().await;
    let s = logged_in(&t, "anna@example.org", "member").await;
    let t2 = second_instance(&t).await;
    let verified = t.state.hasher.verifications();

    // Five wrong guesses cost one argon2 run each, are answered as wrong and audited.
    for i in 0..5 {
        let res = change_password(&s, &format!("guess number {i}")).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
        assert!(res.body.contains("CurrentPasswordWrong"), "{}", res.body);
    }
    assert_eq!(t.state.hasher.verifications(), verified + 5);

    // The sixth is refused like a throttled login, with no argon2 run and nothing written: from
    // the same IP, from another IP, through the other instance, and even with the right
    // password (so the answer tells nothing).
    let rows = every_row(&t).await;
    for (path, c) in [
        ("same IP", s.at_ip(ip(1))),
        ("another IP", s.at_ip(ip(77))),
        ("other instance", s.via(&t2)),
        ("right password", s.at_ip(ip(78))),
    ] {
        let current = if path == "right password" { PW } else { "guess number 5" };
        let res = change_password(&c, current).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{path}: {res:?}");
        assert!(res.body.contains("TooManyAttempts"), "{path}: {}", res.body);
        assert_eq!(res.header(header::RETRY_AFTER).as_deref(), Some("1"), "{path}");
    }
    assert_eq!(t.state.hasher.verifications() + t2.state.hasher.verifications(), verified + 5);
    assert_eq!(t.audited("password.current_refused").await, 5, "every wrong current password is on record");
    assert!(every_row(&t).await == rows, "a refused attempt stores nothing");
    assert_eq!(count(&t, "SELECT count(*) FROM audit_events WHERE kind = 'password.changed'").await, 0);

    // After the delay one more guess goes ahead, from any IP; then the delay doubles.
    t.state.clock.advance(1);
    assert_eq!(change_password(&s.at_ip(ip(79)), "guess number 6").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = change_password(&s.at_ip(ip(80)), "guess number 7").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.header(header::RETRY_AFTER).as_deref(), Some("2"));

    // The right password after the delay goes on to the TAN and starts the count afresh.
    t.state.clock.advance(2);
    let res = change_password(&s, PW).await;
    assert_eq!(res.status, StatusCode::PRECONDITION_REQUIRED, "{res:?}");
    for _ in 0..5 {
        assert_eq!(change_password(&s, "wrong again").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(change_password(&s, "wrong again").await.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn ask_code(c: &Client, n: u32) -> crate::harness::Answer {
    let address = format!("new{n}@example.org");
    c.post("/api/email", &serde_urlencoded(&[("email", &address), ("code", ""), ("tan", "")])).await
}

#[tokio::test]
async fn email_change_codes_have_a_daily_quota_per_account_across_addresses_sessions_and_instances() {
    let t = TestApp::start().await;
    let first = logged_in(&t, "anna@example.org", "member").await;
    let t2 = second_instance(&t).await;
    let start = t.state.clock.now().0;
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let second = Client::new(&t, ip(1)).with_session(&token);

    // Ten codes to ten new addresses: from one session, from a second one, through the other
    // instance.
    for (n, c) in (0..10).map(|n| {
        (
            n,
            if n < 4 {
                first.at_ip(ip(1))
            } else if n < 7 {
                second.at_ip(ip(1))
            } else {
                first.via(&t2)
            },
        )
    }) {
        let res = ask_code(&c, n).await;
        assert_eq!(res.status, StatusCode::PRECONDITION_REQUIRED, "code {n}: {res:?}");
        assert!(res.body.contains("EmailCodeRequired"), "{}", res.body);
    }

    // The eleventh is refused on every path, saying when a code is possible again; nothing is
    // sent, stored or locked.
    let rows = every_row(&t).await;
    for (path, c) in [
        ("first session", first.at_ip(ip(1))),
        ("second session", second.at_ip(ip(1))),
        ("other instance", second.via(&t2)),
        ("another IP", first.at_ip(ip(44))),
    ] {
        let res = ask_code(&c, 10).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{path}: {res:?}");
        assert!(res.body.contains("QuotaExceeded"), "{path}: {}", res.body);
        assert!(res.body.contains(&format!("\"free_at\":{}", start + 86_400)), "{path}: {}", res.body);
    }
    assert_eq!(count(&t, "SELECT count(*) FROM outbox WHERE recipient LIKE 'new%@example.org'").await, 10);
    assert_eq!(t.audited("email.code_sent").await, 10);
    assert!(every_row(&t).await == rows, "a refused request stores nothing");
    assert_eq!(count(&t, "SELECT count(*) FROM users WHERE locked_until IS NOT NULL").await, 0);
    // A new login does not open a new day of them.
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let third = Client::new(&t, ip(1)).with_session(&token);
    assert_eq!(ask_code(&third, 10).await.status, StatusCode::TOO_MANY_REQUESTS);

    // A day after the first code, one is possible again (in a new session: the old ones ended).
    t.state.clock.advance(86_399);
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let next_day = Client::new(&t, ip(1)).with_session(&token);
    assert_eq!(ask_code(&next_day, 10).await.status, StatusCode::TOO_MANY_REQUESTS);
    t.state.clock.advance(1);
    assert_eq!(ask_code(&next_day, 10).await.status, StatusCode::PRECONDITION_REQUIRED);
}
