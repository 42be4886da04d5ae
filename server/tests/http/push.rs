//! Push approval with number matching (SPEC 3.5): pairing behind a TAN, the device's signed
//! answers (a forged signature refused), the login going on only after the right number,
//! denial, expiry, the event streams, and the push quota with its lock.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use http::StatusCode;
use p256::ecdsa::{Signature, SigningKey, signature::Signer};

use crate::harness::{Client, PHONE, PW, TestApp, count, ip, logged_in, no_cooldown, serde_urlencoded, with_tan};

/// A device as the `/device` page is one: its own key pair and cookie.
pub(crate) struct Device {
    pub(crate) key: SigningKey,
    pub(crate) client: Client,
}

impl Device {
    /// Signs `answer` to the request as the device's page does (`riegel-push-v1`, the
    /// request, its nonce, the answer; ECDSA P-256 over SHA-256, the raw r‖s form).
    fn sign(key: &SigningKey, id: i64, nonce: &str, answer: &str) -> String {
        let sig: Signature = key.sign(format!("riegel-push-v1\n{id}\n{nonce}\n{answer}").as_bytes());
        URL_SAFE_NO_PAD.encode(sig.to_bytes())
    }

    async fn answer_with(&self, key: &SigningKey, id: i64, nonce: &str, answer: &str) -> crate::harness::Answer {
        let signature = Self::sign(key, id, nonce, answer);
        let form = serde_urlencoded(&[("request", &id.to_string()), ("answer", answer), ("signature", &signature)]);
        self.client.post("/api/device/answer", &form).await
    }

    pub(crate) async fn answer(&self, id: i64, nonce: &str, answer: &str) -> crate::harness::Answer {
        self.answer_with(&self.key, id, nonce, answer).await
    }
}

/// The public key as WebCrypto exports it (`exportKey('spki', …)`): the P-256 SPKI header,
/// then the uncompressed point.
pub(crate) fn spki(key: &SigningKey) -> Vec<u8> {
    const HEADER: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
    let mut der = hex::decode(HEADER).unwrap();
    der.extend_from_slice(key.verifying_key().to_encoded_point(false).as_bytes());
    der
}

pub(crate) fn new_key() -> SigningKey {
    SigningKey::random(&mut rand::rngs::OsRng)
}

/// Anna, logged in at her trusted IP, pairs a device through the settings' TAN-protected link.
pub(crate) async fn paired(t: &TestApp) -> Device {
    let s = logged_in(t, "anna@example.org", "member").await;
    let res = with_tan(t, &s, "/api/push/pairing", "Push-Bestätigung").await;
    let p: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let link = p["link"].as_str().unwrap();
    assert!(p["qr_svg"].as_str().unwrap().contains("<svg"));
    let pairing = link.strip_prefix("https://portal.example/device?pair=").expect("a link to the device page");

    let key = new_key();
    let public_key = URL_SAFE_NO_PAD.encode(spki(&key));
    let form = serde_urlencoded(&[("pairing", pairing), ("public_key", &public_key), ("name", "Browser auf Linux")]);
    let device = Client::new(t, ip(60));
    let res = device.post("/api/device/pair", &form).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    let cookie = res.header(http::header::SET_COOKIE).unwrap();
    assert!(cookie.starts_with("riegel_device=") && cookie.contains("HttpOnly") && cookie.contains("Max-Age="));
    let token = cookie.split(';').next().unwrap().to_owned();
    // The link works once.
    assert_eq!(Client::new(t, ip(61)).post("/api/device/pair", &form).await.status, StatusCode::GONE);
    assert_eq!(t.audited("push.device_paired").await, 1);
    let notice = t.message_to("anna@example.org").await;
    assert!(notice.contains("Push-Bestätigung gekoppelt") && notice.contains("Browser auf Linux"), "{notice}");
    // Only the public key is stored, and the device's token only as a keyed hash.
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT token_hash FROM push_devices").fetch_one(&t.state.pool).await.unwrap();
    let raw = token.split_once('=').unwrap().1;
    assert!(!stored.windows(raw.len()).any(|w| w == raw.as_bytes()));
    Device { key, client: Client::new(t, ip(60)).with_cookie(&token) }
}

/// The newest push request as the device's event stream shows it: id, nonce, choices.
pub(crate) async fn request_on_device(device: &Device) -> (i64, String, Vec<u8>, String) {
    let (status, text) = device.client.first_event("/device/events").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.starts_with("event: requests\n"), "{text}");
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let list: serde_json::Value = serde_json::from_str(data).unwrap();
    let r = list.as_array().unwrap().last().expect("an open request").clone();
    let choices = r["choices"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap() as u8).collect();
    (r["id"].as_i64().unwrap(), r["nonce"].as_str().unwrap().to_owned(), choices, r["ip"].as_str().unwrap().to_owned())
}

/// The number the login screen shows.
pub(crate) async fn shown_number(s: &Client) -> u8 {
    let status: serde_json::Value = serde_json::from_str(&s.post("/api/mfa/status", "").await.body).unwrap();
    status["push"]["number"].as_u64().expect("a push on the login screen") as u8
}

/// A login from a new IP up to the challenge; returns the session's client.
pub(crate) async fn challenge_at(t: &TestApp, last: u8) -> Client {
    let c = Client::new(t, ip(last));
    let (_, token) = c.password("anna@example.org", PW).await;
    c.with_session(&token)
}

#[tokio::test]
async fn a_paired_device_approves_with_the_right_number_and_a_forged_signature_is_refused() {
    let t = TestApp::start().await;
    let device = paired(&t).await;
    let s = challenge_at(&t, 7).await;
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"push_available\":true") && status.contains("\"push\":null"), "{status}");
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    let number = shown_number(&s).await;
    let (id, nonce, choices, from) = request_on_device(&device).await;
    assert!(choices.contains(&number) && choices.len() == 3, "{choices:?} offers {number}");
    assert_eq!(from, ip(7).to_string(), "the device shows where the login comes from");
    // Still waiting: "Continue" says so.
    let early = s.post("/api/mfa/push/finish", "").await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("PushPending") && early.session_token().is_none());

    // Someone with the device's cookie but not its key: refused, audited, nothing changes.
    let forged = device.answer_with(&new_key(), id, &nonce, &number.to_string()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{forged:?}");
    assert_eq!(t.audited("push.signature_refused").await, 1);
    assert_eq!(count(&t, "SELECT count(*) FROM push_requests WHERE state = 'pending'").await, 1);
    // A signature of the device over another answer does not fit this one.
    let signature = Device::sign(&device.key, id, &nonce, "deny");
    let form =
        serde_urlencoded(&[("request", &id.to_string()), ("answer", &number.to_string()), ("signature", &signature)]);
    assert_eq!(device.client.post("/api/device/answer", &form).await.status, StatusCode::FORBIDDEN);
    // Without the device's cookie: not a device.
    let stranger = Device { key: device.key.clone(), client: Client::new(&t, ip(60)) };
    assert_eq!(stranger.answer(id, &nonce, &number.to_string()).await.status, StatusCode::UNAUTHORIZED);

    // The login screen's stream, open while the device answers, tells it at once.
    let mut screen = s.events("/api/mfa/push/events").await;
    assert_eq!(screen.next().await.unwrap(), "event: push\ndata: Pending\n\n");
    let res = device.answer(id, &nonce, &number.to_string()).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "\"Approved\""));
    assert_eq!(t.audited("push.approved").await, 1);
    assert_eq!(screen.next().await.unwrap(), "event: push\ndata: Approved\n\n", "the login screen's stream says so");
    // Asking for a push now sends none: the approval waits to be used.
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    assert_eq!(count(&t, "SELECT count(*) FROM push_requests").await, 1);
    let done = s.post("/api/mfa/push/finish", "").await;
    let fresh = done.session_token().expect("logged in");
    assert!(Client::new(&t, ip(7)).with_session(&fresh).me().await.contains("anna@example.org"));
    // The approval is used up with the old session.
    assert_eq!(s.post("/api/mfa/push/finish", "").await.status, StatusCode::UNAUTHORIZED);
    // A replayed answer changes nothing.
    assert_eq!(device.answer(id, &nonce, &number.to_string()).await.status, StatusCode::GONE);

    // Next login: push was the last method, so the challenge opens with a push, no SMS.
    t.deliver().await;
    let sms_before = t.delivered_to(PHONE).await;
    let s = challenge_at(&t, 8).await;
    t.deliver().await;
    assert_eq!(t.delivered_to(PHONE).await, sms_before, "no SMS when push was the last method");
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"code_sent\":false") && status.contains("\"state\":\"Pending\""), "{status}");
    assert_eq!(t.audited("push.sent").await, 2);
}

#[tokio::test]
async fn a_wrong_number_or_deny_denies_and_the_login_screen_says_so() {
    let t = TestApp::start().await;
    let device = paired(&t).await;
    let s = challenge_at(&t, 7).await;
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    // Asking again while one waits sends no second push.
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    assert_eq!(count(&t, "SELECT count(*) FROM push_requests").await, 1);
    let number = shown_number(&s).await;
    let (id, nonce, choices, _) = request_on_device(&device).await;
    let wrong = choices.iter().find(|n| **n != number).unwrap();
    let res = device.answer(id, &nonce, &wrong.to_string()).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "\"Denied\""));
    let denied = s.post("/api/mfa/push/finish", "").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(denied.body.contains("PushDenied") && denied.session_token().is_none());
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_events WHERE kind = 'push.denied'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert!(detail.contains("\"wrong_number\":true"), "{detail}");
    // A denial is a failed try of the challenge, like a wrong code.
    assert!(s.post("/api/mfa/status", "").await.body.contains("\"tries_left\":4"));
    // The right number afterwards is too late.
    assert_eq!(device.answer(id, &nonce, &number.to_string()).await.status, StatusCode::GONE);

    // The next push waits like a resend (SPEC 3.2), so pushes cannot be fired back to back.
    let again = s.post("/api/mfa/push", "").await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS, "{again:?}");
    assert!(again.body.contains("Cooldown"));
    t.state.clock.advance(30);
    // A new push, denied outright.
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    let (id, nonce, _, _) = request_on_device(&device).await;
    assert_eq!(device.answer(id, &nonce, "deny").await.body, "\"Denied\"");
    assert_eq!(t.audited("push.denied").await, 2);
    assert!(s.post("/api/mfa/status", "").await.body.contains("\"tries_left\":3"));
    // The device's stream no longer lists answered requests.
    let (_, text) = device.client.first_event("/device/events").await;
    assert_eq!(text, "event: requests\ndata: []\n\n");
}

#[tokio::test]
async fn a_push_expires_after_two_minutes() {
    let t = TestApp::start().await;
    let device = paired(&t).await;
    let s = challenge_at(&t, 7).await;
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    let (id, nonce, _, _) = request_on_device(&device).await;
    let (created, expires): (i64, i64) =
        sqlx::query_as("SELECT created_at, expires_at FROM push_requests").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(expires - created, 120);
    t.state.clock.advance(121);
    let number = shown_number(&s).await;
    assert_eq!(device.answer(id, &nonce, &number.to_string()).await.status, StatusCode::GONE);
    let late = s.post("/api/mfa/push/finish", "").await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(late.body.contains("PushExpired"));
    let (_, text) = s.first_event("/api/mfa/push/events").await;
    assert_eq!(text, "event: push\ndata: Expired\n\n");
}

#[tokio::test]
async fn pushes_have_their_own_quota_and_the_one_past_it_locks_the_account() {
    // No wait between pushes, to reach the quota quickly.
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    paired(&t).await;
    let s = challenge_at(&t, 7).await;
    for n in 1..=20 {
        let res = s.post("/api/mfa/push", "").await;
        assert_eq!(res.status, StatusCode::OK, "push {n}: {res:?}");
        // Fewer than 5 left: the screen says how many (SPEC 4.3).
        let status = s.post("/api/mfa/status", "").await.body;
        let left = if 20 - n < 5 { (20 - n).to_string() } else { "null".to_owned() };
        assert!(status.contains(&format!("\"pushes_left\":{left}")), "after {n}: {status}");
        // Each one unanswered until it expires (two minutes); the challenge stays alive, as
        // each round asks for its status.
        t.state.clock.advance(120);
    }
    let past = s.post("/api/mfa/push", "").await;
    assert_eq!(past.status, StatusCode::LOCKED, "{past:?}");
    assert!(past.body.contains("AccountLocked"));
    assert_eq!(count(&t, "SELECT count(*) FROM push_requests").await, 20);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_events WHERE kind = 'quota.exceeded'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert!(detail.contains("push"), "{detail}");
    assert_eq!(t.audited("account.locked").await, 1);
    // The lock holds for a new login too, after the right password.
    let again = Client::new(&t, ip(8)).login("anna@example.org", PW).await;
    assert_eq!(again.status, StatusCode::LOCKED);
}

#[tokio::test]
async fn event_streams_need_their_cookie_and_pairing_needs_a_real_key() {
    let t = TestApp::start().await;
    assert_eq!(Client::new(&t, ip(9)).first_event("/device/events").await.0, StatusCode::UNAUTHORIZED);
    let fake = Client::new(&t, ip(9)).with_cookie("riegel_device=not-a-device");
    assert_eq!(fake.first_event("/device/events").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(Client::new(&t, ip(9)).first_event("/api/mfa/push/events").await.0, StatusCode::UNAUTHORIZED);
    let device = paired(&t).await;
    // A logged-in session has no login push to follow.
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let portal = Client::new(&t, ip(1)).with_session(&token);
    assert_eq!(portal.first_event("/api/mfa/push/events").await.0, StatusCode::UNAUTHORIZED);
    let (status, text) = device.client.first_event("/device/events").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "event: requests\ndata: []\n\n"));
    // Without a paired device, push is not offered and cannot be sent.
    let other = t.user("ben@example.org", PW, "member").await;
    assert!(other > 0);
    let c = Client::new(&t, ip(10));
    let (_, token) = c.password("ben@example.org", PW).await;
    let s = c.with_session(&token);
    assert!(s.post("/api/mfa/status", "").await.body.contains("\"push_available\":false"));
    assert!(s.post("/api/mfa/push", "").await.body.contains("MethodUnavailable"));
    // A pairing with a key that is not a P-256 public key is refused before the link is used.
    let form = serde_urlencoded(&[("pairing", "x"), ("public_key", "bm90IGEga2V5"), ("name", "x")]);
    assert_eq!(Client::new(&t, ip(9)).post("/api/device/pair", &form).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn event_streams_end_when_the_server_shuts_down() {
    let t = TestApp::start().await;
    let device = paired(&t).await;
    let mut stream = device.client.events("/device/events").await;
    assert_eq!(stream.next().await.unwrap(), "event: requests\ndata: []\n\n");
    t.state.push_events.close();
    assert_eq!(stream.next().await, None, "the stream ends, so a graceful shutdown need not wait for it");
}

#[tokio::test]
async fn a_removed_device_can_no_longer_answer() {
    let t = TestApp::start().await;
    let device = paired(&t).await;
    let s = challenge_at(&t, 7).await;
    assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK);
    let number = shown_number(&s).await;
    let (id, nonce, _, _) = request_on_device(&device).await;
    // The owner, logged in elsewhere, removes the lost device.
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let owner = Client::new(&t, ip(1)).with_session(&token);
    assert_eq!(owner.post("/api/push/device/remove", "").await.status, StatusCode::OK);
    assert_eq!(t.audited("push.device_removed").await, 1);
    assert_eq!(device.answer(id, &nonce, &number.to_string()).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(device.client.first_event("/device/events").await.0, StatusCode::UNAUTHORIZED);
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"push_available\":false"), "{status}");
    // The waiting push expired with the device.
    assert_eq!(s.post("/api/mfa/push/finish", "").await.status, StatusCode::GONE);
}

/// A pairing link of `email`'s account, made in its settings behind a TAN; the link's token.
async fn pairing_link(t: &TestApp, email: &str) -> String {
    let s = logged_in(t, email, "member").await;
    let res = with_tan(t, &s, "/api/push/pairing", "Push-Bestätigung").await;
    let p: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    p["link"].as_str().unwrap().strip_prefix("https://portal.example/device?pair=").unwrap().to_owned()
}

fn pair_form(pairing: &str, key: &SigningKey, replace: &str) -> String {
    let public_key = URL_SAFE_NO_PAD.encode(spki(key));
    serde_urlencoded(&[
        ("pairing", pairing),
        ("public_key", &public_key),
        ("name", "Browser auf Mac"),
        ("replace", replace),
    ])
}

#[tokio::test]
async fn a_pairing_link_opened_on_a_paired_device_asks_before_it_replaces_the_pairing() {
    let t = TestApp::start().await;
    let device = paired(&t).await;
    let anna = count(&t, "SELECT id FROM users WHERE email = 'anna@example.org'").await;
    // Mallory, any registered user, makes a pairing link for her own account and sends it to
    // Anna, whose device opens it.
    let pairing = pairing_link(&t, "mallory@example.org").await;
    let mallory = count(&t, "SELECT id FROM users WHERE email = 'mallory@example.org'").await;
    let devices = || count(&t, "SELECT count(*) FROM push_devices");
    let page = device.client.get(&format!("/device?pair={pairing}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // The page asks, naming the pairing that would end and the account the link pairs with.
    assert!(page.body.contains("id=\"device-confirm\""), "{}", page.body);
    assert!(page.body.contains("a•••@example.org") && page.body.contains("Browser auf Linux"), "{}", page.body);
    assert!(page.body.contains("m•••@example.org") && page.body.contains("Kopplung ersetzen"), "{}", page.body);
    let confirmation: String = {
        let field = "name=\"replace\" value=\"";
        let at = page.body.find(field).expect("a confirm form") + field.len();
        page.body[at..].chars().take_while(|c| *c != '"').collect()
    };

    // Without the page's confirmation (or with a made-up one) nothing is replaced, and the
    // link still works.
    for replace in ["", "bWFkZS11cA"] {
        let res = device.client.post("/api/device/pair", &pair_form(&pairing, &new_key(), replace)).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{res:?}");
        assert!(res.body.contains("PairingUnconfirmed") && res.header(http::header::SET_COOKIE).is_none());
    }
    let (status, _) = device.client.first_event("/device/events").await;
    assert_eq!(status, StatusCode::OK, "the device still answers for Anna");
    assert_eq!(count(&t, &format!("SELECT count(*) FROM push_devices WHERE user_id = {anna}")).await, 1);
    assert_eq!((devices().await, count(&t, "SELECT count(*) FROM push_pairings").await), (1, 1));
    assert_eq!(t.audited("push.device_paired").await, 1);

    // The confirm form brings the page back without the question, and the script's pairing
    // with the confirmation replaces the pairing: the device now answers for Mallory, and
    // Anna's pairing has ended.
    let page = device.client.get(&format!("/device?pair={pairing}&replace={confirmation}")).await;
    assert!(!page.body.contains("device-confirm") && page.body.contains("device-status"), "{}", page.body);
    let res = device.client.post("/api/device/pair", &pair_form(&pairing, &new_key(), &confirmation)).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert!(res.header(http::header::SET_COOKIE).unwrap().starts_with("riegel_device="));
    assert_eq!(count(&t, &format!("SELECT count(*) FROM push_devices WHERE user_id = {mallory}")).await, 1);
    assert_eq!(count(&t, &format!("SELECT count(*) FROM push_devices WHERE user_id = {anna}")).await, 0);
    assert_eq!((t.audited("push.device_paired").await, t.audited("push.device_removed").await), (2, 1));
}
