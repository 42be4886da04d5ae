//! Password login, sessions, throttling, guards (SPEC 1).

use crate::harness::{Client, TestApp, ip};
use app::{backend::tools::hasher::Argon2Config, domain::policy::Policy};
use http::{StatusCode, header};

#[tokio::test]
async fn a_user_logs_in_sees_who_they_are_and_logs_out() {
    let t = TestApp::start().await;
    t.user("anna@example.org", "correct horse battery staple", "admin").await;
    let c = Client::new(&t, ip(1));

    let res = c.login("Anna@Example.org ", "correct horse battery staple").await;
    assert!(res.status.is_success() || res.status.is_redirection(), "{res:?}");
    let cookie = res.session_cookie().expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"));
    let token = res.session_token().unwrap();
    assert!(token.len() >= 22, "at least 128 bits");

    let me = c.with_session(&token).post("/api/me", "").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains("anna@example.org") && me.body.contains("Muster"), "{}", me.body);

    let out = c.with_session(&token).post("/api/logout", "").await;
    assert!(out.session_cookie().unwrap().contains("Max-Age=0"));
    let me = c.with_session(&token).post("/api/me", "").await;
    assert_eq!(me.body, "null", "the session ended on the server");
}

#[tokio::test]
async fn wrong_password_unknown_email_and_disabled_account_look_the_same() {
    let t = TestApp::start().await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    t.user("old@example.org", "correct horse battery staple", "member").await;
    sqlx::query("UPDATE users SET disabled_at = 1 WHERE email = 'old@example.org'")
        .execute(&t.state.pool)
        .await
        .unwrap();

    let mut answers = Vec::new();
    for (i, (email, password)) in [
        ("anna@example.org", "wrong password here"),
        ("nobody@example.org", "wrong password here"),
        ("old@example.org", "correct horse battery staple"),
    ]
    .into_iter()
    .enumerate()
    {
        let before = t.state.hasher.verifications();
        let res = Client::new(&t, ip(10 + i as u8)).login(email, password).await;
        assert_eq!(t.state.hasher.verifications() - before, 1, "exactly one argon2 verification for {email}");
        assert!(res.session_cookie().is_none());
        answers.push((res.status, res.body));
    }
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
}

#[tokio::test]
async fn password_failures_slow_down_per_account_and_ip_but_never_lock() {
    let t = TestApp::start().await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    let attacker = Client::new(&t, ip(66));
    for _ in 0..5 {
        assert_eq!(attacker.login("anna@example.org", "guess guess guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let before = t.state.hasher.verifications();
    let slowed = attacker.login("anna@example.org", "guess guess guess").await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.header(header::RETRY_AFTER).is_some());
    assert_eq!(t.state.hasher.verifications(), before, "a refused attempt costs no hashing");

    // The owner, from their own place, is not locked out.
    let owner = Client::new(&t, ip(1)).login("anna@example.org", "correct horse battery staple").await;
    assert!(owner.session_cookie().is_some(), "{owner:?}");
}

#[tokio::test]
async fn one_ip_is_capped_across_accounts() {
    let policy = Policy { login_ip_failure_cap: 8, ..Policy::default() };
    let t = TestApp::start_with(policy, TestApp::cheap_argon2()).await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    let sprayer = Client::new(&t, ip(66));
    for i in 0..8 {
        let res = sprayer.login(&format!("user{i}@example.org"), "Sommer2026!").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let capped = sprayer.login("anna@example.org", "correct horse battery staple").await;
    assert_eq!(capped.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = capped.header(header::RETRY_AFTER).unwrap().parse().unwrap();
    assert!(retry > 3000 && retry <= 3600, "until the oldest failure leaves the hour: {retry}");
    assert!(
        Client::new(&t, ip(1))
            .login("anna@example.org", "correct horse battery staple")
            .await
            .session_cookie()
            .is_some()
    );
}

/// Every address of an IPv6 /64 is one client: its guesses share one throttle per account
/// and one cap, instead of five free guesses and an hour's cap per address.
#[tokio::test]
async fn the_addresses_of_one_ipv6_network_share_one_throttle() {
    let policy = Policy { login_ip_failure_cap: 8, ..Policy::default() };
    let t = TestApp::start_with(policy, TestApp::cheap_argon2()).await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    let v6 = |net: u16, host: u16| std::net::IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, net, 0, 0, 0, host));
    for host in 1..=5 {
        let res = Client::new(&t, v6(2, host)).login("anna@example.org", "guess guess guess").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "guess {host}");
    }
    let verifications = t.state.hasher.verifications();
    let sixth = Client::new(&t, v6(2, 6)).login("anna@example.org", "guess guess guess").await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "a new address of the same /64: {sixth:?}");
    assert!(sixth.header(header::RETRY_AFTER).is_some());
    assert_eq!(t.state.hasher.verifications(), verifications, "a refused guess costs no hashing");
    // Spraying other accounts from new addresses of the /64 meets the network's cap.
    for i in 0..3 {
        let res = Client::new(&t, v6(2, 10 + i)).login(&format!("user{i}@example.org"), "Sommer2026!").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let capped = Client::new(&t, v6(2, 20)).login("someone@example.org", "Sommer2026!").await;
    assert_eq!(capped.status, StatusCode::TOO_MANY_REQUESTS, "{capped:?}");
    // Another /64 is another network.
    let other = Client::new(&t, v6(3, 1)).login("anna@example.org", "correct horse battery staple").await;
    assert!(other.session_cookie().is_some(), "{other:?}");
}

#[tokio::test]
async fn a_new_session_id_at_login_ends_the_planted_one() {
    let t = TestApp::start().await;
    t.user("mallory@example.org", "mallory's own password", "member").await;
    t.trust("mallory@example.org", ip(66)).await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    let planted =
        Client::new(&t, ip(66)).login("mallory@example.org", "mallory's own password").await.session_token().unwrap();

    let victim = Client::new(&t, ip(1)).with_session(&planted);
    let fresh = victim.login("anna@example.org", "correct horse battery staple").await.session_token().unwrap();
    assert_ne!(fresh, planted);
    assert_eq!(Client::new(&t, ip(66)).with_session(&planted).post("/api/me", "").await.body, "null");
    assert!(Client::new(&t, ip(1)).with_session(&fresh).post("/api/me", "").await.body.contains("anna@example.org"));
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    let t = TestApp::start().await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    let c = Client::new(&t, ip(1));
    let old = c.login("anna@example.org", "correct horse battery staple").await.session_token().unwrap();
    // 12 hours and a second: `old` is used every 25 minutes, the last time 60 s before the end;
    // `idle` starts 31 minutes before the end and is not used again.
    let end = 12 * 3600 + 1;
    let idle_from = end - 31 * 60;
    let mut stops: Vec<i64> = (1..).map(|k| k * 25 * 60).take_while(|&at| at < end - 60).collect();
    stops.extend([idle_from, end - 60]);
    stops.sort_unstable();
    let (mut elapsed, mut idle) = (0, None);
    for at in stops {
        t.state.clock.advance(at - elapsed);
        elapsed = at;
        assert!(c.with_session(&old).me().await.contains("anna@example.org"), "in use, alive after {at} s");
        if at == idle_from {
            idle = c.login("anna@example.org", "correct horse battery staple").await.session_token();
        }
    }
    t.state.clock.advance(end - elapsed);
    let idle = idle.unwrap();
    assert_eq!(c.with_session(&idle).post("/api/me", "").await.body, "null", "idle for 31 minutes");
    assert_eq!(c.with_session(&old).post("/api/me", "").await.body, "null", "older than 12 hours");
    let remaining: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(remaining, 0, "expired sessions are deleted");
}

#[tokio::test]
async fn cross_origin_posts_are_refused() {
    let t = TestApp::start().await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    let c = Client::new(&t, ip(1));
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site"), ("origin", "http://localhost:3000")],
        vec![],
    ] {
        let res =
            c.raw_post("/api/login", "email=anna%40example.org&password=correct+horse+battery+staple", &headers).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(res.session_cookie().is_none());
    }
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE kind LIKE 'login.%'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(events, 0, "refused before any login step");
}

#[tokio::test]
async fn a_login_flood_against_two_permits_is_bounded_and_answered_503() {
    let argon = Argon2Config { m_kib: 8 * 1024, t: 2, p: 1, permits: 2, queue: 4 };
    let policy = Policy { login_free_failures: 1000, login_ip_failure_cap: 1000, ..Policy::default() };
    let t = TestApp::start_with(policy, argon).await;
    let clients: Vec<Client> = (0..200).map(|i| Client::new(&t, ip_n(i))).collect();
    let emails: Vec<String> = (0..200).map(|i| format!("u{i}@example.org")).collect();
    let results = futures::future::join_all(clients.iter().zip(&emails).map(|(c, e)| c.login(e, "pw pw pw pw"))).await;
    let busy: Vec<_> = results.iter().filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE).collect();
    let answered = results.iter().filter(|r| r.status == StatusCode::UNAUTHORIZED).count();
    assert_eq!(
        busy.len() + answered,
        200,
        "only 401 and 503: {:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(!busy.is_empty(), "the flood exceeded permits + queue");
    assert!(busy.iter().all(|r| r.header(header::RETRY_AFTER).is_some()));
    assert!(
        t.state.hasher.high_water() <= 6,
        "never more than permits + queue admitted: {}",
        t.state.hasher.high_water()
    );
    // A refused request was not counted as a password failure.
    let counted: i64 =
        sqlx::query_scalar("SELECT count(*) FROM login_ip_failures").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(counted as usize, answered);
}

fn ip_n(i: usize) -> std::net::IpAddr {
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 1, (i / 250) as u8, (i % 250) as u8 + 1))
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_costs_no_hashing() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(1));
    let long = "x".repeat(1025);
    for (email, password, expected) in [
        ("not-an-address", "whatever whatever", "EmailMalformed"),
        ("anna@example.org", "", "PasswordMissing"),
        ("anna@example.org", long.as_str(), "PasswordTooLong"),
    ] {
        let res = c.login(email, password).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains(expected), "{}", res.body);
    }
    assert_eq!(t.state.hasher.verifications(), 0);

    let huge = format!("email=a%40b.de&password={}", "x".repeat(100 * 1024));
    assert_eq!(c.post("/api/login", &huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    let not_utf8 = c.raw_post_bytes("/api/login", b"email=\xff\xfe&password=\xc3\x28".to_vec()).await;
    assert_eq!(not_utf8.status, StatusCode::BAD_REQUEST, "{not_utf8:?}");
    // Found by the form_body fuzz target: an escape completed by a raw byte.
    let mixed = c.raw_post_bytes("/api/login", b"email=anna%40example.org&password=%C3\xA5ber".to_vec()).await;
    assert_eq!(mixed.status, StatusCode::BAD_REQUEST, "{mixed:?}");
    let garbage = c.post("/api/login", "%%%").await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST, "{garbage:?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM login_failures").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(rows, 0, "nothing stored");
}

#[tokio::test]
async fn pages_carry_a_strict_csp_with_their_nonce() {
    let t = TestApp::start().await;
    let page = Client::new(&t, ip(1)).get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.header(header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && csp.contains("'wasm-unsafe-eval'")
    );
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).unwrap();
    assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "the bootstrap script carries the nonce");
    assert_eq!(page.header(header::REFERRER_POLICY).as_deref(), Some("same-origin"));
    assert_eq!(page.header(header::X_FRAME_OPTIONS).as_deref(), Some("DENY"));
    let other = Client::new(&t, ip(1)).get("/login").await;
    assert_ne!(other.header(header::CONTENT_SECURITY_POLICY), Some(csp), "a new nonce per response");
    // Every rendered page, also a redirect's and the not-found page, allows the nonce its
    // scripts carry; everything else gets the strictest policy.
    for path in ["/", "/no-such-page", "/mfa"] {
        let page = Client::new(&t, ip(1)).get(path).await;
        let csp = page.header(header::CONTENT_SECURITY_POLICY).unwrap();
        let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).unwrap();
        assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "{path}: {csp}");
    }
    let json = Client::new(&t, ip(1)).post("/api/me", "").await;
    assert_eq!(
        json.header(header::CONTENT_SECURITY_POLICY).as_deref(),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn the_login_page_is_german_by_default_and_english_on_request() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(1));
    let de = c.get("/login").await;
    assert!(de.body.contains("E-Mail-Adresse") && de.body.contains("lang=\"de\""), "{}", de.body);
    let en = c.get_with("/login", &[("accept-language", "en-GB,en;q=0.9")]).await;
    assert!(en.body.contains("E-mail address") && en.body.contains("lang=\"en\""));
    let chosen = c.get_with("/login", &[("accept-language", "en"), ("cookie", "i18n_pref_locale=de")]).await;
    assert!(chosen.body.contains("E-Mail-Adresse"), "the chosen language wins over the browser's");
}

#[tokio::test]
async fn production_cookies_are_secure_host_cookies() {
    let t = TestApp::start_prod().await;
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    let res = Client::new(&t, ip(1)).login("anna@example.org", "correct horse battery staple").await;
    let cookie = res.session_cookie().unwrap();
    assert!(cookie.starts_with("__Host-riegel_session=") && cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn health_and_audit() {
    let t = TestApp::start().await;
    let res = Client::new(&t, ip(1)).get("/healthz").await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "ok"));
    t.user("anna@example.org", "correct horse battery staple", "member").await;
    Client::new(&t, ip(1)).login("anna@example.org", "nope nope nope").await;
    Client::new(&t, ip(1)).login("anna@example.org", "correct horse battery staple").await;
    let kinds: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, detail FROM audit_events WHERE kind LIKE 'login.%' ORDER BY id")
            .fetch_all(&t.state.pool)
            .await
            .unwrap();
    assert_eq!(
        kinds.iter().map(|k| k.0.as_str()).collect::<Vec<_>>(),
        ["login.failed", "login.password_accepted", "login.succeeded"]
    );
    let all: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_events").fetch_all(&t.state.pool).await.unwrap();
    assert!(all.iter().all(|d| !d.contains("nope") && !d.contains("horse")), "no password in the audit table");
}

/// `/healthz` is the readiness check and asks the database; `/livez` is the liveness check
/// and does not, so a process whose database is gone is reported not ready but stays alive
/// (a restart would not bring the database back).
#[tokio::test]
async fn livez_answers_while_the_database_is_gone_and_healthz_does_not() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(1));
    for path in ["/healthz", "/livez"] {
        let res = c.get(path).await;
        assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "ok"), "{path}");
    }

    // Every connection to the database closed, and no new one opened.
    t.state.pool.close().await;
    let ready = c.get("/healthz").await;
    assert_eq!((ready.status, ready.body.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"));
    let alive = c.get("/livez").await;
    assert_eq!((alive.status, alive.body.as_str()), (StatusCode::OK, "ok"));
}
