//! The metrics an operator scrapes (`app::backend::metrics`): served on their own address
//! only, counting what was committed, once, and never naming an account, an address, a
//! phone, an IP or a code. (A real Prometheus scraping the release server: `prometheus::`.)

use http::{StatusCode, header};

use crate::harness::{
    Client, PHONE, PW, TestApp, change_bank, ip, logged_in, metric_in, no_cooldown, samples, six_digits,
};

const ANNA: &str = "anna@example.org";
const IBAN_A: &str = "DE89370400440532013000";

fn ip_n(n: usize) -> std::net::IpAddr {
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 3, (n / 250) as u8, (n % 250 + 1) as u8))
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_and_never_on_the_public_port() {
    let t = TestApp::start().await;
    for path in ["/metrics", "/metrics?format=text", "/api/metrics"] {
        let res = Client::new(&t, ip(1)).get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {res:?}");
        assert!(!res.body.contains("riegel_"), "{path}: {}", res.body);
    }
    let text = t.metrics_text().await;
    assert!(text.contains("# TYPE riegel_build_info gauge"), "{text}");
    assert_eq!(metric_in(&text, "riegel_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), 1.0);
    // The public port's 404s were counted, under no path of theirs.
    assert_eq!(metric_in(&text, "riegel_http_requests_total", &[("route", "fallback"), ("status", "404")]), 3.0);
}

#[tokio::test]
async fn a_login_wave_counts_each_step_the_codes_their_delivery_and_one_lock() {
    // Thirty logins of one account from thirty new addresses: twenty get a code, the
    // twenty-first meets the code quota and locks the account, the rest meet the lock.
    let t = TestApp::start().await;
    t.user(ANNA, PW, "member").await;
    // Thirty at once wait in line for the account's lock; on PostgreSQL a login that waits
    // longer than the pool's acquire timeout (5 s, on a machine busy with other tests) is
    // answered 503 with `Retry-After`, having counted nothing, and is sent again, as a
    // browser's user would.
    let clients: Vec<Client> = (0..30).map(|i| Client::new(&t, ip_n(i))).collect();
    let answers = futures::future::join_all(clients.iter().map(|c| async move {
        let mut retries = 0;
        loop {
            let answer = c.login(ANNA, PW).await;
            if answer.status != StatusCode::SERVICE_UNAVAILABLE || retries == 5 {
                return (answer, retries);
            }
            retries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }))
    .await;
    let retries: u32 = answers.iter().map(|(_, r)| r).sum();
    let statuses: Vec<u16> = answers.iter().map(|(a, _)| a.status.as_u16()).collect();
    let locked = answers.iter().filter(|(a, _)| a.status == StatusCode::LOCKED).count();
    assert_eq!(locked, 10, "{statuses:?}");
    // A wrong password, once.
    assert!(Client::new(&t, ip_n(40)).login(ANNA, "wrong password").await.status.is_client_error());

    // Five minutes later nothing is delivered yet: twenty SMS wait, the oldest five minutes.
    t.state.clock.advance(300);
    let text = t.metrics_text().await;
    let m = |name: &str, labels: &[(&str, &str)]| metric_in(&text, name, labels);
    // The twenty-first password was right too: its challenge opened, and its code met the quota.
    assert_eq!(m("riegel_logins_total", &[("outcome", "challenge")]), 21.0);
    assert_eq!(m("riegel_codes_sent_total", &[("purpose", "login"), ("channel", "sms")]), 20.0);
    assert_eq!(m("riegel_quota_refusals_total", &[("quota", "codes_sms")]), 1.0);
    assert_eq!(m("riegel_locks_set_total", &[("lock", "account")]), 1.0, "one lock, however many met it");
    assert_eq!(m("riegel_logins_total", &[("outcome", "locked")]) as i64, t.audited("login.locked").await);
    assert_eq!(m("riegel_logins_total", &[("outcome", "passed")]), 0.0);
    assert_eq!(m("riegel_logins_total", &[("outcome", "password_refused")]), 1.0);
    assert_eq!(m("riegel_outbox_waiting", &[("channel", "sms")]), 20.0);
    assert_eq!(m("riegel_outbox_waiting", &[("channel", "email")]), 0.0);
    assert_eq!(m("riegel_outbox_oldest_age_seconds", &[("channel", "sms")]), 300.0);
    let sent = f64::from(31 + retries);
    assert_eq!(m("riegel_http_requests_total", &[("route", "/api/login"), ("method", "POST")]), sent);
    assert_eq!(m("riegel_http_request_duration_seconds_count", &[("route", "/api/login")]), sent);
    assert!(m("riegel_db_write_wait_seconds_count", &[]) >= 31.0, "every login waited for its write turn");

    assert_eq!(t.delivered_to(PHONE).await, 20);
    let text = t.metrics_text().await;
    let m = |name: &str, labels: &[(&str, &str)]| metric_in(&text, name, labels);
    assert_eq!(m("riegel_deliveries_total", &[("provider", "dev"), ("channel", "sms"), ("outcome", "sent")]), 20.0);
    assert_eq!(m("riegel_outbox_waiting", &[("channel", "sms")]), 0.0);
    assert_eq!(m("riegel_outbox_oldest_age_seconds", &[("channel", "sms")]), 0.0);

    // No label names the account, its phone, an address or a code.
    let codes: Vec<String> =
        t.state.dev_outbox.as_ref().unwrap().list().iter().filter_map(|d| six_digits(&d.body)).collect();
    for sample in samples(&text) {
        for (key, value) in sample.labels {
            let said = format!("{}{{{key}={value:?}}}", sample.name);
            assert!(!value.contains('@') && !value.contains("10.3.") && !value.contains("+49"), "{said}");
            assert!(!codes.contains(&value), "{said}");
        }
    }
}

#[tokio::test]
async fn a_passed_login_and_a_tan_lock_and_its_lifting_count_once_each() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user(ANNA, PW, "member").await;
    let c = Client::new(&t, ip(7));
    let (_, token) = c.password(ANNA, PW).await;
    let code = t.code_for(PHONE).await;
    let s = c.with_session(&token);
    let wrong = if code == "111111" { "222222" } else { "111111" };
    assert_eq!(s.verify(wrong).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(s.verify(&code).await.session_token().is_some());
    assert_eq!(t.metric("riegel_codes_refused_total", &[("purpose", "login")]).await, 1.0);
    assert_eq!(t.metric("riegel_codes_passed_total", &[("purpose", "login"), ("channel", "sms")]).await, 1.0);
    assert_eq!(t.metric("riegel_logins_total", &[("outcome", "passed")]).await, 1.0);

    let kim = logged_in(&t, "kim@example.org", "member").await;
    assert_eq!(t.metric("riegel_logins_total", &[("outcome", "passed")]).await, 2.0, "the trusted IP's login too");
    change_bank(&kim, IBAN_A, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    let wrong = if tan == "222222" { "333333" } else { "222222" };
    for _ in 0..4 {
        change_bank(&kim, IBAN_A, wrong).await;
    }
    assert_eq!(t.metric("riegel_tans_total", &[("outcome", "sent")]).await, 1.0);
    assert_eq!(t.metric("riegel_tans_total", &[("outcome", "refused")]).await, 3.0);
    assert_eq!(t.metric("riegel_locks_set_total", &[("lock", "tan")]).await, 1.0, "the fourth met the lock");
    assert_eq!(t.metric("riegel_locks_lifted_total", &[("lock", "tan")]).await, 0.0);
    let kim_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'kim@example.org'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    t.unlock_tan(kim_id).await;
    assert_eq!(t.metric("riegel_locks_lifted_total", &[("lock", "tan")]).await, 1.0);
    assert_eq!(t.metric("riegel_locks_set_total", &[("lock", "account")]).await, 0.0);
}

#[tokio::test]
async fn a_request_counts_under_its_route_template_never_its_path_or_query() {
    let t = TestApp::start().await;
    let secret = "k3Zq9SecretToken";
    for path in [format!("/password/reset?token={secret}"), format!("/pkg/{secret}.js"), format!("/{secret}")] {
        let res = Client::new(&t, ip(3)).get(&path).await;
        assert!(!res.status.is_server_error(), "{path}: {res:?}");
    }
    let text = t.metrics_text().await;
    assert!(!text.contains(secret), "{text}");
    let routes: Vec<String> = samples(&text)
        .into_iter()
        .filter(|s| s.name == "riegel_http_requests_total")
        .flat_map(|s| s.labels.into_iter().filter(|(k, _)| k == "route").map(|(_, v)| v))
        .collect();
    assert!(routes.iter().all(|r| r == "fallback" || r.starts_with('/')), "{routes:?}");
    assert!(routes.iter().any(|r| r == "/password/reset"), "{routes:?}");
}

/// A caller cannot grow the metrics' memory: every label value comes from a fixed set, so a
/// hundred made-up paths from ten addresses are one series.
#[tokio::test]
async fn made_up_paths_from_many_addresses_add_no_series() {
    let t = TestApp::start().await;
    for n in 0..100 {
        Client::new(&t, ip_n(n % 10)).get(&format!("/made-up-{n}")).await;
    }
    let text = t.metrics_text().await;
    let series = samples(&text).into_iter().filter(|s| s.name == "riegel_http_requests_total").count();
    assert_eq!(series, 1, "{text}");
    assert_eq!(metric_in(&text, "riegel_http_requests_total", &[("route", "fallback"), ("status", "404")]), 100.0);
}

#[tokio::test]
async fn the_scrape_is_text_prometheus_reads() {
    let t = TestApp::start().await;
    let res = {
        use tower::ServiceExt;
        let req = http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap();
        server::metrics::routes(t.state.clone()).oneshot(req).await.unwrap()
    };
    let kind = res.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
}
