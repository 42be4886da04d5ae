//! The attack suite: what an attacker tries, and what they observe.
//!
//! The attacks, and the tests here and in the other files that try each, are listed in
//! docs/security.md, section "Attacks and the tests that try them"; `attack_list.rs` checks
//! that every test named there exists and that every test of this file is named there.

use std::{
    collections::BTreeMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
};

use app::domain::policy::Policy;
use axum::{body::Body, extract::ConnectInfo};
use http::{Request, StatusCode, header};
use tower::ServiceExt;

use crate::harness::{
    Answer, Client, PHONE, PW, TestApp, change_bank, count, ip, logged_in, no_cooldown, serde_urlencoded as form,
    six_digits,
};

const STRONG: &str = "Kiefer-Wolke-Laterne-73";
const IBAN_A: &str = "DE89370400440532013000";
const ANNA: &str = "anna@example.org";

/// Another client address for each `n`, outside the ones `harness::ip` hands out.
pub(crate) fn ip_n(n: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 7, (n / 250) as u8, (n % 250) as u8 + 1))
}

/// Every row of every table, as text: what an attack may not change.
async fn snapshot(t: &TestApp) -> BTreeMap<String, String> {
    crate::harness::every_row(t).await
}

/// The tables whose content differs between two snapshots.
fn changed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    after.iter().filter(|(k, v)| before.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect()
}

/// A six-digit guess that is none of `avoid`, from the attacker's running counter.
pub(crate) fn guess(counter: &mut u32, avoid: &[&str]) -> String {
    loop {
        let g = format!("{:06}", *counter);
        *counter += 1;
        if !avoid.contains(&g.as_str()) {
            return g;
        }
    }
}

/// A request as built here (any body, any headers), sent from `peer`.
async fn send(t: &TestApp, peer: IpAddr, mut req: Request<Body>) -> Answer {
    req.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer, 40000)));
    let res = t.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn set_cookies(res: &Answer) -> Vec<String> {
    res.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn serial_code_guessing_stops_at_five_per_code_and_twenty_wrong_entries_a_day() {
    // The attacker has the password and, from a new address each time, logs in and guesses;
    // each challenge they exhaust by SMS they renew by switching to e-mail, and again by a new
    // login. Five guesses per code, and twenty wrong entries of the account in the day
    // (SPEC 4.6): the 21st entry is refused unjudged and locks the account.
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user(ANNA, PW, "member").await;
    let mut counter = 0;
    for round in 0..2 {
        let c = Client::new(&t, ip_n(round));
        let (res, token) = c.password(ANNA, PW).await;
        assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "round {round}: {res:?}");
        let s = c.with_session(&token);
        for channel in ["sms", "email"] {
            if channel == "email" {
                let switched = s.post("/api/mfa/switch", "method=email").await;
                assert_eq!(switched.status, StatusCode::OK, "round {round}: {switched:?}");
            }
            let code = t.code_for(if channel == "sms" { PHONE } else { ANNA }).await;
            for attempt in 1..=5 {
                let res = s.verify(&guess(&mut counter, &[&code])).await;
                if attempt < 5 {
                    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
                    assert!(res.body.contains(&format!("\"tries_left\":{}", 5 - attempt)), "{}", res.body);
                } else {
                    assert_eq!(res.status, StatusCode::CONFLICT, "attempt {attempt}: {res:?}");
                    assert!(res.body.contains("ChallengeExhausted"), "{}", res.body);
                }
            }
            let right = s.verify(&code).await;
            assert!(right.body.contains("ChallengeExhausted") && right.session_token().is_none(), "{right:?}");
        }
    }

    // Twenty wrong entries: at the next login even the right code is refused and the account
    // locks; the challenge's session ends.
    let c = Client::new(&t, ip_n(2));
    let (_, token) = c.password(ANNA, PW).await;
    let s = c.with_session(&token);
    let code = t.code_for(PHONE).await;
    let locked = s.verify(&code).await;
    assert_eq!(locked.status, StatusCode::LOCKED, "{locked:?}");
    assert!(locked.body.contains("AccountLocked") && locked.session_token().is_none());
    assert_eq!(s.me().await, "null");
    let guessing = s.verify(&guess(&mut counter, &[&code])).await;
    assert!(guessing.status.is_client_error(), "{guessing:?}");
    let home = Client::new(&t, ip(1)).login(ANNA, PW).await;
    assert_eq!(home.status, StatusCode::LOCKED, "even from the trusted IP");
    assert_eq!(t.audited("login.succeeded").await, 0);

    // The server judged five guesses per code and twenty in the day.
    assert_eq!(t.audited("code.refused").await, 20);
    assert_eq!(t.audited("code.sent").await, 5);
    assert_eq!(t.audited("account.locked").await, 1);
}

#[tokio::test]
async fn a_used_code_is_refused_in_the_next_challenge() {
    // Someone who saw the SMS after Anna used it, and knows her password, tries it.
    let t = TestApp::start().await;
    t.user(ANNA, PW, "member").await;
    let anna = Client::new(&t, ip(2));
    let (_, token) = anna.password(ANNA, PW).await;
    let used = t.code_for(PHONE).await;
    assert!(anna.with_session(&token).verify(&used).await.session_token().is_some());

    let mut n = 0;
    let (attacker, fresh) = loop {
        let c = Client::new(&t, ip_n(n));
        let (res, token) = c.password(ANNA, PW).await;
        assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "a new IP meets the challenge");
        let fresh = t.code_for(PHONE).await;
        // One in a million: the new code happens to be the old one; another challenge then.
        if fresh != used {
            break (c.with_session(&token), fresh);
        }
        n += 1;
    };
    let res = attacker.verify(&used).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    assert!(res.body.contains("\"tries_left\":4") && res.session_token().is_none(), "{}", res.body);
    assert_eq!(attacker.me().await, "null");
    assert!(attacker.verify(&fresh).await.session_token().is_some(), "the challenge's own code works");
}

#[tokio::test]
async fn a_tan_older_than_five_minutes_is_refused() {
    let t = TestApp::start().await;
    let c = logged_in(&t, ANNA, "member").await;
    assert_eq!(change_bank(&c, IBAN_A, "").await.status, StatusCode::PRECONDITION_REQUIRED);
    let (tan, _) = t.tan_for(PHONE).await;
    t.state.clock.advance(300);
    let late = change_bank(&c, IBAN_A, &tan).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY, "{late:?}");
    assert!(late.body.contains("TanExpired"), "{}", late.body);
    assert_eq!(count(&t, "SELECT count(*) FROM bank_accounts").await, 0);
    // A new TAN is sent for the same change, and only it works.
    assert_eq!(change_bank(&c, IBAN_A, "").await.status, StatusCode::PRECONDITION_REQUIRED);
    let (fresh, _) = t.tan_for(PHONE).await;
    if fresh != tan {
        assert!(change_bank(&c, IBAN_A, &tan).await.status.is_client_error(), "the expired TAN stays void");
    }
    assert_eq!(change_bank(&c, IBAN_A, &fresh).await.status, StatusCode::OK);
    assert_eq!(t.delivered_to(PHONE).await, 2);
}

#[tokio::test]
async fn a_phone_outside_the_allowed_countries_gets_no_sms() {
    // Numbers SMS pumping favours: premium destinations far from the portal's customers.
    let t = TestApp::start().await;
    t.user_without_mfa("neu@example.org", PW, "member").await;
    let c = Client::new(&t, ip(1));
    let (_, token) = c.password("neu@example.org", PW).await;
    let s = c.with_session(&token);
    for phone in [
        "+7 912 345 67 89",  // Russia, mobile
        "+234 803 123 4567", // Nigeria, mobile
        "+880 1712 345678",  // Bangladesh, mobile
        "+998 90 123 45 67", // Uzbekistan, mobile
        "+1 202 555 0143",   // USA
        "+882 16 1234 5678", // international networks (satellite)
    ] {
        let res = s.post("/api/mfa/setup", &form(&[("phone", phone)])).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{phone}: {res:?}");
        assert!(res.body.starts_with("{\"Input\":\"Phone"), "{phone}: {}", res.body);
    }
    assert_eq!(count(&t, "SELECT count(*) FROM code_sends").await, 0);
    assert_eq!(count(&t, "SELECT count(*) FROM outbox").await, 0);
    assert_eq!(t.deliver().await, 0, "no SMS left");

    // The list is the policy's: narrowed to Germany, an Austrian mobile is refused too.
    let policy = Policy { phone_countries: vec!["DE".into()], ..Policy::default() };
    let t = TestApp::start_with(policy, TestApp::cheap_argon2()).await;
    t.user_without_mfa("neu@example.org", PW, "member").await;
    let (_, token) = Client::new(&t, ip(1)).password("neu@example.org", PW).await;
    let s = Client::new(&t, ip(1)).with_session(&token);
    let austria = s.post("/api/mfa/setup", &form(&[("phone", "+43 664 1234567")])).await;
    assert!(austria.body.contains("PhoneCountryNotAllowed"), "{}", austria.body);
    assert_eq!(t.deliver().await, 0);
    assert_eq!(s.post("/api/mfa/setup", &form(&[("phone", "+49 151 98765432")])).await.status, StatusCode::OK);
    assert_eq!(t.delivered_to("+4915198765432").await, 1);
}

#[tokio::test]
async fn a_wrong_password_sends_no_code_and_looks_like_an_unknown_account() {
    let t = TestApp::start().await;
    t.user(ANNA, PW, "member").await;
    t.user_without_mfa("legacy@example.org", PW, "member").await;
    t.user("old@example.org", PW, "member").await;
    t.user("locked@example.org", PW, "member").await;
    sqlx::query("UPDATE users SET disabled_at = 1 WHERE email = 'old@example.org'")
        .execute(&t.state.pool)
        .await
        .unwrap();
    // A lock set directly (reaching it takes 21 codes); it holds an hour on the test's clock.
    sqlx::query("UPDATE users SET locked_until = $1 WHERE email = 'locked@example.org'")
        .bind(t.state.clock.now().0 + 3600)
        .execute(&t.state.pool)
        .await
        .unwrap();
    let cases = [
        ("nobody@example.org", "wrong password here", ip(10)),
        (ANNA, "wrong password here", ip(11)), // a new IP: the right password would send a code
        (ANNA, "wrong password here", ip(1)),  // the trusted IP
        ("legacy@example.org", "wrong password here", ip(12)),
        ("old@example.org", PW, ip(13)),
        ("locked@example.org", "wrong password here", ip(14)),
    ];
    let mut answers = Vec::new();
    for (email, password, from) in cases {
        let res = Client::new(&t, from).login(email, password).await;
        assert!(set_cookies(&res).is_empty(), "{email}: {res:?}");
        answers.push((email, res.status, res.header(header::LOCATION), res.body));
    }
    assert_eq!(answers[0].1, StatusCode::UNAUTHORIZED);
    for a in &answers[1..] {
        assert_eq!((a.1, &a.2, &a.3), (answers[0].1, &answers[0].2, &answers[0].3), "{} differs", a.0);
    }
    // Nothing was sent, counted or opened for any of them.
    for table in ["outbox", "code_sends", "challenges", "challenge_codes", "sessions"] {
        assert_eq!(count(&t, &format!("SELECT count(*) FROM {table}")).await, 0, "{table}");
    }
    assert_eq!(t.deliver().await, 0);
    // A forged session cookie opens no MFA step either.
    let forged = Client::new(&t, ip(15)).with_session("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(forged.resend().await.status, StatusCode::UNAUTHORIZED);

    // Only the right password meets the challenge and sends a code.
    let right = Client::new(&t, ip(11)).login(ANNA, PW).await;
    assert_eq!(right.header(header::LOCATION).as_deref(), Some("/mfa"), "{right:?}");
    assert_eq!(t.delivered_to(PHONE).await, 1);
    assert_eq!(count(&t, "SELECT count(*) FROM code_sends").await, 1);
}

#[tokio::test]
async fn cross_origin_posts_to_every_server_function_are_refused() {
    let t = TestApp::start().await;
    let admin = logged_in(&t, ANNA, "admin").await;
    let mut paths: Vec<(&str, http::Method)> = leptos::server_fn::axum::server_fn_paths().collect();
    paths.sort_by_key(|p| p.0);
    let names: Vec<&str> = paths.iter().map(|p| p.0).collect();
    assert!(paths.len() > 30, "every server function is registered: {names:?}");
    for must in
        ["/api/login", "/api/logout", "/api/password", "/api/bank/change", "/api/team/invite", "/api/mfa/verify"]
    {
        assert!(names.contains(&must), "{must} in {names:?}");
    }
    // What a forged form would ask for, where it matters.
    let body_for = |path: &str| match path {
        "/api/login" => form(&[("email", ANNA), ("password", PW)]),
        "/api/password" => form(&[("current", PW), ("new", "a new long passphrase"), ("tan", "")]),
        "/api/bank/change" => form(&[("holder", "Evil Ltd"), ("iban", IBAN_A), ("bic", ""), ("tan", "")]),
        "/api/team/invite" => form(&[("full_name", "Eve Evil"), ("email", "eve@evil.example"), ("tan", "")]),
        "/api/register" => form(&[
            ("company", "Evil Ltd"),
            ("full_name", "Eve Evil"),
            ("email", "eve@evil.example"),
            ("password", STRONG),
        ]),
        "/api/password/forgot" => form(&[("email", ANNA)]),
        "/api/locale" => "locale=en".into(),
        _ => String::new(),
    };
    let before = snapshot(&t).await;
    let variants: [&[(&str, &str)]; 6] = [
        &[("origin", "https://evil.example")],
        &[("origin", "null")],
        &[("origin", "http://localhost:3000.evil.example")],
        &[("sec-fetch-site", "cross-site"), ("origin", "http://localhost:3000")],
        &[("sec-fetch-site", "same-site"), ("origin", "http://sub.localhost:3000")],
        &[],
    ];
    let mut refused = 0;
    for (path, method) in &paths {
        assert_eq!(*method, http::Method::POST, "{path}: only POST server functions, which the guard covers");
        for headers in variants {
            let res = admin.raw_post(path, &body_for(path), headers).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{path} {headers:?}: {res:?}");
            assert_eq!(res.body, "\"Forbidden\"", "{path} {headers:?}");
            assert!(set_cookies(&res).is_empty(), "{path} {headers:?}");
            refused += 1;
        }
        // Nor does a GET reach it.
        let get = admin.get(path).await;
        assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED, "GET {path}: {get:?}");
    }
    assert_eq!(refused, paths.len() * variants.len());
    assert_eq!(changed(&before, &snapshot(&t).await), Vec::<String>::new(), "no table changed");
    assert_eq!(t.deliver().await, 0, "no message was sent");
    // The session the forged requests rode on was alive all along, and a same-origin logout
    // (the control) ends it.
    assert!(admin.me().await.contains(ANNA));
    assert_eq!(admin.post("/api/logout", "").await.status, StatusCode::OK);
    assert_eq!(admin.me().await, "null");
}

/// A streamed body without a length, in 4 KiB chunks.
fn streamed(bytes: Vec<u8>) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = bytes.chunks(4096).map(|c| Ok(c.to_vec())).collect();
    Body::from_stream(futures::stream::iter(chunks))
}

fn form_post(path: &str, body: Body, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::post(path)
        .header(header::HOST, "localhost:3000")
        .header(header::ORIGIN, "http://localhost:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(body).unwrap()
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_store_nothing() {
    let t = TestApp::start().await;
    t.user(ANNA, PW, "member").await;
    let (_, token) = Client::new(&t, ip(1)).password(ANNA, PW).await;
    let cookie = format!("riegel_session={token}");
    let big = "x".repeat(70 * 1024);
    let posts = [
        (
            "/api/register",
            form(&[
                ("company", big.as_str()),
                ("full_name", "Eve"),
                ("email", "eve@evil.example"),
                ("password", STRONG),
            ]),
            None,
        ),
        ("/api/password/forgot", form(&[("email", ANNA), ("pad", big.as_str())]), None),
        (
            "/api/bank/change",
            form(&[("holder", big.as_str()), ("iban", IBAN_A), ("bic", ""), ("tan", "")]),
            Some(cookie.as_str()),
        ),
        ("/api/mfa/setup", form(&[("phone", big.as_str())]), Some(cookie.as_str())),
    ];
    let before = snapshot(&t).await;
    for (path, body, cookie) in &posts {
        for (how, body) in [("sized", Body::from(body.clone())), ("streamed", streamed(body.clone().into_bytes()))] {
            let res = send(&t, ip(9), form_post(path, body, *cookie)).await;
            assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{path} {how}: {res:?}");
            assert_eq!(res.body, "\"BadRequest\"", "{path} {how}");
        }
    }
    assert_eq!(changed(&before, &snapshot(&t).await), Vec::<String>::new(), "nothing stored");
    assert_eq!(t.deliver().await, 0, "nothing sent");

    // The limit is exactly the configured 64 KiB: one byte less reaches the function.
    let prefix = "email=anna%40example.org&password=";
    let at_limit = format!("{prefix}{}", "x".repeat(64 * 1024 - prefix.len()));
    let res = send(&t, ip(9), form_post("/api/login", streamed(at_limit.clone().into_bytes()), None)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    assert!(res.body.contains("PasswordTooLong"), "{}", res.body);
    let over = format!("{at_limit}x");
    let res = send(&t, ip(9), form_post("/api/login", streamed(over.into_bytes()), None)).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A form post as a browser without JavaScript sends it: answered by a redirect back to the
/// page, which then shows the error.
async fn html_form_post(
    t: &TestApp,
    path: &str,
    page: &str,
    body: Vec<u8>,
    cookie: Option<&str>,
    lang: &str,
) -> String {
    let mut b = Request::post(path)
        .header(header::HOST, "localhost:3000")
        .header(header::ORIGIN, "http://localhost:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(header::REFERER, format!("http://localhost:3000{page}"))
        .header(header::ACCEPT_LANGUAGE, lang);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    let res = send(t, ip(9), b.body(Body::from(body)).unwrap()).await;
    assert!(res.status.is_redirection(), "{res:?}");
    let location = res.header(header::LOCATION).unwrap();
    let back = location.strip_prefix("http://localhost:3000").unwrap_or(&location).to_owned();
    assert!(back.starts_with(page), "{back}");
    let mut headers = vec![("accept-language", lang)];
    if let Some(c) = cookie {
        headers.push(("cookie", c));
    }
    let shown = Client::new(t, ip(9)).get_with(&back, &headers).await;
    assert_eq!(shown.status, StatusCode::OK, "{back}");
    shown.body
}

#[tokio::test]
async fn invalid_utf8_bytes_get_a_clear_error_in_the_users_language_and_store_nothing() {
    let t = TestApp::start().await;
    t.user(ANNA, PW, "admin").await;
    let (_, token) = Client::new(&t, ip(1)).password(ANNA, PW).await;
    let cookie = format!("riegel_session={token}");
    let session = Client::new(&t, ip(1)).with_session(&token);
    let anon = Client::new(&t, ip(9));
    let register = b"company=Holz\xff\xfe&full_name=Jana+Becker&email=jana%40holz.de&password=Kiefer-Wolke-Laterne-73";
    let bank = b"holder=Muster\xc3\x28GmbH&iban=DE89370400440532013000&bic=&tan=";
    let invoice = b"number=R-\xed\xa0\x80&date=2026-11-20&amount=10&tan=";
    let forgot = b"email=anna\xff%40example.org";
    let invite = b"full_name=Kai\x80&email=kai%40example.org&tan=";
    let before = snapshot(&t).await;
    for (client, path, body) in [
        (&anon, "/api/register", &register[..]),
        (&anon, "/api/password/forgot", &forgot[..]),
        (&session, "/api/bank/change", &bank[..]),
        (&session, "/api/invoices/submit", &invoice[..]),
        (&session, "/api/team/invite", &invite[..]),
    ] {
        let res = client.raw_post_bytes(path, body.to_vec()).await;
        assert_eq!((res.status, res.body.as_str()), (StatusCode::BAD_REQUEST, "\"BadRequest\""), "{path}: {res:?}");
    }
    // Without JavaScript the page says it in the user's language: German unless asked otherwise.
    for (lang, expected) in [("de", "Die Anfrage war fehlerhaft."), ("en-GB,en;q=0.9", "The request was malformed.")] {
        let page = html_form_post(&t, "/api/register", "/register", register.to_vec(), None, lang).await;
        assert!(page.contains(expected), "{lang}: {page}");
        let page = html_form_post(&t, "/api/bank/change", "/bank", bank.to_vec(), Some(&cookie), lang).await;
        assert!(page.contains(expected), "{lang}: {page}");
    }
    assert_eq!(changed(&before, &snapshot(&t).await), Vec::<String>::new(), "nothing stored");
    assert_eq!(t.deliver().await, 0, "nothing sent");
}

#[tokio::test]
async fn percent_encoded_invalid_utf8_is_refused_and_stores_nothing() {
    // Browsers percent-encode form fields, so this is the form invalid UTF-8 arrives in.
    let t = TestApp::start().await;
    let c = logged_in(&t, ANNA, "member").await;
    let anon = Client::new(&t, ip(9));
    let before = snapshot(&t).await;
    let register =
        "company=Holz%FF%FE&full_name=Jana+%C3%28Becker&email=jana%40holz.de&password=Kiefer-Wolke-Laterne-73";
    let res = anon.post("/api/register", register).await;
    assert!(res.status.is_client_error(), "register: decoded with U+FFFD instead of refused: {res:?}");
    let bank = "holder=Muster%FF&iban=DE89370400440532013000&bic=&tan=";
    let res = c.post("/api/bank/change", bank).await;
    assert!(res.status.is_client_error() && !res.body.contains("TanRequired"), "bank: {res:?}");
    // The server function reads the body as a form whatever the Content-Type says.
    for content_type in ["text/plain", "Application/X-WWW-Form-Urlencoded"] {
        let headers = [("origin", "http://localhost:3000"), ("content-type", content_type)];
        let res = anon.raw_post("/api/register", register, &headers).await;
        assert!(res.status.is_client_error(), "register as {content_type}: {res:?}");
    }
    let stored = snapshot(&t).await;
    assert!(stored.values().all(|rows| !rows.contains('\u{FFFD}')), "no replacement character was stored");
    assert_eq!(changed(&before, &stored), Vec::<String>::new(), "nothing stored");
    assert_eq!(t.deliver().await, 0, "nothing sent");
}

#[tokio::test]
async fn every_cookie_of_a_production_server_is_a_secure_http_only_host_cookie() {
    let t = TestApp::start_prod().await;
    t.user(ANNA, PW, "member").await;
    // Production has no development outbox: codes are read where they wait for a provider.
    let code_to = |to: &'static str| {
        let pool = t.state.pool.clone();
        async move {
            let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE recipient = $1 ORDER BY id DESC")
                .bind(to)
                .fetch_one(&pool)
                .await
                .unwrap();
            six_digits(&body).unwrap()
        }
    };
    let mut cookies = Vec::new();
    let c = Client::new(&t, ip(7));

    // A registration and its e-mail code.
    let body = form(&[
        ("company", "Holzbau Meier GmbH"),
        ("full_name", "Jana Becker"),
        ("email", "jana@holz.de"),
        ("password", STRONG),
    ]);
    let res = c.post("/api/register", &body).await;
    assert!(res.header(header::STRICT_TRANSPORT_SECURITY).is_some(), "HSTS in production");
    cookies.extend(set_cookies(&res));
    let reg = res.registration_token().unwrap();
    let res = c
        .with_cookie(&format!("__Host-riegel_registration={reg}"))
        .post("/api/register/verify", &format!("code={}", code_to("jana@holz.de").await))
        .await;
    assert!(res.session_token().is_some(), "{res:?}");
    cookies.extend(set_cookies(&res));

    // A login from a new IP: the challenge's session, then the logged-in one, then logout.
    let res = c.login(ANNA, PW).await;
    cookies.extend(set_cookies(&res));
    let challenge = res.session_token().unwrap();
    let s = c.with_cookie(&format!("__Host-riegel_session={challenge}"));
    let res = s.verify(&code_to(PHONE).await).await;
    cookies.extend(set_cookies(&res));
    let token = res.session_token().unwrap();
    let s = c.with_cookie(&format!("__Host-riegel_session={token}"));
    assert!(s.me().await.contains(ANNA));
    // A cookie without the prefix (one a sibling subdomain could plant) is not read.
    assert_eq!(c.with_cookie(&format!("riegel_session={token}")).me().await, "null");
    let res = s.post("/api/logout", "").await;
    cookies.extend(set_cookies(&res));
    assert!(set_cookies(&res).iter().any(|c| c.contains("Max-Age=0")), "{res:?}");

    assert!(cookies.len() >= 5, "{cookies:?}");
    for cookie in &cookies {
        let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
        assert!(attributes[0].starts_with("__Host-riegel_"), "{cookie}");
        for required in ["Secure", "HttpOnly", "Path=/"] {
            assert!(attributes.contains(&required), "{required} missing: {cookie}");
        }
        assert!(attributes.contains(&"SameSite=Lax") || attributes.contains(&"SameSite=Strict"), "{cookie}");
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_delivery_loses_no_outbox_message_and_no_counter() {
    crate::stop::during_logins(crate::stop::Stop::Kill9).await;
}
