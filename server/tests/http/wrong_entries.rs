//! Wrong second-factor entries per account (SPEC 4.6): 20 in the rolling 24 h are checked,
//! whatever challenge, session, factor, IP or instance they come through; the 21st is refused
//! unchecked and locks the account for 24 h; a successful login resets the count.

use http::StatusCode;

use crate::{
    harness::{Answer, Client, PHONE, PW, TestApp, count, ip, logged_in, no_cooldown, serde_urlencoded, with_tan},
    push::{paired, request_on_device, shown_number},
    recovery_codes::codes_of,
    totp::{app_code, enrol},
};

const ANNA: &str = "anna@example.org";

/// A code of six digits that is not `code`.
pub(crate) fn other_than(code: &str) -> String {
    code.chars().map(|c| char::from(b'0' + (c.to_digit(10).map_or(0, |d| (d + 1) % 10) as u8))).collect()
}

/// Anna's password from a new IP, through `app`: her client at the challenge.
pub(crate) async fn challenge(app: &TestApp, last: u8) -> Client {
    let c = Client::new(app, ip(last));
    let (res, token) = c.password(ANNA, PW).await;
    assert_eq!(res.header(http::header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    c.with_session(&token)
}

/// A wrong entry was refused as one: a wrong code (422) or the end of the challenge (409).
fn refused_as_wrong(res: &Answer) {
    assert!(
        matches!(res.status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT) && res.session_token().is_none(),
        "{res:?}"
    );
}

/// Five wrong SMS codes at a new login through `app`.
async fn five_wrong_sms_codes(t: &TestApp, app: &TestApp, last: u8) {
    let s = challenge(app, last).await;
    let wrong = other_than(&t.code_for(PHONE).await);
    for _ in 0..5 {
        refused_as_wrong(&s.verify(&wrong).await);
    }
}

/// The account is locked for 24 h and no login of it is in progress.
async fn locked(t: &TestApp, refused: &Answer, s: &Client) {
    assert_eq!(refused.status, StatusCode::LOCKED, "{refused:?}");
    assert!(refused.body.contains("AccountLocked") && refused.session_token().is_none(), "{}", refused.body);
    assert_eq!(s.me().await, "null", "the login in progress ended");
    assert_eq!(t.audited("quota.exceeded").await, 1);
    assert_eq!(t.audited("account.locked").await, 1);
    let right = Client::new(t, ip(1)).login(ANNA, PW).await;
    assert_eq!(right.status, StatusCode::LOCKED, "even from the trusted IP: {right:?}");
}

/// The attack of the review: the challenge opens on the app and sends nothing, so no quota
/// moves; five wrong app codes per login, and a new login gives five more. The 21st entry is
/// refused unchecked, even the right code, and the account locks.
#[tokio::test]
async fn wrong_app_codes_over_new_logins_lock_the_account_at_the_twenty_first_entry() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    let secret = enrol(&t).await;
    // The app passes once, so the next challenges open on it.
    let s = challenge(&t, 7).await;
    let now = t.state.clock.now().0;
    assert!(s.post("/api/mfa/totp", &format!("code={}", app_code(&secret, now + 30))).await.session_token().is_some());
    t.deliver().await;
    let sms = t.delivered_to(PHONE).await;
    let valid: Vec<String> = (-2..=3).map(|k| app_code(&secret, now + 30 * k)).collect();
    let wrong = (0..10).map(|d| d.to_string().repeat(6)).find(|c| !valid.contains(c)).unwrap();

    for login in 0..4 {
        let s = challenge(&t, 10 + login).await;
        let status = s.post("/api/mfa/status", "").await.body;
        assert!(status.contains("\"code_sent\":false"), "the challenge waits for the app: {status}");
        for _ in 0..5 {
            refused_as_wrong(&s.post("/api/mfa/totp", &format!("code={wrong}")).await);
        }
    }
    t.deliver().await;
    assert_eq!(t.delivered_to(PHONE).await, sms, "no code was sent, so no send quota moved");
    assert_eq!(count(&t, "SELECT count(*) FROM wrong_entries").await, 20);

    t.state.clock.advance(60);
    let s = challenge(&t, 20).await;
    let right = app_code(&secret, t.state.clock.now().0);
    let refused = s.post("/api/mfa/totp", &format!("code={right}")).await;
    locked(&t, &refused, &s).await;
}

/// SMS codes, e-mail codes, recovery codes and app codes, each at its own login, from its
/// own IP, through two instances on one database: one count.
#[tokio::test]
async fn wrong_entries_of_every_factor_count_together_across_sessions_ips_and_instances() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    let secret = enrol(&t).await;
    let c = Client::new(&t, ip(1));
    let (_, token) = c.password(ANNA, PW).await;
    let res = with_tan(&t, &c.with_session(&token), "/api/mfa/recovery-codes/new", "Wiederherstellungscodes").await;
    let codes = codes_of(&res.body);
    assert_eq!(codes.len(), 10);
    let other = TestApp::start_at(t.database.clone()).await;

    five_wrong_sms_codes(&t, &t, 10).await;

    let s = challenge(&t, 11).await;
    assert_eq!(s.post("/api/mfa/switch", "method=email").await.status, StatusCode::OK);
    let wrong = other_than(&t.code_for(ANNA).await);
    for _ in 0..5 {
        refused_as_wrong(&s.verify(&wrong).await);
    }

    // The other instance delivers what it writes itself: the codes read here come through `t`.
    let s = challenge(&other, 12).await;
    let wrong_recovery = "ABCDE-FGHJK";
    assert!(!codes.iter().any(|c| c == wrong_recovery));
    for _ in 0..5 {
        refused_as_wrong(&s.post("/api/mfa/recovery", &format!("code={wrong_recovery}")).await);
    }

    let s = challenge(&other, 13).await;
    let now = t.state.clock.now().0;
    let valid: Vec<String> = (-2..=2).map(|k| app_code(&secret, now + 30 * k)).collect();
    let wrong = (0..10).map(|d| d.to_string().repeat(6)).find(|c| !valid.contains(c)).unwrap();
    for _ in 0..5 {
        refused_as_wrong(&s.post("/api/mfa/totp", &format!("code={wrong}")).await);
    }
    assert_eq!(count(&t, "SELECT count(*) FROM wrong_entries").await, 20);

    // The 21st, an unused recovery code, is refused unchecked and not used up.
    let s = challenge(&t, 14).await;
    let refused = s.post("/api/mfa/recovery", &format!("code={}", codes[0])).await;
    locked(&t, &refused, &s).await;
    assert_eq!(count(&t, "SELECT count(*) FROM recovery_codes WHERE used_at IS NULL").await, 10);
}

/// Pushes the device denied (or answered with the wrong number) count with the codes; past
/// the bound the device's approval is refused and the account locks.
#[tokio::test]
async fn denied_pushes_count_and_an_approval_past_the_bound_locks() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    let device = paired(&t).await;
    for login in 0..3 {
        five_wrong_sms_codes(&t, &t, 10 + login).await;
    }
    let s = challenge(&t, 13).await;
    for _ in 0..5 {
        assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
        let number = shown_number(&s).await;
        let (id, nonce, choices, _) = request_on_device(&device).await;
        let wrong = choices.iter().find(|n| **n != number).unwrap();
        assert_eq!(device.answer(id, &nonce, &wrong.to_string()).await.body, "\"Denied\"");
    }
    assert_eq!(count(&t, "SELECT count(*) FROM wrong_entries").await, 20);

    let s = challenge(&t, 14).await;
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    let number = shown_number(&s).await;
    let (id, nonce, _, _) = request_on_device(&device).await;
    let approval = device.answer(id, &nonce, &number.to_string()).await;
    locked(&t, &approval, &s).await;
    let finish = s.post("/api/mfa/push/finish", "").await;
    assert!(finish.session_token().is_none(), "{finish:?}");
}

/// A forgotten password's challenge is a login challenge: its wrong codes count too.
#[tokio::test]
async fn wrong_codes_at_a_forgotten_password_challenge_count_with_the_logins() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    logged_in(&t, ANNA, "member").await;
    for login in 0..3 {
        five_wrong_sms_codes(&t, &t, 10 + login).await;
    }
    let anon = Client::new(&t, ip(30));
    anon.post("/api/password/forgot", "email=anna%40example.org").await;
    let token = t.link_token(ANNA).await;
    let follow = anon.post("/api/password/reset", &serde_urlencoded(&[("token", &token)])).await;
    let reset = anon.with_session(&follow.session_token().expect("at the reset's challenge"));
    let wrong = other_than(&t.code_for(PHONE).await);
    for _ in 0..5 {
        refused_as_wrong(&reset.verify(&wrong).await);
    }
    assert_eq!(count(&t, "SELECT count(*) FROM wrong_entries").await, 20);

    let s = challenge(&t, 14).await;
    let right = t.code_for(PHONE).await;
    let refused = s.verify(&right).await;
    locked(&t, &refused, &s).await;
}

/// The 20th entry is still checked; a successful login resets the count; an entry leaves the
/// window exactly 24 h after it was made.
#[tokio::test]
async fn a_login_resets_the_count_and_entries_leave_the_window_after_24_hours() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    logged_in(&t, ANNA, "member").await;
    for login in 0..3 {
        five_wrong_sms_codes(&t, &t, 10 + login).await;
    }
    let s = challenge(&t, 13).await;
    let code = t.code_for(PHONE).await;
    for _ in 0..4 {
        refused_as_wrong(&s.verify(&other_than(&code)).await);
    }
    assert!(s.verify(&code).await.session_token().is_some(), "the 20th entry is checked");

    // A new day's count: 20 more wrong entries, made in one second.
    for login in 0..4 {
        five_wrong_sms_codes(&t, &t, 20 + login).await;
    }
    assert_eq!(count(&t, "SELECT count(*) FROM wrong_entries").await, 39);
    // 24 h after they were made they no longer count: the next entry is checked.
    t.state.clock.advance(86_400);
    let s = challenge(&t, 30).await;
    let passed = s.verify(&t.code_for(PHONE).await).await;
    assert!(passed.session_token().is_some(), "{passed:?}");
    assert_eq!(t.audited("account.locked").await, 0);
}
