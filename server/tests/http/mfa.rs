//! MFA setup, the login challenge, quotas and the 24-hour lock (SPEC 1.3–1.6, 2.2–2.4, 3, 4).

use app::domain::policy::Policy;
use http::{StatusCode, header};

use crate::harness::{Client, PHONE, PW, TestApp, count, ip, no_cooldown};

#[tokio::test]
async fn a_new_ip_gets_the_challenge_and_the_sms_code_completes_the_login() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (res, token) = c.password("anna@example.org", PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    let s = c.with_session(&token);
    assert_eq!(s.me().await, "null", "not logged in before the second factor");

    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"method\":\"Sms\"") && status.contains("+49 ••••••••• 78"), "{status}");
    let code = t.code_for(PHONE).await;
    let done = s.verify(&format!("{} {}", &code[..3], &code[3..])).await;
    let fresh = done.session_token().expect("a new session id after the second factor");
    assert_ne!(fresh, token);
    assert!(c.with_session(&fresh).me().await.contains("anna@example.org"));
    assert_eq!(s.me().await, "null", "the challenge's session id is gone");

    // This IP is now trusted: the next password from it logs in without MFA.
    let (res, again) = Client::new(&t, ip(2)).password("anna@example.org", PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"));
    assert!(c.with_session(&again).me().await.contains("anna@example.org"));
    // A code is single use.
    assert_eq!(c.with_session(&fresh).verify(&code).await.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_account_without_mfa_must_set_it_up_first_whatever_the_ip() {
    let t = TestApp::start().await;
    t.user_without_mfa("neu@example.org", PW, "member").await;
    t.trust("neu@example.org", ip(1)).await;
    let c = Client::new(&t, ip(1));
    let (res, token) = c.password("neu@example.org", PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa/setup"));
    let s = c.with_session(&token);
    assert_eq!(s.me().await, "null");
    // No way around setup: the challenge endpoints refuse, nothing is sent.
    assert_eq!(s.resend().await.status, StatusCode::UNPROCESSABLE_ENTITY);

    for (phone, expected) in
        [("hello", "PhoneMalformed"), ("030 1234567", "PhoneNotMobile"), ("+1 202 555 0143", "PhoneCountryNotAllowed")]
    {
        let res = s.post("/api/mfa/setup", &format!("phone={}", phone.replace('+', "%2B").replace(' ', "+"))).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains(expected), "{phone}: {}", res.body);
    }
    assert_eq!(t.deliver().await, 0, "nothing was sent for bad numbers");

    let res = s.post("/api/mfa/setup", "phone=0151+98765432").await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    let code = t.code_for("+4915198765432").await;
    assert_eq!(s.verify("12345").await.status, StatusCode::UNPROCESSABLE_ENTITY, "wrong length");
    let done = s.verify(&code).await;
    let fresh = done.session_token().unwrap();
    assert!(c.with_session(&fresh).me().await.contains("neu@example.org"));
    let (phone, verified): (Option<String>, Option<i64>) =
        sqlx::query_as("SELECT phone_e164, phone_verified_at FROM users WHERE email = 'neu@example.org'")
            .fetch_one(&t.state.pool)
            .await
            .unwrap();
    assert_eq!(phone.as_deref(), Some("+4915198765432"));
    assert!(verified.is_some());
}

#[tokio::test]
async fn setup_allows_fifteen_sms_a_day_then_says_when_and_locks_nothing() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user_without_mfa("neu@example.org", PW, "member").await;
    let c = Client::new(&t, ip(1));
    let (_, token) = c.password("neu@example.org", PW).await;
    let s = c.with_session(&token);
    assert_eq!(s.post("/api/mfa/setup", "phone=%2B4915198765432").await.status, StatusCode::OK);
    for i in 2..=15 {
        assert_eq!(s.resend().await.status, StatusCode::OK, "send {i}");
    }
    let refused = s.resend().await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("QuotaExceeded") && refused.body.contains("free_at"), "{}", refused.body);
    assert_eq!(t.delivered_to("+4915198765432").await, 15);
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT locked_until FROM users").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(locked, None, "setup quota never locks");
    assert_eq!(t.audited("account.locked").await, 0);
}

#[tokio::test]
async fn a_resent_code_leaves_earlier_codes_valid() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let first = t.code_for(PHONE).await;
    let s = c.with_session(&token);
    assert_eq!(s.resend().await.status, StatusCode::OK);
    let second = t.code_for(PHONE).await;
    assert_ne!(first, second, "a resend sends a new code");
    assert!(s.verify(&first).await.session_token().is_some(), "the late first SMS still works");
}

#[tokio::test]
async fn the_server_enforces_the_resend_countdown() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let (_, token) = Client::new(&t, ip(2)).password("anna@example.org", PW).await;
    let res = Client::new(&t, ip(2)).with_session(&token).resend().await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = res.header(header::RETRY_AFTER).unwrap().parse().unwrap();
    assert!((29..=30).contains(&retry), "{retry}");
    assert_eq!(t.delivered_to(PHONE).await, 1);
}

#[tokio::test]
async fn five_wrong_codes_end_the_challenge_until_a_new_code_is_requested() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let code = t.code_for(PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let s = c.with_session(&token);
    for tries_left in (1..5).rev() {
        let res = s.verify(wrong).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains(&format!("\"tries_left\":{tries_left}")), "{}", res.body);
    }
    assert!(s.verify(wrong).await.body.contains("ChallengeExhausted"));
    let status: serde_json::Value = serde_json::from_str(&s.post("/api/mfa/status", "").await.body).unwrap();
    assert_eq!(
        (&status["exhausted"], &status["tries_left"]),
        (&serde_json::json!(true), &serde_json::json!(0)),
        "{status}"
    );
    assert!(s.verify(&code).await.body.contains("ChallengeExhausted"), "even the right code is refused now");
    // Malformed input is refused before it counts.
    assert!(s.verify("12ab56").await.body.contains("CodeMalformed"));
    assert_eq!(s.resend().await.status, StatusCode::OK, "a new code can be requested");
    let fresh = t.code_for(PHONE).await;
    assert!(s.verify(&code).await.body.contains("CodeWrong"), "the old challenge's codes are void");
    assert!(s.verify(&fresh).await.session_token().is_some());
}

#[tokio::test]
async fn the_request_beyond_twenty_codes_locks_the_account_for_24_hours() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await; // code 1
    let s = c.with_session(&token);
    for i in 2..=20 {
        assert_eq!(s.resend().await.status, StatusCode::OK, "code {i}");
    }
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"codes_left\":0"), "the screen says what is left: {status}");
    let locked = s.resend().await;
    assert_eq!(locked.status, StatusCode::LOCKED);
    assert!(locked.body.contains("AccountLocked") && locked.body.contains("support@riegel.example"));
    assert_eq!(t.delivered_to(PHONE).await, 20);
    assert_eq!(s.me().await, "null", "the challenge's session ended");

    // Before a correct password nothing reveals the lock; after it, the page says until when.
    let wrong = Client::new(&t, ip(3)).login("anna@example.org", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = Client::new(&t, ip(1)).login("anna@example.org", PW).await;
    assert_eq!(right.status, StatusCode::LOCKED, "even from the trusted IP");
    assert!(right.body.contains("until_text") && right.session_cookie().is_none());
    let until: i64 = sqlx::query_scalar("SELECT locked_until FROM users").fetch_one(&t.state.pool).await.unwrap();
    let now = t.state.clock.now().0;
    assert!((until - now - 86_400).abs() <= 5, "24 hours");
}

#[tokio::test]
async fn a_successful_login_resets_the_daily_limits() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    for _ in 2..=19 {
        s.resend().await;
    }
    let code = t.code_for(PHONE).await;
    assert!(s.verify(&code).await.session_token().is_some());
    // 19 codes were used; after the successful login, a new day's quota applies.
    let (_, token) = Client::new(&t, ip(5)).password("anna@example.org", PW).await;
    let s = c.at_ip(ip(5)).with_session(&token);
    for i in 2..=20 {
        assert_eq!(s.resend().await.status, StatusCode::OK, "code {i} after the reset");
    }
}

/// What the MFA screen says about the codes left today: a number when fewer than 5 remain,
/// else `null`.
async fn codes_left(s: &Client) -> serde_json::Value {
    let status: serde_json::Value = serde_json::from_str(&s.post("/api/mfa/status", "").await.body).unwrap();
    status["codes_left"].clone()
}

#[tokio::test]
async fn codes_sent_in_the_second_of_a_successful_login_count_and_a_send_leaves_the_window_after_exactly_24_hours() {
    // The clock stands still: the codes before the login, the login (its reset) and the 21
    // requests after it share one second.
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await; // code 1 before the login
    let s = c.with_session(&token);
    for i in 2..=5 {
        assert_eq!(s.resend().await.status, StatusCode::OK, "code {i} before the login");
    }
    let code = t.code_for(PHONE).await;
    assert!(s.verify(&code).await.session_token().is_some());
    // The 5 codes before the successful login are free; the ones after it count, in its own
    // second too.
    let (res, token) = Client::new(&t, ip(5)).password("anna@example.org", PW).await; // code 1
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    let s = c.at_ip(ip(5)).with_session(&token);
    for i in 2..=20 {
        assert_eq!(s.resend().await.status, StatusCode::OK, "code {i} after the login");
    }
    assert_eq!(codes_left(&s).await, 0, "the 20 codes since the login count, the 5 before it not");
    let past = s.resend().await;
    assert_eq!(past.status, StatusCode::LOCKED, "the 21st code after the login: {past:?}");
    assert_eq!(t.audited("account.locked").await, 1);
    assert_eq!(t.delivered_to(PHONE).await, 5 + 20);

    // 19 codes at T, no login since: at T + 24 h - 1 s they still count, at T + 24 h not.
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let (_, token) = Client::new(&t, ip(3)).password("anna@example.org", PW).await; // code 1
    let s = Client::new(&t, ip(3)).with_session(&token);
    for i in 2..=19 {
        assert_eq!(s.resend().await.status, StatusCode::OK, "code {i} at T");
    }
    assert_eq!(codes_left(&s).await, 1);
    t.state.clock.advance(86_399);
    // That session idled out long ago: a new login, whose code is the window's 20th.
    let (_, token) = Client::new(&t, ip(4)).password("anna@example.org", PW).await;
    let s = Client::new(&t, ip(4)).with_session(&token);
    assert_eq!(codes_left(&s).await, 0, "at T + 24 h - 1 s the codes of T still count");
    t.state.clock.advance(1);
    assert_eq!(codes_left(&s).await, serde_json::Value::Null, "at T + 24 h they no longer count");
    // What is left: 19 codes beside the one of T + 24 h - 1 s, then the lock.
    for i in 2..=20 {
        assert_eq!(s.resend().await.status, StatusCode::OK, "code {i} of the new window");
    }
    assert_eq!(s.resend().await.status, StatusCode::LOCKED);
    assert_eq!(t.audited("account.locked").await, 1);
    assert_eq!(t.delivered_to(PHONE).await, 19 + 20);
}

#[tokio::test]
async fn a_code_from_another_challenge_is_refused() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    t.user("bert@example.org", PW, "member").await;
    let (_, anna) = Client::new(&t, ip(2)).password("anna@example.org", PW).await;
    let anna_code = t.code_for(PHONE).await;
    let (_, bert) = Client::new(&t, ip(3)).password("bert@example.org", PW).await;
    let res = Client::new(&t, ip(3)).with_session(&bert).verify(&anna_code).await;
    // Both phones are the same test number; the codes differ and are bound to their challenge.
    let bert_code = t.code_for(PHONE).await;
    if bert_code != anna_code {
        assert!(res.body.contains("CodeWrong"), "{}", res.body);
    }
    assert!(Client::new(&t, ip(2)).with_session(&anna).verify(&anna_code).await.session_token().is_some());
    // Without a session there is no challenge to answer.
    assert_eq!(Client::new(&t, ip(4)).verify(&bert_code).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn switching_to_email_sends_one_email_and_the_next_challenge_opens_on_it() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    let switched = s.post("/api/mfa/switch", "method=email").await;
    assert_eq!(switched.status, StatusCode::OK, "{switched:?}");
    assert_eq!(t.delivered_to("anna@example.org").await, 1);
    assert_eq!(s.post("/api/mfa/switch", "method=fax").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = t.code_for("anna@example.org").await;
    assert!(s.verify(&code).await.session_token().is_some());
    let (_, token) = Client::new(&t, ip(9)).password("anna@example.org", PW).await;
    let status = Client::new(&t, ip(9)).with_session(&token).post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"method\":\"Email\"") && status.contains("a•••@example.org"), "{status}");
}

#[tokio::test]
async fn codes_are_stored_hashed_and_wiped_from_the_outbox_once_delivered() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    Client::new(&t, ip(2)).password("anna@example.org", PW).await;
    let code = t.code_for(PHONE).await;
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM outbox").fetch_all(&t.state.pool).await.unwrap();
    assert!(bodies.iter().all(|b| b.is_empty()), "{bodies:?}");
    let hashes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT code_hash FROM challenge_codes").fetch_all(&t.state.pool).await.unwrap();
    assert!(hashes.iter().all(|h| h.len() == 32 && !String::from_utf8_lossy(h).contains(&code)));
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_events").fetch_all(&t.state.pool).await.unwrap();
    assert!(audit.iter().all(|d| !d.contains(&code)));
}

#[tokio::test]
async fn a_code_older_than_ten_minutes_is_refused() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let code = t.code_for(PHONE).await;
    // Ten minutes later: the code has expired, the session (30 idle minutes) has not.
    t.state.clock.advance(600);
    let res = c.with_session(&token).verify(&code).await;
    assert!(res.body.contains("CodeWrong") && res.session_token().is_none(), "{res:?}");
}

#[tokio::test]
async fn the_development_outbox_exists_only_in_development_mode() {
    let t = TestApp::start_prod().await;
    for path in ["/dev/outbox", "/dev/outbox.json"] {
        assert_eq!(Client::new(&t, ip(1)).get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let dev = TestApp::start().await;
    assert_eq!(Client::new(&dev, ip(1)).get("/dev/outbox.json").await.body, "[]");
}

#[tokio::test]
async fn sms_pumping_through_many_accounts_from_one_network_is_capped() {
    let policy = Policy { sms_per_network: 3, ..no_cooldown() };
    let t = TestApp::start_with(policy, TestApp::cheap_argon2()).await;
    // One IPv6 /64 is one network, whichever of its addresses asks.
    let net = |host: u16| std::net::IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, host));
    let mut sessions = Vec::new();
    for i in 0..4u16 {
        let email = format!("pump{i}@example.org");
        t.user(&email, PW, "member").await;
        let c = Client::new(&t, net(i + 1));
        let (res, token) = c.password(&email, PW).await;
        assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
        sessions.push(c.with_session(&token));
    }
    t.deliver().await;
    assert_eq!(t.delivered_to(PHONE).await, 3, "three SMS, then the network's SMS are used up");
    // The fourth login still gets in: its challenge opened on e-mail.
    let status = sessions[3].post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"method\":\"Email\""), "{status}");
    assert_eq!(t.delivered_to("pump3@example.org").await, 1);

    // Resending an SMS from the network is refused with the time it is possible again.
    let res = sessions[0].resend().await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{res:?}");
    assert!(res.body.contains("SmsCapped"), "{}", res.body);
    // So is a new phone's setup SMS, for another account.
    t.user_without_mfa("neu@example.org", PW, "member").await;
    let c = Client::new(&t, net(99));
    let (_, token) = c.password("neu@example.org", PW).await;
    let res = c.with_session(&token).post("/api/mfa/setup", "phone=0151+98765432").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{res:?}");
    t.deliver().await;
    assert_eq!(t.delivered_to(PHONE).await + t.delivered_to("+4915198765432").await, 3, "no SMS beyond the cap");
    assert_eq!(t.audited("sms.capped").await, 2);

    // Another network is not affected.
    let c = Client::new(&t, ip(7));
    let (_, token) = c.password("neu@example.org", PW).await;
    assert_eq!(c.with_session(&token).post("/api/mfa/setup", "phone=0151+98765432").await.status, StatusCode::OK);
}

/// A session whose last-seen time is due for a refresh when its code passes: the refresh and
/// the session's end go with the same commit, and the end wins (on PostgreSQL two writes of
/// one row in one statement would leave the outcome to chance).
#[tokio::test]
async fn a_session_seen_a_while_ago_still_ends_when_its_code_passes() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(9));
    let (_, token) = c.password("anna@example.org", PW).await;
    let code = t.code_for(PHONE).await;
    t.state.clock.advance(120);
    let passed = c.with_session(&token).verify(&code).await;
    let new_token = passed.session_token().unwrap_or_else(|| panic!("logged in: {passed:?}"));
    assert_ne!(new_token, token);
    assert_eq!(count(&t, "SELECT count(*) FROM sessions").await, 1, "only the new session is left");
    assert_eq!(c.with_session(&token).me().await, "null", "the old id opens nothing");
}
