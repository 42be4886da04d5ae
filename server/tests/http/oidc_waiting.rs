//! The authorization request while it waits for its user (OpenID Connect), as an attacker
//! tries it: asking stores nothing; the browser's sealed cookie works once, unaltered, for 30
//! minutes, and not after a logout; and no code is issued for a login older than the request
//! allows, or without the second factor it asks for, whichever way the browser goes on
//! (`/oidc/resume`, the confirmation of a transaction, the endpoint itself).

use http::{StatusCode, header::LOCATION};

use crate::{
    harness::{Answer, Client, PHONE, PW, TestApp, count, every_row, ip},
    oidc::{
        CB, EMAIL, PAYMENT, authorize_path, cookie_value, count_codes, grant, query_of, redeem, register,
        verified_claims,
    },
};

const ACR_MFA: &str = "urn:riegel:acr:mfa";

/// Logged in from the account's trusted IP with the password alone: the browser and its
/// session token.
async fn logged_in_with_password(t: &TestApp) -> (Client, String) {
    let browser = Client::new(t, ip(1));
    let (res, session) = browser.password(EMAIL, PW).await;
    assert_eq!(res.header(LOCATION).as_deref(), Some("/"), "{res:?}");
    (browser.with_session(&session), session)
}

/// The password and the SMS code at `peer` (a new address, so the code is asked for) in a
/// browser that holds `waiting` as its request cookie: the answer to the code.
async fn log_in_holding(t: &TestApp, peer: std::net::IpAddr, waiting: &str) -> Answer {
    let browser = Client::new(t, peer).with_cookie(&format!("riegel_oidc={waiting}"));
    let res = browser.login(EMAIL, PW).await;
    assert_eq!(res.header(LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    let session = res.session_token().unwrap();
    let code = t.code_for(PHONE).await;
    browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}")).verify(&code).await
}

/// Whether `res` removes the cookie `name`.
fn clears(res: &Answer, name: &str) -> bool {
    res.headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0"))
}

#[tokio::test]
async fn a_step_up_is_not_skipped_by_resuming_with_the_session_the_browser_had() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    // In the same second as the old login, and two minutes after it.
    for (ask, wait) in [
        (("max_age", "0"), 0),
        (("max_age", "0"), 120),
        (("prompt", "login"), 0),
        (("prompt", "login"), 120),
        (("acr_values", ACR_MFA), 120),
    ] {
        let (browser, session) = logged_in_with_password(&t).await;
        t.state.clock.advance(wait);
        let asked = browser.get(&authorize_path("spa", &[ask])).await;
        assert_eq!(asked.header(LOCATION).as_deref(), Some("/login?again=1"), "{ask:?}: {asked:?}");
        let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
        // The attacker's shortcut: the old session goes on instead of logging in.
        let both = browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
        let resumed = both.get("/oidc/resume").await;
        assert_eq!(
            resumed.header(LOCATION).as_deref(),
            Some("/login?again=1"),
            "{ask:?} after {wait} s: to a new login, never back to the application: {resumed:?}"
        );
        assert!(!clears(&resumed, "riegel_oidc"), "{ask:?}: the request still waits");
    }
    assert_eq!(count_codes(&t).await, 0, "no code for the old session");
    assert_eq!(t.audited("oidc.code_issued").await, 0);
}

#[tokio::test]
async fn the_new_login_a_step_up_asked_for_answers_it_with_a_second_factor_and_its_own_time() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let (browser, session) = logged_in_with_password(&t).await;
    let asked = browser.get(&authorize_path("spa", &[("max_age", "0"), ("acr_values", ACR_MFA)])).await;
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let stale = browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
    assert_eq!(stale.get("/oidc/resume").await.header(LOCATION).as_deref(), Some("/login?again=1"));
    // The same browser logs in again (MFA, although from the trusted IP), in the same second.
    let res = stale.login(EMAIL, PW).await;
    assert_eq!(res.header(LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    let code = t.code_for(PHONE).await;
    let fresh = stale.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={}", res.session_token().unwrap()));
    let back = fresh.verify(&code).await;
    assert!(back.header(LOCATION).unwrap().starts_with(CB), "{back:?}");
    let (_, tokens) = redeem(&t, &grant(&query_of(&back)["code"], &[("client_id", "spa")]), None).await;
    let claims = verified_claims(&t, tokens["id_token"].as_str().unwrap(), "spa").await;
    assert_eq!(claims["acr"], ACR_MFA);
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "sms", "mfa"]));
    assert_eq!(claims["auth_time"], t.state.clock.now().0);
}

#[tokio::test]
async fn max_age_holds_to_the_second_at_the_endpoint_and_when_resuming() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let (browser, session) = logged_in_with_password(&t).await;
    t.state.clock.advance(60);
    let straight = browser.get(&authorize_path("spa", &[("max_age", "60")])).await;
    assert!(straight.header(LOCATION).unwrap().starts_with(CB), "60 s after the login: {straight:?}");
    t.state.clock.advance(1);
    let asked = browser.get(&authorize_path("spa", &[("max_age", "60")])).await;
    assert_eq!(asked.header(LOCATION).as_deref(), Some("/login?again=1"), "61 s after the login: {asked:?}");
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let both = browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
    let resumed = both.get("/oidc/resume").await;
    assert_eq!(resumed.header(LOCATION).as_deref(), Some("/login?again=1"), "{resumed:?}");
    assert_eq!(count_codes(&t).await, 1, "only the code within max_age");
}

#[tokio::test]
async fn a_transaction_that_asks_for_a_new_login_is_not_confirmed_with_the_old_one() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    let secret = register(&t, "portal", false).await.unwrap();
    let (browser, session) = logged_in_with_password(&t).await;
    t.state.clock.advance(120);
    let asked = browser.get(&authorize_path("portal", &[("max_age", "0"), ("authorization_details", PAYMENT)])).await;
    assert_eq!(asked.header(LOCATION).as_deref(), Some("/login?again=1"), "{asked:?}");
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    // The attacker's shortcut: the confirmation page with the old session.
    let stale = browser.with_cookie(&format!("riegel_session={session}; riegel_oidc={waiting}"));
    let shown = stale.post("/api/oidc/waiting", "").await;
    assert!(shown.body.contains("WrongStep") && shown.body.contains("/login?again=1"), "{shown:?}");
    let confirmed = stale.post("/api/oidc/confirm", "tan=").await;
    assert_eq!(confirmed.header(LOCATION).as_deref(), Some("/login?again=1"), "{confirmed:?}");
    assert_eq!(count(&t, "SELECT count(*) FROM outbox").await, 0, "no TAN SMS for the old login");
    assert_eq!(count_codes(&t).await, 0);

    // The new login, then the TAN: the code carries the new login's time.
    let res = stale.login(EMAIL, PW).await;
    assert_eq!(res.header(LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    let code = t.code_for(PHONE).await;
    let fresh = stale.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={}", res.session_token().unwrap()));
    let passed = fresh.verify(&code).await;
    assert_eq!(passed.header(LOCATION).as_deref(), Some("/oidc/confirm"), "{passed:?}");
    let fresh =
        fresh.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={}", passed.session_token().unwrap()));
    t.state.clock.advance(30);
    assert_eq!(fresh.post("/api/oidc/confirm", "tan=").await.status, StatusCode::PRECONDITION_REQUIRED);
    let (tan, _) = t.tan_for(PHONE).await;
    let done = fresh.post("/api/oidc/confirm", &format!("tan={tan}")).await;
    assert!(done.header(LOCATION).unwrap().starts_with(CB), "{done:?}");
    let (status, tokens) = redeem(&t, &grant(&query_of(&done)["code"], &[]), Some(("portal", &secret))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = verified_claims(&t, tokens["id_token"].as_str().unwrap(), "portal").await;
    assert_eq!(claims["auth_time"], t.state.clock.now().0 - 30, "the new login's time");
}

#[tokio::test]
async fn anonymous_authorization_requests_store_nothing_and_still_work() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let before = every_row(&t).await;
    let mut cookies = Vec::new();
    for n in 0..40u8 {
        let state = format!("st-{n}");
        let extra = [("state", state.as_str()), ("authorization_details", if n % 2 == 0 { "" } else { PAYMENT })];
        let asked = Client::new(&t, ip(100 + n)).get(&authorize_path("spa", &extra)).await;
        assert_eq!(asked.header(LOCATION).as_deref(), Some("/login"), "{asked:?}");
        cookies.push(cookie_value(&asked, "riegel_oidc").expect("the request waits in the browser"));
    }
    // A made-up session cookie changes nothing.
    let asked = Client::new(&t, ip(99)).with_session("made-up").get(&authorize_path("spa", &[])).await;
    assert_eq!(asked.header(LOCATION).as_deref(), Some("/login"), "{asked:?}");
    assert_eq!(every_row(&t).await, before, "asking stored nothing");

    // Any of them still leads to its code after the login.
    let back = log_in_holding(&t, ip(2), &cookies[10]).await;
    assert!(back.header(LOCATION).unwrap().starts_with(CB), "{back:?}");
    assert_eq!(query_of(&back)["state"], "st-10");
    assert!(clears(&back, "riegel_oidc") && clears(&back, "riegel_oidc_origin"));
}

/// Within a few seconds, or not at all: a request that waits for the write lock gives up only
/// after ten.
async fn soon(answer: impl std::future::Future<Output = Answer>) -> Option<Answer> {
    tokio::time::timeout(std::time::Duration::from_secs(3), answer).await.ok()
}

#[tokio::test]
async fn an_anonymous_browser_is_answered_without_the_write_lock() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    // Another writer holds the database's write lock meanwhile (a login, say).
    let busy = t.state.writer.begin().await.unwrap();
    let browser = Client::new(&t, ip(2));
    let asked = soon(browser.get(&authorize_path("spa", &[]))).await;
    let asked = asked.expect("asking does not wait for the write lock");
    assert_eq!(asked.header(LOCATION).as_deref(), Some("/login"), "{asked:?}");
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let made_up = browser.with_session("made-up");
    assert!(soon(made_up.get(&authorize_path("spa", &[]))).await.is_some(), "nor with a made-up session");
    for (cookie, to) in [
        (format!("riegel_oidc={waiting}"), "/login"),
        (format!("riegel_oidc={waiting}; riegel_session=made-up"), "/login"),
        ("riegel_oidc=made-up".to_owned(), "/"),
    ] {
        let holder = browser.with_cookie(&cookie);
        let res = soon(holder.get("/oidc/resume")).await;
        let res = res.unwrap_or_else(|| panic!("{cookie}: /oidc/resume waited for the write lock"));
        assert_eq!(res.header(LOCATION).as_deref(), Some(to), "{cookie}: {res:?}");
    }
    drop(busy);
}

#[tokio::test]
async fn a_request_too_long_for_a_cookie_goes_back_as_an_error_and_the_longest_ordinary_one_waits() {
    let t = TestApp::start().await;
    register(&t, "spa", true).await;
    // Each within its 512 bytes, but escaped for the cookie they are longer than a browser keeps.
    let quotes = "\"".repeat(512);
    let too_long = [("state", quotes.as_str()), ("nonce", quotes.as_str()), ("login_hint", quotes.as_str())];
    let res = Client::new(&t, ip(2)).get(&authorize_path("spa", &too_long)).await;
    let q = query_of(&res);
    assert!(res.header(LOCATION).unwrap().starts_with(CB), "{res:?}");
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].contains("too long"), "{q:?}");
    assert_eq!(q["state"], quotes);
    assert!(res.headers.get(http::header::SET_COOKIE).is_none(), "no cookie: {res:?}");

    let letters = "a".repeat(512);
    let hint = format!("{}@example.org", "a".repeat(500));
    let longest = [
        ("state", letters.as_str()),
        ("nonce", letters.as_str()),
        ("login_hint", hint.as_str()),
        ("authorization_details", PAYMENT),
    ];
    let res = Client::new(&t, ip(2)).get(&authorize_path("spa", &longest)).await;
    assert!(res.header(LOCATION).unwrap().starts_with("/login?email="), "{res:?}");
    let waiting = cookie_value(&res, "riegel_oidc").unwrap();
    assert!(waiting.len() + "__Host-riegel_oidc=".len() <= 4096, "within a browser's cookie: {}", waiting.len());
}

#[tokio::test]
async fn a_waiting_request_works_unaltered_and_only_for_thirty_minutes() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let ask = || async { cookie_value(&Client::new(&t, ip(2)).get(&authorize_path("spa", &[])).await, "riegel_oidc") };

    let waiting = ask().await.unwrap();
    let mut changed = waiting.clone().into_bytes();
    changed[30] = if changed[30] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(changed).unwrap();
    let res = log_in_holding(&t, ip(3), &tampered).await;
    assert_eq!(res.header(LOCATION).as_deref(), Some("/"), "a changed cookie is no request: {res:?}");
    assert!(clears(&res, "riegel_oidc"), "and the browser forgets it");

    let waiting = ask().await.unwrap();
    t.state.clock.advance(30 * 60);
    let res = log_in_holding(&t, ip(4), &waiting).await;
    assert_eq!(res.header(LOCATION).as_deref(), Some("/"), "expired after 30 minutes: {res:?}");

    let waiting = ask().await.unwrap();
    t.state.clock.advance(30 * 60 - 1);
    let res = log_in_holding(&t, ip(5), &waiting).await;
    assert!(res.header(LOCATION).unwrap().starts_with(CB), "a second before: {res:?}");
    assert_eq!(count_codes(&t).await, 1);
}

#[tokio::test]
async fn a_waiting_request_is_answered_once_on_every_instance() {
    let t = TestApp::start().await;
    let other = TestApp::start_at(t.database.clone()).await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    // Sealed by one instance, answered through the other (they share the secret key).
    let asked = Client::new(&t, ip(2)).get(&authorize_path("spa", &[])).await;
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let browser = Client::new(&other, ip(2)).with_cookie(&format!("riegel_oidc={waiting}"));
    let res = browser.login(EMAIL, PW).await;
    let session = res.session_token().unwrap();
    // (Delivered by the instance that sent it: each test instance has a clock of its own.)
    let code = other.code_for(PHONE).await;
    let both = browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
    let back = both.verify(&code).await;
    assert!(back.header(LOCATION).unwrap().starts_with(CB), "{back:?}");
    let session = back.session_token().unwrap();
    // A copy of the cookie kept after the answer gets nothing more, on either instance.
    let copy = Client::new(&t, ip(2)).with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
    for replay in [copy.get("/oidc/resume").await, copy.via(&other).get("/oidc/resume").await] {
        assert_eq!(replay.header(LOCATION).as_deref(), Some("/"), "{replay:?}");
        assert!(clears(&replay, "riegel_oidc"));
    }
    assert_eq!(count_codes(&t).await, 1, "one code for one request");
}

#[tokio::test]
async fn logout_ends_the_waiting_request_and_the_applications_form_target() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    t.user("ben@example.org", PW, "member").await;
    register(&t, "spa", true).await;
    // Anna, logged in on a shared computer, is asked by an application for a new login, and
    // logs out instead.
    let (browser, session) = logged_in_with_password(&t).await;
    let asked = browser.get(&authorize_path("spa", &[("prompt", "login")])).await;
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let origin = cookie_value(&asked, "riegel_oidc_origin").unwrap();
    let all = format!("riegel_session={session}; riegel_oidc={waiting}; riegel_oidc_origin={origin}");
    let out = browser.with_cookie(&all).post("/api/logout", "").await;
    assert_eq!(out.header(LOCATION).as_deref(), Some("/login"), "{out:?}");
    assert!(clears(&out, "riegel_session"));
    assert!(clears(&out, "riegel_oidc"), "the request's cookie goes: {out:?}");
    assert!(clears(&out, "riegel_oidc_origin"), "and the page policy's form target with it: {out:?}");
    let page = Client::new(&t, ip(1)).get("/login").await;
    let csp = page.header(http::header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.contains("form-action 'self';"), "{csp}");

    // Ben logs in next on the same browser, even one that kept a copy of the cookie: he goes
    // to his own start page, not to Anna's application.
    let ben = Client::new(&t, ip(1)).with_cookie(&format!("riegel_oidc={waiting}"));
    let res = ben.login("ben@example.org", PW).await;
    assert_eq!(res.header(LOCATION).as_deref(), Some("/"), "{res:?}");
    assert!(clears(&res, "riegel_oidc"), "{res:?}");
    assert_eq!(count_codes(&t).await, 0);
}

#[tokio::test]
async fn logout_from_the_application_ends_the_waiting_request_too() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let (browser, session) = logged_in_with_password(&t).await;
    let code = query_of(&browser.get(&authorize_path("spa", &[])).await)["code"].clone();
    let (_, tokens) = redeem(&t, &grant(&code, &[("client_id", "spa")]), None).await;
    let hint = crate::harness::serde_urlencoded(&[("id_token_hint", tokens["id_token"].as_str().unwrap())]);
    // A new request waits in the browser when the application logs the user out.
    let asked = browser.get(&authorize_path("spa", &[("max_age", "0")])).await;
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let both = browser.with_cookie(&format!("riegel_session={session}; riegel_oidc={waiting}"));
    let out = both.get(&format!("/oidc/logout?{hint}")).await;
    assert!(clears(&out, "riegel_session"), "{out:?}");
    assert!(clears(&out, "riegel_oidc") && clears(&out, "riegel_oidc_origin"), "{out:?}");
    // A copy of the cookie answers nothing at the next login.
    let next = Client::new(&t, ip(1)).with_cookie(&format!("riegel_oidc={waiting}")).login(EMAIL, PW).await;
    assert_eq!(next.header(LOCATION).as_deref(), Some("/"), "{next:?}");
    assert_eq!(count_codes(&t).await, 1);
}
