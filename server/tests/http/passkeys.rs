//! Passkeys (SPEC 14) through the HTTP API, answered by a software passkey nobody here wrote
//! (`webauthn-authenticator-rs`'s `SoftPasskey`, the kanidm project's): enrolment behind a TAN,
//! the key at the login challenge, and the answers an attacker could bring, each refused and
//! counted as a wrong entry. Riegel's origin in these tests is `https://portal.example`.

use http::StatusCode;
use webauthn_authenticator_rs::{
    WebauthnAuthenticator,
    prelude::{CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse, Url},
    softpasskey::SoftPasskey,
};

use crate::harness::{Answer, Client, PHONE, PW, TestApp, ip, logged_in, serde_urlencoded};

pub(crate) const ORIGIN: &str = "https://portal.example";

pub(crate) fn origin(url: &str) -> Url {
    Url::parse(url).unwrap()
}

/// A ceremony's options from an answer of Riegel's.
pub(crate) fn options<T: serde::de::DeserializeOwned>(res: &Answer) -> T {
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    let wrapped: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    serde_json::from_str(wrapped["options"].as_str().unwrap()).unwrap()
}

/// What a key learnt at its enrolment: the account's user handle (which a discoverable key
/// keeps and sends back at a login without a password) and its own id.
pub(crate) struct Enrolled {
    pub user_handle: Vec<u8>,
    pub credential_id: Vec<u8>,
}

/// A passkey named `name` enrolled for the logged-in `s` with `key`, behind a TAN.
pub(crate) async fn enrol(t: &TestApp, s: &Client, key: &mut SoftPasskey, name: &str) -> Enrolled {
    let asked = s.post("/api/passkeys/start", &serde_urlencoded(&[("name", name), ("tan", "")])).await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED, "every time behind a TAN: {asked:?}");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains("Passkey einrichten"), "the SMS names the action: {sms}");
    let res = s.post("/api/passkeys/start", &serde_urlencoded(&[("name", name), ("tan", &tan)])).await;
    let created: CreationChallengeResponse = options(&res);
    let selection = created.public_key.authenticator_selection.as_ref().unwrap();
    assert_eq!(serde_json::to_value(selection.resident_key).unwrap(), "preferred", "a discoverable key, where it can");
    let user_handle = created.public_key.user.id.to_vec();
    let answer = key.do_registration(origin(ORIGIN), created).unwrap();
    let json = serde_json::to_string(&answer).unwrap();
    let done = s.post("/api/passkeys/finish", &serde_urlencoded(&[("answer", &json)])).await;
    assert_eq!(done.status, StatusCode::OK, "{done:?}");
    Enrolled { user_handle, credential_id: answer.raw_id.to_vec() }
}

/// `asked` (a ceremony of one account's) signed by `key`, the key named `name` of another
/// account: the options' allowed keys swapped for it, as a relaying page could.
pub(crate) async fn signed_by_another_account(
    t: &TestApp,
    key: &mut SoftPasskey,
    name: &str,
    mut asked: RequestChallengeResponse,
) -> PublicKeyCredential {
    let id: Vec<u8> = sqlx::query_scalar("SELECT credential_id FROM passkeys WHERE name = $1")
        .bind(name)
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    for allowed in &mut asked.public_key.allow_credentials {
        allowed.id = id.clone();
    }
    key.do_authentication(origin(ORIGIN), asked).unwrap()
}

/// A new server, Anna logged in from her trusted address, and her passkey "Laptop".
async fn anna_with_a_passkey() -> (TestApp, Client, SoftPasskey) {
    let t = TestApp::start().await;
    let s = logged_in(&t, "anna@example.org", "member").await;
    let mut key = SoftPasskey::new(true);
    enrol(&t, &s, &mut key, "Laptop").await;
    (t, s, key)
}

/// Anna's client at the login challenge, after her password from a new address.
async fn at_challenge(t: &TestApp, last: u8) -> Client {
    let c = Client::new(t, ip(last));
    let (_, token) = c.password("anna@example.org", PW).await;
    c.with_session(&token)
}

/// The options of a passkey at `s`'s login challenge.
async fn challenge_options(s: &Client) -> RequestChallengeResponse {
    options(&s.post("/api/mfa/passkey/options", "").await)
}

async fn answer(s: &Client, answer: &impl serde::Serialize) -> Answer {
    let json = serde_json::to_string(answer).unwrap();
    s.post("/api/mfa/passkey", &serde_urlencoded(&[("answer", &json)])).await
}

fn tries_left(res: &Answer) -> u64 {
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    let e: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    e["PasskeyWrong"]["tries_left"].as_u64().unwrap_or_else(|| panic!("not a refused passkey: {}", res.body))
}

#[tokio::test]
async fn a_passkey_is_enrolled_behind_a_tan_and_passes_the_login_challenge_from_a_new_address() {
    let (t, s, mut key) = anna_with_a_passkey().await;
    let listed = s.post("/api/passkeys", "").await.body;
    assert!(listed.contains("\"name\":\"Laptop\"") && listed.contains("\"last_used_at_text\":null"), "{listed}");
    assert_eq!(t.audited("passkey.changed").await, 1);
    let mail = t.message_to("anna@example.org").await;
    assert!(mail.contains("Passkey") && mail.contains("Laptop"), "the owner is told: {mail}");

    let c = at_challenge(&t, 7).await;
    let status = c.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"passkey\":true"), "{status}");
    let asked = challenge_options(&c).await;
    let signed = key.do_authentication(origin(ORIGIN), asked).unwrap();
    let res = answer(&c, &signed).await;
    let token = res.session_token().unwrap_or_else(|| panic!("logged in: {res:?}"));
    assert!(c.with_session(&token).me().await.contains("anna@example.org"));
    assert_eq!(t.audited("passkey.accepted").await, 1);
    let listed = s.post("/api/passkeys", "").await.body;
    assert!(!listed.contains("\"last_used_at_text\":null"), "its last use is shown: {listed}");

    // The next login opens on the passkey: no code is sent.
    let before = t.delivered_to(PHONE).await;
    let c = at_challenge(&t, 8).await;
    assert_eq!(t.delivered_to(PHONE).await, before, "no SMS when a passkey passed last");
    let status = c.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"code_sent\":false") && status.contains("\"passkey\":true"), "{status}");
    let signed = key.do_authentication(origin(ORIGIN), challenge_options(&c).await).unwrap();
    assert!(answer(&c, &signed).await.session_token().is_some());
}

#[tokio::test]
async fn answers_for_another_site_replayed_or_by_keys_not_of_the_account_are_wrong_entries() {
    let (t, s, mut anna_key) = anna_with_a_passkey().await;
    let mut old_key = SoftPasskey::new(true);
    enrol(&t, &s, &mut old_key, "Old phone").await;
    let bob = logged_in(&t, "bob@example.org", "member").await;
    let mut bob_key = SoftPasskey::new(true);
    enrol(&t, &bob, &mut bob_key, "Bob's laptop").await;

    // A valid answer, used once at a login before.
    let first = at_challenge(&t, 7).await;
    let used = anna_key.do_authentication(origin(ORIGIN), challenge_options(&first).await).unwrap();
    assert!(answer(&first, &used).await.session_token().is_some());

    let c = at_challenge(&t, 8).await;
    // A fake login page at another origin under Riegel's domain relays the options: the key
    // signs for the page it is on, and Riegel refuses the origin.
    let relayed = anna_key.do_authentication(origin("https://login.portal.example"), challenge_options(&c).await);
    assert_eq!(tries_left(&answer(&c, &relayed.unwrap()).await), 4);
    // A fake site of its own asks the key for its own RP ID.
    let mut asked = challenge_options(&c).await;
    asked.public_key.rp_id = "evil.example".into();
    let phished = anna_key.do_authentication(origin("https://evil.example"), asked).unwrap();
    assert_eq!(tries_left(&answer(&c, &phished).await), 3);
    // The answer of the earlier login, replayed against this login's challenge.
    challenge_options(&c).await;
    assert_eq!(tries_left(&answer(&c, &used).await), 2);
    // Bob's key, signing this login's challenge.
    let bobs_answer = signed_by_another_account(&t, &mut bob_key, "Bob's laptop", challenge_options(&c).await).await;
    assert_eq!(tries_left(&answer(&c, &bobs_answer).await), 1);
    // A key removed after the ceremony began.
    let asked = challenge_options(&c).await;
    let old_id: i64 =
        sqlx::query_scalar("SELECT id FROM passkeys WHERE name = 'Old phone'").fetch_one(&t.state.pool).await.unwrap();
    let removed = s.post("/api/passkeys/remove", &format!("id={old_id}")).await;
    assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
    let removed_answer = old_key.do_authentication(origin(ORIGIN), asked).unwrap();
    let exhausted = answer(&c, &removed_answer).await;
    assert_eq!(exhausted.status, StatusCode::CONFLICT, "the fifth wrong entry ends the challenge: {exhausted:?}");
    assert!(exhausted.body.contains("ChallengeExhausted"), "{}", exhausted.body);
    assert_eq!(t.audited("code.refused").await, 5);
    assert_eq!(t.audited("passkey.accepted").await, 1, "only the first login's");
    let wrong: i64 = sqlx::query_scalar("SELECT count(*) FROM wrong_entries").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(wrong, 5, "each counts toward the account's 20 a day");
}

#[tokio::test]
async fn an_answer_without_a_ceremony_or_garbled_counts_nothing_and_one_ceremony_passes_once() {
    let (t, _s, mut key) = anna_with_a_passkey().await;
    let c = at_challenge(&t, 7).await;
    let asked = challenge_options(&c).await;
    let signed = key.do_authentication(origin(ORIGIN), asked).unwrap();

    let garbled = c.post("/api/mfa/passkey", "answer=%7B%22id%22%3A1%7D").await;
    assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbled.body.contains("PasskeyMalformed"), "{}", garbled.body);
    // The ceremony is still there: the right answer passes.
    let res = answer(&c, &signed).await;
    assert!(res.session_token().is_some(), "{res:?}");
    // Anna logs in again; the same answer has no ceremony any more.
    let c = at_challenge(&t, 8).await;
    let again = answer(&c, &signed).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("PasskeyNotStarted"), "{}", again.body);
    assert_eq!(t.audited("code.refused").await, 0, "nothing was counted");
    let status = c.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"tries_left\":5"), "{status}");
}

#[tokio::test]
async fn passkeys_are_renamed_and_removed_without_a_tan_only_by_their_owner_who_is_told() {
    let (t, s, _key) = anna_with_a_passkey().await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM passkeys").fetch_one(&t.state.pool).await.unwrap();
    let bob = logged_in(&t, "bob@example.org", "member").await;
    let not_bobs = bob.post("/api/passkeys/remove", &format!("id={id}")).await;
    assert!(not_bobs.body.contains("PasskeyUnknown"), "{not_bobs:?}");
    let not_bobs = bob.post("/api/passkeys/rename", &format!("id={id}&name=Mine")).await;
    assert!(not_bobs.body.contains("PasskeyUnknown"), "{not_bobs:?}");
    let bad = s.post("/api/passkeys/rename", &format!("id={id}&name=%20%20")).await;
    assert!(bad.body.contains("PasskeyNameInvalid"), "{bad:?}");

    assert_eq!(s.post("/api/passkeys/rename", &format!("id={id}&name=Work%20laptop")).await.status, StatusCode::OK);
    assert!(t.message_to("anna@example.org").await.contains("Work laptop"));
    assert!(s.post("/api/passkeys", "").await.body.contains("Work laptop"));
    assert_eq!(s.post("/api/passkeys/remove", &format!("id={id}")).await.status, StatusCode::OK);
    assert!(t.message_to("anna@example.org").await.contains("entfernt"));
    assert_eq!(s.post("/api/passkeys", "").await.body, "[]");
    assert_eq!(t.audited("passkey.changed").await, 3);

    // Removed, it is offered no more and passes nothing.
    let c = at_challenge(&t, 7).await;
    assert!(c.post("/api/mfa/status", "").await.body.contains("\"passkey\":false"));
    let asked = c.post("/api/mfa/passkey/options", "").await;
    assert!(asked.body.contains("MethodUnavailable"), "{asked:?}");
}

#[tokio::test]
async fn a_locked_account_is_not_opened_by_its_passkey() {
    let (t, _s, mut key) = anna_with_a_passkey().await;
    let c = at_challenge(&t, 7).await;
    let asked = challenge_options(&c).await;
    let signed = key.do_authentication(origin(ORIGIN), asked).unwrap();
    let until = t.state.clock.now().0 + 3600;
    sqlx::query("UPDATE users SET locked_until = $1 WHERE email = 'anna@example.org'")
        .bind(until)
        .execute(&t.state.pool)
        .await
        .unwrap();
    let res = answer(&c, &signed).await;
    assert_eq!(res.status, StatusCode::LOCKED, "{res:?}");
    assert!(res.session_token().is_none());
    assert_eq!(t.audited("passkey.accepted").await, 0);
}

#[tokio::test]
async fn an_answer_whose_counter_went_back_is_refused_as_from_a_clone() {
    let (t, _s, mut key) = anna_with_a_passkey().await;
    let c = at_challenge(&t, 7).await;
    let asked = challenge_options(&c).await;
    // Meanwhile the genuine key was used elsewhere up to counter 1,000: this answer's lower
    // counter comes from a copy of the key. The stored counter is read at the answer, not
    // from the ceremony begun before.
    sqlx::query("UPDATE passkeys SET sign_count = 1000").execute(&t.state.pool).await.unwrap();
    let cloned = key.do_authentication(origin(ORIGIN), asked).unwrap();
    assert_eq!(tries_left(&answer(&c, &cloned).await), 4);
    assert_eq!(t.audited("passkey.accepted").await, 0);
    // Back at its own count, the key passes, and the count it signed is kept.
    sqlx::query("UPDATE passkeys SET sign_count = 0").execute(&t.state.pool).await.unwrap();
    let signed = key.do_authentication(origin(ORIGIN), challenge_options(&c).await).unwrap();
    assert!(answer(&c, &signed).await.session_token().is_some());
    let stored: i64 = sqlx::query_scalar("SELECT sign_count FROM passkeys").fetch_one(&t.state.pool).await.unwrap();
    assert!(stored > 0, "the counter is kept: {stored}");
}

#[tokio::test]
async fn wrong_passkey_answers_count_across_sessions_addresses_and_instances_and_the_twenty_first_locks() {
    let (t, _s, mut key) = anna_with_a_passkey().await;
    let other = TestApp::start_at(t.database.clone()).await;
    // Four logins, each from a new address, alternating between the two instances, each with
    // five answers a fake page under Riegel's domain relayed: twenty wrong entries.
    for (login, instance) in [&t, &other, &t, &other].into_iter().enumerate() {
        let c = at_challenge(instance, 20 + u8::try_from(login).unwrap()).await;
        for wrong in 0..5 {
            let relayed =
                key.do_authentication(origin("https://login.portal.example"), challenge_options(&c).await).unwrap();
            let res = answer(&c, &relayed).await;
            match wrong {
                4 => assert_eq!(res.status, StatusCode::CONFLICT, "the fifth ends the challenge: {res:?}"),
                n => assert_eq!(tries_left(&res), 4 - n),
            }
        }
    }
    let wrong: i64 = sqlx::query_scalar("SELECT count(*) FROM wrong_entries").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(wrong, 20);
    // The 21st entry, the right key from yet another address, is refused unchecked and locks.
    let c = at_challenge(&other, 30).await;
    let signed = key.do_authentication(origin(ORIGIN), challenge_options(&c).await).unwrap();
    let res = answer(&c, &signed).await;
    assert_eq!(res.status, StatusCode::LOCKED, "{res:?}");
    assert!(res.session_token().is_none());
    assert_eq!(t.audited("passkey.accepted").await, 0);
}
