//! Recovery codes: shown once after MFA setup, renewed behind a TAN every time,
//! single use at the login challenge, counted like codes when wrong.

use http::{StatusCode, header};

use crate::harness::{Client, PW, TestApp, count, ip, logged_in, with_tan};

pub(crate) fn codes_of(body: &str) -> Vec<String> {
    serde_json::from_str::<Option<Vec<String>>>(body)
        .ok()
        .flatten()
        .or_else(|| serde_json::from_str::<Vec<String>>(body).ok())
        .unwrap_or_default()
}

/// Anna, logged in from her trusted IP, with a fresh set of recovery codes made behind a TAN.
pub(crate) async fn anna_with_codes(t: &TestApp) -> (i64, Vec<String>) {
    let s = logged_in(t, "anna@example.org", "member").await;
    let anna = count(t, "SELECT id FROM users WHERE email = 'anna@example.org'").await;
    let res = with_tan(t, &s, "/api/mfa/recovery-codes/new", "Wiederherstellungscodes").await;
    (anna, codes_of(&res.body))
}

/// A new member sets up MFA from `ip(3)`: the session the setup logged in, sent on to the
/// page with the new recovery codes.
async fn set_up_mfa(t: &TestApp) -> Client {
    t.user_without_mfa("neu@example.org", PW, "member").await;
    let c = Client::new(t, ip(3));
    let (_, token) = c.password("neu@example.org", PW).await;
    let s = c.with_session(&token);
    assert_eq!(s.post("/api/mfa/setup", "phone=0151+98765432").await.status, StatusCode::OK);
    let code = t.code_for("+4915198765432").await;
    let done = s.verify(&code).await;
    assert_eq!(done.header(header::LOCATION).as_deref(), Some("/mfa/recovery-codes"), "{done:?}");
    c.with_session(&done.session_token().unwrap())
}

#[tokio::test]
async fn mfa_setup_shows_ten_recovery_codes_once_and_stores_only_their_hashes() {
    let t = TestApp::start().await;
    let fresh = set_up_mfa(&t).await;

    let first = fresh.post("/api/mfa/recovery-codes", "").await;
    let codes = codes_of(&first.body);
    assert_eq!(codes.len(), 10, "{first:?}");
    assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'), "{codes:?}");
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    // Shown once: a reload gets nothing.
    assert_eq!(fresh.post("/api/mfa/recovery-codes", "").await.body, "null");
    // Only keyed hashes are stored.
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes").fetch_all(&t.state.pool).await.unwrap();
    assert_eq!(stored.len(), 10);
    let plain: Vec<String> = codes.iter().map(|c| c.replace('-', "")).collect();
    assert!(
        stored.iter().all(|h| h.len() == 32 && plain.iter().all(|p| !h.windows(p.len()).any(|w| w == p.as_bytes())))
    );
    // Without a session there is nothing to see.
    assert_eq!(Client::new(&t, ip(3)).post("/api/mfa/recovery-codes", "").await.status, StatusCode::UNAUTHORIZED);
}

/// The set shown after MFA setup belongs to the session the setup logged in. If that page is
/// never loaded, a later login (here the password alone, from the trusted IP) gets no codes
/// without a TAN, and neither does the setup's own session after it.
#[tokio::test]
async fn the_first_set_is_offered_only_to_the_session_of_the_setup() {
    let t = TestApp::start().await;
    let setup_session = set_up_mfa(&t).await;

    let (res, later) = Client::new(&t, ip(3)).password("neu@example.org", PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "the trusted IP, no challenge: {res:?}");
    let later = Client::new(&t, ip(3)).with_session(&later);
    assert_eq!(later.post("/api/mfa/recovery-codes", "").await.body, "null");
    assert_eq!(setup_session.post("/api/mfa/recovery-codes", "").await.body, "null");
    assert_eq!(count(&t, "SELECT count(*) FROM recovery_codes").await, 0);
    assert_eq!(t.audited("recovery_codes.created").await, 0);
}

#[tokio::test]
async fn a_recovery_code_passes_the_challenge_once_and_tells_how_many_remain() {
    let t = TestApp::start().await;
    let (anna, codes) = anna_with_codes(&t).await;
    assert_eq!(codes.len(), 10);

    // From a new IP, the phone out of reach: the code (typed in lower case, no dash) gets in.
    let c = Client::new(&t, ip(7));
    let (_, token) = c.password("anna@example.org", PW).await;
    let typed = codes[3].replace('-', " ").to_lowercase();
    let res = c.with_session(&token).post("/api/mfa/recovery", &format!("code={}", typed.replace(' ', "+"))).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/?recovery_left=9"), "{res:?}");
    let fresh = res.session_token().expect("logged in");
    assert!(c.with_session(&fresh).me().await.contains("anna@example.org"));
    assert_eq!(t.audited("recovery_code.used").await, 1);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_events WHERE kind = 'recovery_code.used'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(detail, r#"{"remaining":9}"#);
    t.deliver().await;
    let notice = t.message_to("anna@example.org").await;
    assert!(notice.contains("Wiederherstellungscodes verwendet") && notice.contains("Es bleiben 9"), "{notice}");

    // The same code again, from another new IP: refused and counted like a wrong code.
    let c = Client::new(&t, ip(8));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    let again = s.post("/api/mfa/recovery", &format!("code={}", codes[3])).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{again:?}");
    assert!(again.body.contains("\"tries_left\":4"), "{}", again.body);
    // A malformed code is refused without counting.
    let malformed = s.post("/api/mfa/recovery", "code=12345").await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(malformed.body.contains("CodeMalformed"), "{}", malformed.body);
    for _ in 0..4 {
        s.post("/api/mfa/recovery", "code=ABCDE-FGHJK").await;
    }
    // Five wrong ones end the challenge: even an unused code is refused now.
    assert_eq!(s.post("/api/mfa/recovery", &format!("code={}", codes[4])).await.status, StatusCode::CONFLICT);
    let unused: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(anna)
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(unused, 9, "a refused code is not used up");
}

#[tokio::test]
async fn a_new_set_needs_a_tan_every_time_and_voids_the_old_one() {
    let t = TestApp::start().await;
    let (_, first) = anna_with_codes(&t).await;
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let s = Client::new(&t, ip(1)).with_session(&token);
    // The TAN of the first set does not carry over: every time.
    let second = codes_of(&with_tan(&t, &s, "/api/mfa/recovery-codes/new", "Wiederherstellungscodes").await.body);
    assert_eq!(second.len(), 10);
    assert!(first.iter().all(|c| !second.contains(c)));
    // An old code no longer passes the challenge; a new one does.
    let c = Client::new(&t, ip(9));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    assert_eq!(
        s.post("/api/mfa/recovery", &format!("code={}", first[0])).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = s.post("/api/mfa/recovery", &format!("code={}", second[0])).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/?recovery_left=9"), "{res:?}");
}

#[tokio::test]
async fn a_forgotten_password_cannot_skip_the_phone_with_a_recovery_code() {
    let t = TestApp::start().await;
    let (_, codes) = anna_with_codes(&t).await;
    let c = Client::new(&t, ip(5));
    c.post("/api/password/forgot", "email=anna%40example.org").await;
    let link = t.link_token("anna@example.org").await;
    let followed = c.post("/api/password/reset", &format!("token={link}")).await;
    let token = followed.session_token().expect("at the reset challenge");
    let res = c.with_session(&token).post("/api/mfa/recovery", &format!("code={}", codes[0])).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    assert!(res.body.contains("MethodUnavailable"), "{}", res.body);
}
