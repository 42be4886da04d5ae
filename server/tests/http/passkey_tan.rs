//! TANs confirmed with a passkey (SPEC 5.8, 14.3) through the HTTP API, answered by the kanidm
//! project's software passkey: the ceremony is bound to exactly the action's data, a failed
//! answer is a wrong TAN (three in a row lock), a replayed or garbled one gets nothing, every
//! ceremony counts toward the TAN quota, and SMS stays the fallback.

use http::StatusCode;
use webauthn_authenticator_rs::{WebauthnAuthenticator, prelude::RequestChallengeResponse, softpasskey::SoftPasskey};

use crate::{
    harness::{Answer, Client, PHONE, TestApp, change_bank, ip, logged_in, serde_urlencoded},
    passkeys::{ORIGIN, enrol, origin, signed_by_another_account},
};

const IBAN_A: &str = "DE89 3704 0044 0532 0130 00";
const IBAN_B: &str = "DE02120300000000202051";
const IBAN_C: &str = "DE75512108001245126199";

/// The TAN settings form with the default modes and `way`, and `tan`.
fn settings(way: &str, tan: &str) -> String {
    serde_urlencoded(&[
        ("password", "per_session"),
        ("email", "per_session"),
        ("invoice", "every_time"),
        ("admin", "per_session"),
        ("threshold", "10000"),
        ("way", way),
        ("tan", tan),
    ])
}

/// A new server, Anna logged in with her passkey "Laptop", and TANs by passkey chosen (behind
/// an SMS TAN, the way TANs came until then).
async fn anna_with_passkey_tans() -> (TestApp, Client, SoftPasskey) {
    let (t, s, mut keys) = anna_with_passkeys_for_tans(&["Laptop"]).await;
    (t, s, keys.remove(0))
}

/// As [`anna_with_passkey_tans`], with a key for each of `names`.
async fn anna_with_passkeys_for_tans(names: &[&str]) -> (TestApp, Client, Vec<SoftPasskey>) {
    let t = TestApp::start().await;
    let s = logged_in(&t, "anna@example.org", "member").await;
    let mut keys = Vec::new();
    for name in names {
        let mut key = SoftPasskey::new(true);
        enrol(&t, &s, &mut key, name).await;
        keys.push(key);
    }
    let asked = s.post("/api/tan/settings", &settings("passkey", "")).await;
    assert!(asked.body.contains("TanRequired"), "the choice itself comes by SMS: {asked:?}");
    let (tan, _) = t.tan_for(PHONE).await;
    let chosen = s.post("/api/tan/settings", &settings("passkey", &tan)).await;
    assert_eq!(chosen.status, StatusCode::OK, "{chosen:?}");
    let status = s.post("/api/tan/status", "").await.body;
    assert!(status.contains("\"way\":\"Passkey\"") && status.contains("\"passkey_offered\":true"), "{status}");
    (t, s, keys)
}

/// The ceremony's options of a `TanPasskeyRequired` answer, and what it says it confirms.
fn ceremony(res: &Answer) -> (RequestChallengeResponse, String) {
    assert_eq!(res.status, StatusCode::PRECONDITION_REQUIRED, "{res:?}");
    let e: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let asked = &e["TanPasskeyRequired"];
    let options = asked["options"].as_str().unwrap_or_else(|| panic!("not a passkey's TAN: {}", res.body));
    (serde_json::from_str(options).unwrap(), asked["description"].as_str().unwrap().to_owned())
}

fn signed(key: &mut SoftPasskey, options: RequestChallengeResponse) -> String {
    serde_json::to_string(&key.do_authentication(origin(ORIGIN), options).unwrap()).unwrap()
}

fn refusal(res: &Answer) -> String {
    assert_ne!(res.status, StatusCode::OK, "{res:?}");
    res.body.clone()
}

async fn bank_iban(t: &TestApp) -> Option<String> {
    sqlx::query_scalar("SELECT iban FROM bank_accounts").fetch_optional(&t.state.pool).await.unwrap()
}

#[tokio::test]
async fn a_bank_change_is_confirmed_with_the_passkey_for_exactly_its_data_and_once() {
    let (t, s, mut key) = anna_with_passkey_tans().await;
    let sms_before = t.delivered_to(PHONE).await;

    let (options, what) = ceremony(&change_bank(&s, IBAN_A, "").await);
    assert!(what.contains("DE89 •••• 3000"), "the page names the action and its data: {what}");
    assert_eq!(t.delivered_to(PHONE).await, sms_before, "no SMS is sent");
    let for_a = signed(&mut key, options);

    // The answer for IBAN A does not change the account to IBAN B: the ceremony is void.
    assert!(refusal(&change_bank(&s, IBAN_B, &for_a).await).contains("TanVoid"));
    assert!(refusal(&change_bank(&s, IBAN_A, &for_a).await).contains("TanExpired"), "void for A too now");
    assert_eq!(bank_iban(&t).await, None);

    // IBAN B gets a ceremony of its own, with a new challenge.
    let (options, what) = ceremony(&change_bank(&s, IBAN_B, "").await);
    assert!(what.contains("DE02 •••• 2051"), "{what}");
    let for_b = signed(&mut key, options);
    assert_ne!(for_a, for_b);
    let done = change_bank(&s, IBAN_B, &for_b).await;
    assert_eq!(done.status, StatusCode::OK, "{done:?}");
    assert_eq!(bank_iban(&t).await.as_deref(), Some("DE02120300000000202051"));
    assert_eq!(t.audited("tan.accepted").await, 3, "the enrolment's and the choice's SMS TANs, and this one");

    // Replayed, the same answer confirms nothing more.
    assert!(refusal(&change_bank(&s, IBAN_C, &for_b).await).contains("TanExpired"));
    assert_eq!(bank_iban(&t).await.as_deref(), Some("DE02120300000000202051"));
    assert_eq!(t.audited("tan.refused").await, 0, "none of this guessed anything");
    let listed = s.post("/api/passkeys", "").await.body;
    assert!(!listed.contains("\"last_used_at_text\":null"), "the key's use is kept: {listed}");
}

#[tokio::test]
async fn failed_answers_are_wrong_tans_and_the_third_locks_while_garbled_ones_count_nothing() {
    let (t, s, mut key) = anna_with_passkey_tans().await;
    let bob = logged_in(&t, "bob@example.org", "member").await;
    let mut bob_key = SoftPasskey::new(true);
    enrol(&t, &bob, &mut bob_key, "Bob's laptop").await;
    let (options, _) = ceremony(&change_bank(&s, IBAN_A, "").await);

    let garbled = change_bank(&s, IBAN_A, "{\"id\":1}").await;
    assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY, "{garbled:?}");
    assert!(garbled.body.contains("PasskeyMalformed"), "{}", garbled.body);

    // A fake site relays the options: the key signs for the page it is on.
    let relayed = key.do_authentication(origin("https://login.portal.example"), options.clone()).unwrap();
    let res = change_bank(&s, IBAN_A, &serde_json::to_string(&relayed).unwrap()).await;
    assert!(refusal(&res).contains("\"TanWrong\":{\"tries_left\":2}"), "{}", res.body);
    // Bob's key signs Anna's challenge.
    let bobs = signed_by_another_account(&t, &mut bob_key, "Bob's laptop", options.clone()).await;
    let res = change_bank(&s, IBAN_A, &serde_json::to_string(&bobs).unwrap()).await;
    assert!(refusal(&res).contains("\"TanWrong\":{\"tries_left\":1}"), "{}", res.body);
    // An answer altered on its way (the user-verified flag cleared): its signature fails.
    let mut unverified = key.do_authentication(origin(ORIGIN), options.clone()).unwrap();
    unverified.response.authenticator_data[32] &= !0x04;
    let res = change_bank(&s, IBAN_A, &serde_json::to_string(&unverified).unwrap()).await;
    assert_eq!(res.status, StatusCode::LOCKED, "the third wrong answer locks the TAN system: {res:?}");

    // Locked: even the right answer does nothing now, and nothing else is asked.
    let res = change_bank(&s, IBAN_A, &signed(&mut key, options)).await;
    assert_eq!(res.status, StatusCode::LOCKED, "{res:?}");
    assert_eq!(bank_iban(&t).await, None);
    assert_eq!(t.audited("tan.refused").await, 3);
    assert_eq!(t.audited("tan.locked").await, 1);
}

#[tokio::test]
async fn sms_stays_the_fallback_and_a_typed_tan_does_not_answer_a_ceremony() {
    let (t, s, mut key) = anna_with_passkey_tans().await;
    let (options, _) = ceremony(&change_bank(&s, IBAN_A, "").await);
    let guess = change_bank(&s, IBAN_A, "7KQ2MX").await;
    assert!(refusal(&guess).contains("TanExpired"), "a typed TAN has no SMS to match: {}", guess.body);

    // "By SMS instead": a TAN is sent, and it replaces the ceremony.
    let asked = change_bank(&s, IBAN_A, "sms").await;
    assert!(asked.body.contains("TanRequired") && asked.body.contains("+49 ••••••••• 78"), "{asked:?}");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains("DE89 •••• 3000"), "{sms}");
    // Asked again (Enter in a field, or "new TAN" too soon), either way and in turn: the SMS
    // stays, nothing more is sent and no ceremony replaces it.
    let sent = t.delivered_to(PHONE).await;
    for again in ["", "sms", "", "sms"] {
        let res = change_bank(&s, IBAN_A, again).await;
        assert!(res.body.contains("TanRequired"), "{again:?}: {res:?}");
    }
    assert_eq!(t.delivered_to(PHONE).await, sent, "no second SMS within the countdown, whichever way asked");
    let late = change_bank(&s, IBAN_A, &signed(&mut key, options)).await;
    assert!(refusal(&late).contains("TanExpired"), "the ceremony was replaced: {}", late.body);
    assert_eq!(change_bank(&s, IBAN_A, &tan).await.status, StatusCode::OK);
    assert_eq!(t.audited("tan.refused").await, 0);

    // Without a passkey left, TANs come by SMS again, and the choice can no longer be made.
    let id: i64 = sqlx::query_scalar("SELECT id FROM passkeys").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(s.post("/api/passkeys/remove", &format!("id={id}")).await.status, StatusCode::OK);
    let asked = change_bank(&s, IBAN_B, "").await;
    assert!(asked.body.contains("TanRequired"), "{asked:?}");
    let (tan, _) = t.tan_for(PHONE).await;
    let refused = s.post("/api/tan/settings", &settings("passkey", &tan)).await;
    assert!(refusal(&refused).contains("TanWayUnavailable"), "{}", refused.body);
    assert!(refusal(&s.post("/api/tan/settings", &settings("fax", "")).await).contains("BadRequest"));
}

#[tokio::test]
async fn every_ceremony_counts_toward_the_tan_quota() {
    let (t, s, _key) = anna_with_passkey_tans().await;
    // Two TANs by SMS so far (the enrolment's and the choice's); 17 more of the day's 20.
    let anna: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'anna@example.org'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    let now = t.state.clock.now().0;
    for _ in 0..17 {
        sqlx::query(
            "INSERT INTO tans (user_id, action, digest, tan_hash, issued_at, state) VALUES ($1, 'submit_invoice', $2, $2, $3, 'void')",
        )
        .bind(anna)
        .bind(vec![0u8; 32])
        .bind(now)
        .execute(&t.state.pool)
        .await
        .unwrap();
    }
    ceremony(&change_bank(&s, IBAN_A, "").await);
    let over = change_bank(&s, IBAN_B, "").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "the twentieth was the ceremony: {over:?}");
    assert!(over.body.contains("TanQuotaExceeded"), "{}", over.body);
    let fallback = change_bank(&s, IBAN_B, "sms").await;
    assert!(fallback.body.contains("TanQuotaExceeded"), "nor by SMS: {}", fallback.body);
}

#[tokio::test]
async fn an_applications_transaction_comes_by_sms_on_its_plain_confirmation_page_whatever_the_way() {
    use crate::oidc::{CB, PAYMENT, asked_to_confirm, register};
    let (t, _s, _key) = anna_with_passkey_tans().await;
    register(&t, "portal", false).await;
    let browser = asked_to_confirm(&t, PAYMENT).await;
    let asked = browser.post("/api/oidc/confirm", "tan=").await;
    assert!(asked.body.contains("TanRequired"), "the page cannot run a ceremony: SMS, the fallback: {asked:?}");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains("Zahlung von 1.234,50 EUR an DE89 •••• 3000"), "{sms}");
    let done = browser.post("/api/oidc/confirm", &serde_urlencoded(&[("tan", &tan)])).await;
    let back = done.header(http::header::LOCATION).unwrap_or_else(|| panic!("back to the application: {done:?}"));
    assert!(back.starts_with(CB), "{back}");
}

#[tokio::test]
async fn removing_a_passkey_voids_the_ceremony_that_offered_it_and_a_garbled_answer_still_ends_a_moved_tan_session() {
    let (t, s, mut keys) = anna_with_passkeys_for_tans(&["Laptop", "Phone"]).await;
    let (options, _) = ceremony(&change_bank(&s, IBAN_A, "").await);
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM passkeys WHERE name = 'Laptop'").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(s.post("/api/passkeys/remove", &format!("id={id}")).await.status, StatusCode::OK);
    let res = change_bank(&s, IBAN_A, &signed(&mut keys[0], options)).await;
    assert!(refusal(&res).contains("TanExpired"), "the ceremony went with the key: {}", res.body);
    assert_eq!(t.audited("tan.refused").await, 0, "no strike for the owner");

    // A TAN session open at Anna's address, and a ceremony for IBAN B; the first request from
    // another address brings a garbled answer: refused, and the move still ends the session.
    sqlx::query("UPDATE sessions SET tan_ip = $1").bind(ip(1).to_string()).execute(&t.state.pool).await.unwrap();
    ceremony(&change_bank(&s, IBAN_B, "").await);
    let res = change_bank(&s.at_ip(ip(77)), IBAN_B, "{\"id\":1}").await;
    assert!(res.body.contains("PasskeyMalformed"), "{res:?}");
    assert_eq!(t.audited("tan.session_ended").await, 1, "the move ended the TAN session, on record");
    assert_eq!(t.audited("tan.refused").await, 0);
}
