//! The bounds of the settings page's secrets (SPEC 1.2): the current password at a password
//! change goes through the password throttle, counted by the account whatever the IP or
//! instance.

use http::{StatusCode, header};

use crate::harness::{Client, PW, TestApp, count, ip, logged_in, serde_urlencoded};

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

    // The sixth is refused like a throttled login, with no argon2 run: from the same IP, from
    // another IP, through the other instance, and even with the right password (so the answer
    // tells nothing).
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
    assert_eq!(t.audited("password.change_throttled").await, 4);
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
