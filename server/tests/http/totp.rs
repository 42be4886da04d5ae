//! Authenticator apps (TOTP, SPEC 3.1): enrolment behind a TAN with a QR code, confirmation by
//! the first code, login with the app's code, replay refused, wrong codes counted, and the
//! start page naming the app as what passed the last login.

use http::StatusCode;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::harness::{Client, PHONE, PW, TestApp, ip, logged_in, no_cooldown, with_tan};

/// What an authenticator app would show for `secret` at `unix` seconds.
pub(crate) fn app_code(secret: &str, unix: i64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).unwrap().generate(u64::try_from(unix).unwrap())
}

/// Anna, logged in from her trusted IP, enrols an app; returns its secret.
pub(crate) async fn enrol(t: &TestApp) -> String {
    let s = logged_in(t, "anna@example.org", "member").await;
    let res = with_tan(t, &s, "/api/totp/start", "Authenticator-App").await;
    let e: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let secret = e["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let url = e["url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/") && url.contains(&format!("secret={secret}")), "{url}");
    assert!(e["qr_svg"].as_str().unwrap().contains("<svg"));
    // Not active before the app proves it holds the secret.
    let enrolled: i64 = sqlx::query_scalar("SELECT count(*) FROM totp").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(enrolled, 0);
    let wrong = s.post("/api/totp/confirm", "code=000000").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("TotpCodeWrong"), "no made-up count of tries: {}", wrong.body);
    let code = app_code(&secret, t.state.clock.now().0);
    assert_eq!(s.post("/api/totp/confirm", &format!("code={code}")).await.status, StatusCode::OK);
    assert_eq!(t.audited("totp.enrolled").await, 1);
    secret
}

#[tokio::test]
async fn an_app_is_enrolled_behind_a_tan_and_its_secret_is_stored_sealed() {
    let t = TestApp::start().await;
    let secret = enrol(&t).await;
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT secret_enc FROM totp").fetch_one(&t.state.pool).await.unwrap();
    let raw = Secret::Encoded(secret.clone()).to_bytes().unwrap();
    assert!(!sealed.windows(raw.len()).any(|w| w == raw.as_slice()), "the secret is not stored in clear");
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_bytes()));
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM totp_pending").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn the_apps_code_passes_the_challenge_once_and_a_replayed_step_is_refused() {
    // No resend countdown, so "Authenticate via SMS" can send right after the first login's SMS.
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    let secret = enrol(&t).await;
    // The confirmation used the current step; the app's next code (one step ahead) logs in.
    let next = app_code(&secret, t.state.clock.now().0 + 30);
    let c = Client::new(&t, ip(7));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"totp\":true") && status.contains("\"code_sent\":true"), "{status}");
    let res = s.post("/api/mfa/totp", &format!("code={next}")).await;
    let fresh = res.session_token().expect("logged in");
    assert!(c.with_session(&fresh).me().await.contains("anna@example.org"));
    assert_eq!(t.audited("totp.accepted").await, 1);

    // The same code again from another new IP: a replay, refused and counted.
    let before = t.delivered_to(PHONE).await;
    let c = Client::new(&t, ip(8));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    // The challenge opened on the app (its last method): nothing was sent.
    t.deliver().await;
    assert_eq!(t.delivered_to(PHONE).await, before, "no SMS when the app is the last method");
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"code_sent\":false"), "{status}");
    let replay = s.post("/api/mfa/totp", &format!("code={next}")).await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY, "{replay:?}");
    assert!(replay.body.contains("\"tries_left\":4"), "{}", replay.body);
    // The code of the current step is older than the used one: refused too.
    let old = app_code(&secret, t.state.clock.now().0);
    assert_eq!(s.post("/api/mfa/totp", &format!("code={old}")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // "Authenticate via SMS" still sends a code.
    assert_eq!(s.post("/api/mfa/switch", "method=sms").await.status, StatusCode::OK);
    let code = t.code_for(PHONE).await;
    assert!(s.verify(&code).await.session_token().is_some());
}

#[tokio::test]
async fn without_an_app_the_totp_form_is_refused_and_counts_nothing() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(7));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    let res = s.post("/api/mfa/totp", "code=123456").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("MethodUnavailable"), "{}", res.body);
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"totp\":false") && status.contains("\"tries_left\":5"), "{status}");
    // Confirming without a started enrolment says so.
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let res = Client::new(&t, ip(1)).with_session(&token).post("/api/totp/confirm", "code=123456").await;
    assert!(res.body.contains("TotpNotStarted"), "{res:?}");
}

/// The start page's "last login" section of `s`'s page.
async fn last_login(s: &Client) -> String {
    let page = s.get("/").await.body;
    let section = page.split("id=\"last-login-heading\"").nth(1).unwrap_or_else(|| panic!("no last login: {page}"));
    section.split("</section>").next().unwrap().to_owned()
}

#[tokio::test]
async fn the_start_page_names_the_factor_that_passed_the_last_login() {
    let t = TestApp::start().await;
    let secret = enrol(&t).await;
    let c = Client::new(&t, ip(7));
    let (_, token) = c.password("anna@example.org", PW).await;
    let next = app_code(&secret, t.state.clock.now().0 + 30);
    let app_login = c.with_session(&token).post("/api/mfa/totp", &format!("code={next}")).await;
    assert!(app_login.session_token().is_some(), "{app_login:?}");
    // The next login, from the now trusted IP, is the password alone; the one before it passed
    // the app.
    let (_, token) = c.password("anna@example.org", PW).await;
    let section = last_login(&c.with_session(&token)).await;
    assert!(section.contains("Authenticator-App"), "{section}");
    let (_, token) = c.password("anna@example.org", PW).await;
    let section = last_login(&c.with_session(&token)).await;
    assert!(section.contains("Passwort vom bekannten Ort oder Wiederherstellungscode"), "{section}");
}
