//! A login with a passkey alone (SPEC 14.2) through the HTTP API: no password, no address
//! typed. The soft passkey (`webauthn-authenticator-rs`) keeps no resident keys, so the test
//! plays the browser's part of a discoverable key: it picks the key for the options (which
//! name none) and sends back the user handle the key was given at enrolment, as a resident key
//! does. No signature covers the handle; Riegel must not trust it.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use http::StatusCode;
use webauthn_authenticator_rs::{
    WebauthnAuthenticator,
    prelude::{PublicKeyCredential, RequestChallengeResponse},
    softpasskey::SoftPasskey,
};

use crate::{
    harness::{Answer, Client, PHONE, PW, TestApp, count, ip, logged_in, serde_urlencoded},
    passkeys::{Enrolled, ORIGIN, enrol, origin},
};

/// A login begun in a browser: the page's sealed ceremony and the options.
struct Begun {
    ceremony: String,
    options: serde_json::Value,
}

/// A browser at `peer` that asked for a login's options.
async fn begin(t: &TestApp, peer: u8) -> (Client, Begun) {
    let c = Client::new(t, ip(peer));
    let res = c.post("/api/login/passkey/options", "").await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert!(res.header(http::header::SET_COOKIE).is_none(), "asking sets nothing: {res:?}");
    let wrapped: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let options: serde_json::Value = serde_json::from_str(wrapped["options"].as_str().unwrap()).unwrap();
    assert_eq!(options["publicKey"]["allowCredentials"], serde_json::json!([]), "no key is named: {options}");
    assert_eq!(options["publicKey"]["userVerification"], "required");
    (c, Begun { ceremony: wrapped["ceremony"].as_str().unwrap().to_owned(), options })
}

/// What `key` answers to `options` as a discoverable key enrolled as `enrolled`, sending
/// `handle` as the account's user handle.
fn sign(key: &mut SoftPasskey, begun: &Begun, enrolled: &Enrolled, handle: &[u8]) -> Signed {
    let mut options = begun.options.clone();
    let id = URL_SAFE_NO_PAD.encode(&enrolled.credential_id);
    options["publicKey"]["allowCredentials"] = serde_json::json!([{ "type": "public-key", "id": id }]);
    let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
    let mut answer = key.do_authentication(origin(ORIGIN), options).unwrap();
    answer.response.user_handle = Some(handle.to_vec());
    Signed { ceremony: begun.ceremony.clone(), answer }
}

/// An answer, with the ceremony it answers.
#[derive(Clone)]
struct Signed {
    ceremony: String,
    answer: PublicKeyCredential,
}

async fn answer(c: &Client, signed: &Signed) -> Answer {
    let json = serde_json::to_string(&signed.answer).unwrap();
    c.post("/api/login/passkey", &serde_urlencoded(&[("ceremony", &signed.ceremony), ("answer", &json)])).await
}

#[track_caller]
fn refused(res: &Answer) {
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    assert!(res.body.contains("PasskeyLoginRefused"), "{}", res.body);
    assert!(res.session_token().is_none());
}

/// Anna with a passkey enrolled from her trusted address.
async fn anna() -> (TestApp, SoftPasskey, Enrolled) {
    let t = TestApp::start().await;
    let s = logged_in(&t, "anna@example.org", "member").await;
    let mut key = SoftPasskey::new(true);
    let enrolled = enrol(&t, &s, &mut key, "Laptop").await;
    (t, key, enrolled)
}

#[tokio::test]
async fn the_login_page_offers_passkeys_with_an_inline_script_under_its_nonce() {
    let t = TestApp::start().await;
    let page = Client::new(&t, ip(1)).get("/login").await;
    let csp = page.header(http::header::CONTENT_SECURITY_POLICY).unwrap();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).unwrap();
    let script =
        page.body.split(&format!("<script nonce=\"{nonce}\">")).nth(1).filter(|s| s.contains("passkey-login-form"));
    assert!(script.is_some(), "the passkey script runs under the page's nonce: {}", page.body);
    assert!(page.body.contains("autocomplete=\"username webauthn\""), "the e-mail field offers passkeys");
    assert!(page.body.contains("data-autofill=\"true\""));
    // The answer posts with a plain form: no script file, no island on the login page.
    assert!(page.body.contains("action=\"/api/login/passkey\""));
    assert!(!page.body.contains("<leptos-island"), "{}", page.body);
}

#[tokio::test]
async fn a_passkey_alone_logs_in_from_a_new_address_with_no_code_and_the_address_becomes_trusted() {
    let (t, mut key, enrolled) = anna().await;
    let sms_before = t.delivered_to(PHONE).await;
    let (c, begun) = begin(&t, 7).await;
    let res = answer(&c, &sign(&mut key, &begun, &enrolled, &enrolled.user_handle)).await;
    let token = res.session_token().unwrap_or_else(|| panic!("logged in: {res:?}"));
    assert!(c.with_session(&token).me().await.contains("anna@example.org"));
    assert_eq!(t.delivered_to(PHONE).await, sms_before, "no code was sent");
    assert_eq!(t.audited("passkey.accepted").await, 1);
    assert_eq!(t.audited("login.succeeded").await, 2, "the enrolment's login and this one");
    // The address is trusted now: the password alone logs in from it.
    let (pw, _) = Client::new(&t, ip(7)).password("anna@example.org", PW).await;
    assert!(pw.header(http::header::LOCATION).is_some_and(|l| l == "/"), "{pw:?}");
}

/// Sets every stored key's counter back to 0, as if its authenticator kept none: then only the
/// ceremony's one-time mark stands between a replayed answer and a login.
async fn forget_counters(t: &TestApp) {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, credential FROM passkeys").fetch_all(&t.state.pool).await.unwrap();
    for (id, credential) in rows {
        let mut record: serde_json::Value = serde_json::from_str(&credential).unwrap();
        record["cred"]["counter"] = 0.into();
        sqlx::query("UPDATE passkeys SET sign_count = 0, credential = $1 WHERE id = $2")
            .bind(record.to_string())
            .bind(id)
            .execute(&t.state.pool)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn unknown_keys_foreign_handles_and_replays_are_refused_and_counted_by_the_network_not_the_account() {
    let (t, mut key, enrolled) = anna().await;
    let bob = logged_in(&t, "bob@example.org", "member").await;
    let mut bob_key = SoftPasskey::new(true);
    let bobs = enrol(&t, &bob, &mut bob_key, "Bob's laptop").await;

    // Bob logs in from the network (only his own attempt is taken back).
    let (c, begun) = begin(&t, 7).await;
    let bobs_answer = sign(&mut bob_key, &begun, &bobs, &bobs.user_handle);
    assert!(answer(&c, &bobs_answer).await.session_token().is_some(), "Bob logs in");
    // His answer, replayed with its ceremony: as from a key that keeps no counter (a synced
    // passkey sends 0), so the ceremony's one-time mark is what refuses it.
    forget_counters(&t).await;
    refused(&answer(&c, &bobs_answer).await);
    // And with another, new ceremony.
    let (other, fresh) = begin(&t, 7).await;
    refused(&answer(&other, &Signed { ceremony: fresh.ceremony, ..bobs_answer.clone() }).await);
    // A key Riegel does not know (any more): Bob's old phone, removed.
    let mut old_phone = SoftPasskey::new(true);
    let old = enrol(&t, &bob, &mut old_phone, "Old phone").await;
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM passkeys WHERE name = 'Old phone'").fetch_one(&t.state.pool).await.unwrap();
    let removed = bob.post("/api/passkeys/remove", &format!("id={id}")).await;
    assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
    let (c, begun) = begin(&t, 7).await;
    refused(&answer(&c, &sign(&mut old_phone, &begun, &old, &old.user_handle)).await);
    // Anna's key, naming Bob's account: the handle is no signed claim, the key's owner decides.
    let (c, begun) = begin(&t, 7).await;
    refused(&answer(&c, &sign(&mut key, &begun, &enrolled, &bobs.user_handle)).await);
    assert_eq!(t.audited("passkey.login_refused").await, 4);
    assert_eq!(count(&t, "SELECT count(*) FROM wrong_entries").await, 0, "no account's wrong entries");

    // The network's pair for passkeys has had its four failures (Bob's pass took back only his
    // own attempt); the fifth is free, then the growing delay holds, as for passwords (SPEC 1.2).
    let (c, begun) = begin(&t, 7).await;
    refused(&answer(&c, &sign(&mut key, &begun, &enrolled, &bobs.user_handle)).await);
    let (c, begun) = begin(&t, 7).await;
    let right = sign(&mut key, &begun, &enrolled, &enrolled.user_handle);
    let held = answer(&c, &right).await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS, "{held:?}");
    assert!(held.body.contains("TooManyAttempts"), "{}", held.body);
    // Another network is not held, and Anna's account was never at risk.
    let (c, begun) = begin(&t, 8).await;
    let res = answer(&c, &sign(&mut key, &begun, &enrolled, &enrolled.user_handle)).await;
    assert!(res.session_token().is_some(), "{res:?}");
}

#[tokio::test]
async fn an_answer_without_a_live_ceremony_or_garbled_counts_nothing() {
    let (t, mut key, enrolled) = anna().await;
    let (c, begun) = begin(&t, 7).await;
    let signed = sign(&mut key, &begun, &enrolled, &enrolled.user_handle);

    let none = answer(&c, &Signed { ceremony: String::new(), ..signed.clone() }).await;
    assert!(none.body.contains("PasskeyNotStarted"), "no ceremony: {none:?}");
    let forged = answer(&c, &Signed { ceremony: format!("AAAA{}", "B".repeat(80)), ..signed.clone() }).await;
    assert!(forged.body.contains("PasskeyNotStarted"), "a ceremony Riegel did not seal: {forged:?}");
    let garbled =
        c.post("/api/login/passkey", &format!("ceremony={}&answer=%7B%22id%22%3A1%7D", signed.ceremony)).await;
    assert!(garbled.body.contains("PasskeyMalformed"), "{garbled:?}");
    t.state.clock.advance(301);
    let late = answer(&c, &signed).await;
    assert!(late.body.contains("PasskeyNotStarted"), "five minutes are over: {late:?}");
    assert_eq!(t.audited("passkey.login_refused").await, 0);
    assert_eq!(count(&t, "SELECT count(*) FROM login_ip_failures").await, 0, "nothing counted");
}

#[tokio::test]
async fn a_passkey_alone_does_not_open_a_locked_or_disabled_account() {
    let (t, mut key, enrolled) = anna().await;
    let until = t.state.clock.now().0 + 3600;
    let lock = "UPDATE users SET locked_until = $1 WHERE email = 'anna@example.org'";
    sqlx::query(lock).bind(until).execute(&t.state.pool).await.unwrap();
    let (c, begun) = begin(&t, 7).await;
    let res = answer(&c, &sign(&mut key, &begun, &enrolled, &enrolled.user_handle)).await;
    assert_eq!(res.status, StatusCode::LOCKED, "{res:?}");
    assert!(res.session_token().is_none());

    sqlx::query("UPDATE users SET locked_until = NULL, disabled_at = 1 WHERE email = 'anna@example.org'")
        .execute(&t.state.pool)
        .await
        .unwrap();
    let (c, begun) = begin(&t, 7).await;
    refused(&answer(&c, &sign(&mut key, &begun, &enrolled, &enrolled.user_handle)).await);
    assert_eq!(t.audited("passkey.accepted").await, 0);
}

/// Anna's browser at a new address: an application's request asking `acr` waits in it, and she
/// has given her password; the challenge is next.
async fn password_holding_a_request(t: &TestApp, peer: u8, acr: &str) -> Client {
    let browser = Client::new(t, ip(peer));
    let asked = browser.get(&crate::oidc::authorize_path("spa", &[("acr_values", acr)])).await;
    let waiting = crate::oidc::cookie_value(&asked, "riegel_oidc").unwrap();
    let res = browser.with_cookie(&format!("riegel_oidc={waiting}")).login("anna@example.org", PW).await;
    assert_eq!(res.header(http::header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={}", res.session_token().unwrap()))
}

/// An application asking for a phishing-resistant login (`acr_values=urn:riegel:acr:phr`):
/// without a passkey the user cannot give one and the application is told so; with one, the
/// challenge opens on it (no SMS) and the ID token says `phr`, checked against the JWKS.
#[tokio::test]
async fn an_application_asking_for_a_phishing_resistant_login_gets_a_passkey_or_is_told_there_is_none() {
    use crate::oidc::{CB, grant, query_of, redeem, register, verified_claims};
    const PHR: &str = "urn:riegel:acr:phr";
    let t = TestApp::start().await;
    let s = logged_in(&t, "anna@example.org", "member").await;
    register(&t, "spa", true).await;
    let discovery = Client::new(&t, ip(1)).get("/.well-known/openid-configuration").await.body;
    assert!(discovery.contains(PHR), "{discovery}");

    let c = password_holding_a_request(&t, 7, PHR).await;
    let back = c.verify(&t.code_for(PHONE).await).await;
    let answered = query_of(&back);
    assert_eq!(answered["error"], "unmet_authentication_requirements", "{back:?}");

    let mut key = SoftPasskey::new(true);
    enrol(&t, &s, &mut key, "Laptop").await;
    let sms_before = t.delivered_to(PHONE).await;
    let c = password_holding_a_request(&t, 8, PHR).await;
    assert_eq!(t.delivered_to(PHONE).await, sms_before, "the challenge opens on the passkey: no SMS");
    let status = c.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"opened_on_passkey\":true"), "{status}");
    let asked: RequestChallengeResponse = crate::passkeys::options(&c.post("/api/mfa/passkey/options", "").await);
    let signed = serde_json::to_string(&key.do_authentication(origin(ORIGIN), asked).unwrap()).unwrap();
    let back = c.post("/api/mfa/passkey", &serde_urlencoded(&[("answer", &signed)])).await;
    assert!(back.header(http::header::LOCATION).is_some_and(|l| l.starts_with(CB)), "{back:?}");
    let (_, tokens) = redeem(&t, &grant(&query_of(&back)["code"], &[("client_id", "spa")]), None).await;
    let claims = verified_claims(&t, tokens["id_token"].as_str().unwrap(), "spa").await;
    assert_eq!(claims["acr"], PHR);
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "swk", "user", "mfa"]));
}
