//! The bounds of docs/security.md, each tried past its number by every path a caller has: a
//! new challenge, a new session, another channel, another network, and the other instance
//! on the same database (`TestApp::start_at`: its own router, pool, hasher and clock; on
//! PostgreSQL what two servers behind a load balancer are). Each test asserts the last
//! attempt the bound allows, the first one it refuses with what the caller sees (status and
//! error kind), and what is stored (rows, audit events).
//!
//! Each instance has its own manual clock: [`Two`] sets B's to A's and moves both, so no
//! count depends on which instance a request went through.

use std::net::{IpAddr, Ipv6Addr};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use http::{StatusCode, header};
use serde_json::Value;

use crate::{
    harness::{
        Answer, Client, PHONE, PW, TestApp, change_bank, count, ip, logged_in, serde_urlencoded as form, with_tan,
    },
    push::{new_key, paired, spki},
};

const ANNA: &str = "anna@example.org";
const NEU: &str = "neu@example.org";
const NEW_PHONE: &str = "+4915198765432";
const STRONG: &str = "Kiefer-Wolke-Laterne-73";
const DAY: i64 = 86_400;

/// Two instances on one database, as a load balancer alternates them.
struct Two {
    a: TestApp,
    b: TestApp,
}

impl Two {
    async fn start() -> Self {
        let a = TestApp::start().await;
        let b = TestApp::start_at(a.database.clone()).await;
        b.state.clock.advance(a.state.clock.now().0 - b.state.clock.now().0);
        Two { a, b }
    }

    /// A for even `n`, B for odd.
    fn at(&self, n: usize) -> &TestApp {
        if n.is_multiple_of(2) { &self.a } else { &self.b }
    }

    /// Moves both clocks.
    fn advance(&self, secs: i64) {
        self.a.state.clock.advance(secs);
        self.b.state.clock.advance(secs);
    }

    fn now(&self) -> i64 {
        let now = self.a.state.clock.now().0;
        assert_eq!(now, self.b.state.clock.now().0, "the instances' clocks agree");
        now
    }

    /// Argon2 verifications run by both instances.
    fn verifications(&self) -> u64 {
        self.a.state.hasher.verifications() + self.b.state.hasher.verifications()
    }
}

/// The error an answer carries: `(kind, fields)` of its JSON body.
fn error_of(res: &Answer) -> (String, Value) {
    match serde_json::from_str::<Value>(&res.body) {
        Ok(Value::String(kind)) => (kind, Value::Null),
        Ok(Value::Object(map)) if map.len() == 1 => {
            let (kind, fields) = map.into_iter().next().unwrap();
            (kind, fields)
        }
        _ => panic!("not an error: {res:?}"),
    }
}

/// Asserts the answer is this refusal; returns its fields.
fn refused(res: &Answer, status: StatusCode, kind: &str) -> Value {
    assert_eq!(res.status, status, "{res:?}");
    let (got, fields) = error_of(res);
    assert_eq!(got, kind, "{res:?}");
    assert!(res.session_token().is_none(), "no session from a refusal: {res:?}");
    fields
}

fn retry_after(res: &Answer) -> Option<String> {
    res.header(header::RETRY_AFTER)
}

/// An address of the IPv6 /64 `2001:db8:<net>:<net>::/64`.
fn v6(net: u16, host: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, net, net, 0, 0, 0, host))
}

/// A code of six digits that is not `code`.
fn other_than(code: &str) -> String {
    code.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect()
}

/// A password login that reached `home`; the session's client.
async fn logged_in_at(c: &Client, email: &str, home: &str) -> Client {
    let (res, token) = c.password(email, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some(home), "{res:?}");
    c.with_session(&token)
}

async fn register(c: &Client, email: &str) -> Answer {
    let body = form(&[
        ("company", "Holzbau Meier GmbH"),
        ("full_name", "Jana Becker"),
        ("email", email),
        ("password", STRONG),
    ]);
    c.post("/api/register", &body).await
}

async fn forgot(c: &Client, email: &str) -> Answer {
    c.post("/api/password/forgot", &form(&[("email", email)])).await
}

// ---------------------------------------------------------------------------------------
// Password at login

/// Guesses for one account from one network, alternating between the instances: one count
/// for the pair, so the five free guesses are five in all, and each delay holds through
/// either instance. A refused guess runs argon2 on neither; the owner is never locked out.
#[tokio::test]
async fn password_guesses_alternating_between_instances_share_the_free_guesses_and_each_delay() {
    let two = Two::start().await;
    two.a.user(ANNA, PW, "member").await;
    let attacker = Client::new(&two.a, ip(66));
    let guess = |app: &TestApp| {
        let c = attacker.via(app);
        async move { c.login(ANNA, "guess guess guess").await }
    };
    let free = two.a.state.config.policy.login_free_failures as usize;
    for n in 0..free {
        assert_eq!(guess(two.at(n)).await.status, StatusCode::UNAUTHORIZED, "free guess {}", n + 1);
    }
    let verified = two.verifications();
    for app in [&two.b, &two.a] {
        let res = guess(app).await;
        refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
        assert_eq!(retry_after(&res).as_deref(), Some("1"), "{res:?}");
    }
    assert_eq!(two.verifications(), verified, "a refused guess runs argon2 on neither instance");
    assert_eq!(count(&two.a, "SELECT failures FROM login_failures").await, free as i64);

    // A second later the sixth guess is checked (through B); the seventh waits two seconds,
    // through either instance.
    two.advance(1);
    assert_eq!(guess(&two.b).await.status, StatusCode::UNAUTHORIZED);
    let res = guess(&two.a).await;
    refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
    assert_eq!(retry_after(&res).as_deref(), Some("2"));
    two.advance(1);
    let res = guess(&two.b).await;
    refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
    assert_eq!(retry_after(&res).as_deref(), Some("1"));
    two.advance(1);
    assert_eq!(guess(&two.a).await.status, StatusCode::UNAUTHORIZED);

    assert_eq!(two.verifications(), verified + 2);
    assert_eq!(count(&two.a, "SELECT failures FROM login_failures").await, free as i64 + 2);
    assert_eq!(two.a.audited("login.failed").await, free as i64 + 2);
    assert!(two.a.audited("login.throttled").await >= 1, "the refusals are on record");
    // Never a lock: the owner, from her own network, through either instance.
    for app in [&two.a, &two.b] {
        logged_in_at(&Client::new(app, ip(1)), ANNA, "/").await;
    }
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE locked_until IS NOT NULL").await, 0);
}

/// A hundred failures from the addresses of one /64, for a hundred addresses, half through
/// each instance: the network's hourly cap is reached once; the next attempt, even with the
/// right password, is refused unchecked through either instance until the oldest failure is
/// an hour old, to the second.
#[tokio::test]
async fn a_networks_hundred_failures_an_hour_are_counted_once_across_both_instances() {
    let two = Two::start().await;
    two.a.user(ANNA, PW, "member").await;
    let cap = two.a.state.config.policy.login_ip_failure_cap as usize;
    for n in 0..cap {
        let res =
            Client::new(two.at(n), v6(7, n as u16 + 1)).login(&format!("user{n}@example.org"), "Sommer2026!").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "failure {}", n + 1);
    }
    assert_eq!(count(&two.a, "SELECT count(*) FROM login_ip_failures").await, cap as i64);
    let verified = two.verifications();
    for app in [&two.a, &two.b] {
        let res = Client::new(app, v6(7, 500)).login(ANNA, PW).await;
        refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
        assert_eq!(retry_after(&res).as_deref(), Some("3600"), "until the oldest failure is an hour old");
    }
    assert_eq!(two.verifications(), verified, "refused unchecked");
    // Another network is not affected.
    logged_in_at(&Client::new(&two.b, ip(5)), ANNA, "/mfa").await;

    two.advance(3599);
    let res = Client::new(&two.b, v6(7, 501)).login("zoe@example.org", "Sommer2026!").await;
    refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
    assert_eq!(retry_after(&res).as_deref(), Some("1"));
    two.advance(1);
    let res = Client::new(&two.a, v6(7, 502)).login("zoe@example.org", "Sommer2026!").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "an hour after the first failure the next is checked");
    assert_eq!(two.verifications(), verified + 2);
    assert!(two.a.audited("login.throttled").await >= 1, "the refusals are on record");
    assert_eq!(two.a.audited("login.failed").await, cap as i64 + 1);
}

// ---------------------------------------------------------------------------------------
// SMS and e-mail login codes: the network's SMS

/// 100 SMS from one /64 through five accounts (a login and 19 resends each), alternating
/// between the instances: the cap is reached once. The next login from the network opens on
/// e-mail, switching it to SMS is refused, and so is another account's setup SMS, each with
/// the time the first SMS leaves the 24 h; another network is not affected.
#[tokio::test]
async fn a_networks_hundred_sms_a_day_are_counted_once_across_both_instances_and_every_path() {
    let two = Two::start().await;
    let policy = two.a.state.config.policy.clone();
    let (cap, per_account) = (policy.sms_per_network as usize, policy.login_codes_per_channel as usize);
    let first_sms = two.now();
    let mut requests = 0;
    for i in 0..cap / per_account {
        let email = format!("pump{i}@example.org");
        two.a.user(&email, PW, "member").await;
        let s = logged_in_at(&Client::new(two.at(requests), v6(5, i as u16 + 1)), &email, "/mfa").await;
        requests += 1;
        for k in 2..=per_account {
            two.advance(policy.resend_cooldown_secs);
            let res = s.via(two.at(requests)).resend().await;
            requests += 1;
            assert_eq!(res.status, StatusCode::OK, "{email}, SMS {k}: {res:?}");
        }
    }
    assert_eq!(count(&two.a, "SELECT count(*) FROM sms_sends").await, cap as i64);
    assert_eq!(two.a.delivered_to(PHONE).await, cap);

    // The 101st: a login from the network opens on e-mail.
    two.a.user("pump5@example.org", PW, "member").await;
    let s = logged_in_at(&Client::new(&two.b, v6(5, 100)), "pump5@example.org", "/mfa").await;
    let status = s.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"method\":\"Email\""), "{status}");
    assert_eq!(two.a.delivered_to("pump5@example.org").await, 1);
    // Switching it to SMS, through A.
    let fields =
        refused(&s.via(&two.a).post("/api/mfa/switch", "method=sms").await, StatusCode::TOO_MANY_REQUESTS, "SmsCapped");
    assert_eq!(fields["free_at"], first_sms + DAY);
    // A new phone's setup SMS, for another account, through B.
    two.a.user_without_mfa(NEU, PW, "member").await;
    let setup = logged_in_at(&Client::new(&two.b, v6(5, 200)), NEU, "/mfa/setup").await;
    let res = setup.post("/api/mfa/setup", &form(&[("phone", NEW_PHONE)])).await;
    let fields = refused(&res, StatusCode::TOO_MANY_REQUESTS, "SmsCapped");
    assert_eq!(fields["free_at"], first_sms + DAY);

    assert_eq!(count(&two.a, "SELECT count(*) FROM sms_sends").await, cap as i64);
    assert_eq!(count(&two.a, "SELECT count(*) FROM outbox WHERE channel = 'sms'").await, cap as i64);
    assert_eq!(two.a.delivered_to(PHONE).await + two.a.delivered_to(NEW_PHONE).await, cap, "no SMS past the cap");
    assert_eq!(two.a.audited("sms.capped").await, 2);
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE locked_until IS NOT NULL").await, 0);
    // Another network is not affected.
    let setup = logged_in_at(&Client::new(&two.a, ip(7)), NEU, "/mfa/setup").await;
    assert_eq!(setup.post("/api/mfa/setup", &form(&[("phone", NEW_PHONE)])).await.status, StatusCode::OK);
    assert_eq!(count(&two.a, "SELECT count(*) FROM sms_sends").await, cap as i64 + 1);
}

// ---------------------------------------------------------------------------------------
// Anonymous writes: registrations and forgotten passwords

/// Registrations and forgotten-password requests from one network, both kinds through both
/// instances: ten in the hour together; the eleventh of either kind is refused through
/// either instance, stores nothing and sends nothing, until the first is an hour old.
#[tokio::test]
async fn registrations_and_forgotten_passwords_share_ten_a_network_an_hour_across_both_instances() {
    let two = Two::start().await;
    let cap = two.a.state.config.policy.anonymous_requests_per_ip as usize;
    let from = ip(9);
    let mut registered = 0;
    for n in 0..cap {
        let c = Client::new(two.at(n), from);
        if n % 4 < 2 {
            assert_eq!(forgot(&c, &format!("x{n}@example.org")).await.status, StatusCode::OK, "request {}", n + 1);
        } else {
            let res = register(&c, &format!("r{n}@example.org")).await;
            assert_eq!(res.header(header::LOCATION).as_deref(), Some("/register"), "request {}: {res:?}", n + 1);
            registered += 1;
        }
    }
    assert_eq!(count(&two.a, "SELECT count(*) FROM anonymous_requests").await, cap as i64);
    let outbox = count(&two.a, "SELECT count(*) FROM outbox").await;
    for app in [&two.b, &two.a] {
        let c = Client::new(app, from);
        for res in [register(&c, "zoe@example.org").await, forgot(&c, "zoe@example.org").await] {
            refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
            assert_eq!(retry_after(&res).as_deref(), Some("3600"), "{res:?}");
            assert!(res.registration_token().is_none());
        }
    }
    assert_eq!(count(&two.a, "SELECT count(*) FROM registrations").await, registered);
    assert_eq!(count(&two.a, "SELECT count(*) FROM anonymous_requests").await, cap as i64);
    assert_eq!(count(&two.a, "SELECT count(*) FROM outbox").await, outbox, "nothing sent");
    assert_eq!(two.a.audited("password_reset.requested").await, cap as i64 - registered);
    // Another network is not affected.
    assert_eq!(forgot(&Client::new(&two.b, ip(10)), "y@example.org").await.status, StatusCode::OK);

    two.advance(3599);
    let res = register(&Client::new(&two.a, from), "zoe@example.org").await;
    refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
    assert_eq!(retry_after(&res).as_deref(), Some("1"));
    two.advance(1);
    let res = register(&Client::new(&two.b, from), "zoe@example.org").await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/register"), "an hour later: {res:?}");
}

// ---------------------------------------------------------------------------------------
// One-time links: forgotten password

/// Six forgotten-password requests for one account, each from another network, alternating
/// between the instances: five links; the sixth answers exactly as the others and sends
/// nothing, and does not void the fifth link. The count frees exactly 24 h after the five.
#[tokio::test]
async fn five_forgotten_password_links_a_day_per_account_whichever_network_and_instance_asks() {
    let two = Two::start().await;
    two.a.user(ANNA, PW, "member").await;
    let limit = two.a.state.config.policy.password_reset_links_per_window as usize;
    let mut answers = Vec::new();
    for n in 0..=limit {
        let res = forgot(&Client::new(two.at(n), ip(30 + n as u8)), ANNA).await;
        answers.push((res.status, res.header(header::LOCATION), res.body));
    }
    assert_eq!(answers[0].0, StatusCode::OK);
    assert!(answers.iter().all(|a| *a == answers[0]), "the sixth answers as the five before it: {answers:?}");
    assert_eq!(two.a.delivered_to(ANNA).await, limit, "the sixth sent nothing");
    assert_eq!(count(&two.a, "SELECT count(*) FROM links WHERE kind = 'password_reset'").await, limit as i64);
    let sent =
        "SELECT count(*) FROM audit_events WHERE kind = 'password_reset.requested' AND detail LIKE '%\"sent\":true%'";
    let not_sent =
        "SELECT count(*) FROM audit_events WHERE kind = 'password_reset.requested' AND detail LIKE '%\"sent\":false%'";
    assert_eq!((count(&two.a, sent).await, count(&two.a, not_sent).await), (limit as i64, 1));
    // The newest link still works: the sixth request did not replace it.
    assert_eq!(count(&two.a, "SELECT count(*) FROM links WHERE state = 'open'").await, 1);
    let token = two.a.link_token(ANNA).await;
    let follow = Client::new(&two.b, ip(40)).post("/api/password/reset", &form(&[("token", &token)])).await;
    assert_eq!(follow.header(header::LOCATION).as_deref(), Some("/mfa"), "{follow:?}");

    two.advance(DAY - 1);
    forgot(&Client::new(&two.b, ip(41)), ANNA).await;
    assert_eq!(two.a.delivered_to(ANNA).await, limit, "24 h less a second after the five: nothing");
    two.advance(1);
    forgot(&Client::new(&two.a, ip(42)), ANNA).await;
    assert_eq!(two.a.delivered_to(ANNA).await, limit + 1, "24 h after the five: a link");
    assert_eq!(count(&two.a, sent).await, limit as i64 + 1);
}

// ---------------------------------------------------------------------------------------
// Registration e-mail code

/// One registration's codes, resent through both instances: the fifth send is the last;
/// the sixth is refused with 410 through either instance and sends nothing.
#[tokio::test]
async fn one_registration_sends_at_most_five_codes_through_either_instance() {
    let two = Two::start().await;
    let policy = two.a.state.config.policy.clone();
    let max = policy.registration_codes_max as usize;
    let address = "jana@holz-meier.de";
    let c = Client::new(&two.a, ip(7));
    let res = register(&c, address).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/register"), "{res:?}");
    let reg = c.with_cookie(&format!("riegel_registration={}", res.registration_token().unwrap()));
    for n in 1..max {
        two.advance(policy.resend_cooldown_secs);
        let res = reg.via(two.at(n)).post("/api/register/resend", "").await;
        assert_eq!(res.status, StatusCode::OK, "send {}: {res:?}", n + 1);
    }
    let status = reg.via(&two.b).post("/api/register/status", "").await.body;
    assert!(status.contains("\"codes_left\":0"), "{status}");
    two.advance(policy.resend_cooldown_secs);
    for app in [&two.b, &two.a] {
        refused(&reg.via(app).post("/api/register/resend", "").await, StatusCode::GONE, "RegistrationExpired");
    }
    assert_eq!(two.a.delivered_to(address).await, max);
    assert_eq!(count(&two.a, "SELECT codes_sent FROM registrations").await, max as i64);
    assert_eq!(two.a.audited("registration.started").await, max as i64);
    assert_eq!(count(&two.a, "SELECT count(*) FROM users").await, 0);
}

// ---------------------------------------------------------------------------------------
// Setup SMS code

/// Five wrong codes at setup, alternating between the instances, end the setup challenge:
/// the fourth leaves one try, the fifth ends it, and then even the right code is refused.
/// They are setup's own: no wrong entry of a login counts. A new code starts a new challenge.
#[tokio::test]
async fn five_wrong_setup_codes_through_both_instances_end_the_setup_challenge() {
    let two = Two::start().await;
    two.a.user_without_mfa(NEU, PW, "member").await;
    let s = logged_in_at(&Client::new(&two.a, ip(1)), NEU, "/mfa/setup").await;
    assert_eq!(s.post("/api/mfa/setup", &form(&[("phone", NEW_PHONE)])).await.status, StatusCode::OK);
    let code = two.a.code_for(NEW_PHONE).await;
    let wrong = other_than(&code);
    let tries = two.a.state.config.policy.code_max_failures as usize;
    for n in 0..tries - 1 {
        let fields = refused(&s.via(two.at(n)).verify(&wrong).await, StatusCode::UNPROCESSABLE_ENTITY, "CodeWrong");
        assert_eq!(fields["tries_left"], tries - n - 1);
    }
    refused(&s.via(two.at(tries - 1)).verify(&wrong).await, StatusCode::CONFLICT, "ChallengeExhausted");
    for app in [&two.a, &two.b] {
        refused(&s.via(app).verify(&code).await, StatusCode::CONFLICT, "ChallengeExhausted");
    }
    let status = s.via(&two.b).post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"exhausted\":true") && status.contains("\"tries_left\":0"), "{status}");
    assert_eq!(s.me().await, "null");
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE phone_verified_at IS NOT NULL").await, 0);
    assert_eq!(two.a.audited("code.refused").await, tries as i64);
    assert_eq!(two.a.audited("challenge.exhausted").await, 1);
    assert_eq!(count(&two.a, "SELECT count(*) FROM wrong_entries").await, 0, "setup's wrong codes are its own");

    // A new code, through B: the old one is void, the new one sets the phone up.
    two.advance(two.a.state.config.policy.resend_cooldown_secs);
    assert_eq!(s.via(&two.b).resend().await.status, StatusCode::OK);
    let fresh = two.a.code_for(NEW_PHONE).await;
    if fresh != code {
        refused(&s.verify(&code).await, StatusCode::UNPROCESSABLE_ENTITY, "CodeWrong");
    }
    assert!(s.via(&two.b).verify(&fresh).await.session_token().is_some());
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE phone_verified_at IS NOT NULL").await, 1);
}

/// Setup SMS over three sessions, each a new login, alternating between the instances: 15
/// are sent; the 16th is refused through a new session and an old one, through either
/// instance, with the time the first leaves the 24 h, and nothing locks. Exactly then one
/// more is sent.
#[tokio::test]
async fn setup_sms_stop_at_fifteen_a_day_across_new_sessions_and_both_instances() {
    let two = Two::start().await;
    let policy = two.a.state.config.policy.clone();
    let quota = policy.setup_sms_quota as usize;
    two.a.user_without_mfa(NEU, PW, "member").await;
    let first_sms = two.now();
    let mut sent = 0;
    let mut sessions = Vec::new();
    while sent < quota {
        let s = logged_in_at(&Client::new(two.at(sessions.len()), ip(1)), NEU, "/mfa/setup").await;
        if sent > 0 {
            two.advance(policy.resend_cooldown_secs);
        }
        let res = s.post("/api/mfa/setup", &form(&[("phone", NEW_PHONE)])).await;
        assert_eq!(res.status, StatusCode::OK, "SMS {}: {res:?}", sent + 1);
        sent += 1;
        for _ in 0..4 {
            two.advance(policy.resend_cooldown_secs);
            assert_eq!(s.via(two.at(sent)).resend().await.status, StatusCode::OK, "SMS {}", sent + 1);
            sent += 1;
        }
        sessions.push(s);
    }
    assert_eq!((sent, sessions.len()), (quota, 3));
    two.advance(policy.resend_cooldown_secs);
    let new_session = logged_in_at(&Client::new(&two.b, ip(1)), NEU, "/mfa/setup").await;
    let last = sessions.last().unwrap();
    for res in [
        new_session.post("/api/mfa/setup", &form(&[("phone", NEW_PHONE)])).await,
        last.via(&two.a).resend().await,
        last.via(&two.b).resend().await,
    ] {
        let fields = refused(&res, StatusCode::TOO_MANY_REQUESTS, "QuotaExceeded");
        assert_eq!(fields["free_at"], first_sms + DAY, "when the first SMS leaves the 24 h");
    }
    assert_eq!(two.a.delivered_to(NEW_PHONE).await, quota);
    let setup_sends = "SELECT count(*) FROM code_sends WHERE purpose = 'setup'";
    assert_eq!(count(&two.a, setup_sends).await, quota as i64);
    assert_eq!(two.a.audited("quota.exceeded").await, 3);
    assert_eq!(two.a.audited("account.locked").await, 0, "setup's quota locks nothing");
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE locked_until IS NOT NULL").await, 0);

    // A second before the first SMS is 24 h old: still refused; at that second, one more.
    two.advance(first_sms + DAY - 1 - two.now());
    let s = logged_in_at(&Client::new(&two.a, ip(1)), NEU, "/mfa/setup").await;
    let res = s.post("/api/mfa/setup", &form(&[("phone", NEW_PHONE)])).await;
    refused(&res, StatusCode::TOO_MANY_REQUESTS, "QuotaExceeded");
    two.advance(1);
    assert_eq!(s.via(&two.b).post("/api/mfa/setup", &form(&[("phone", NEW_PHONE)])).await.status, StatusCode::OK);
    assert_eq!(count(&two.a, setup_sends).await, quota as i64 + 1);
}

// ---------------------------------------------------------------------------------------
// TAN

/// Three wrong TANs, from two sessions of the account and through both instances, each to
/// the TAN of its own session: the second leaves one try, the third locks the TAN system.
/// Then even the right TAN of the other session is refused, and a new session gets no TAN.
#[tokio::test]
async fn three_wrong_tans_over_two_sessions_and_both_instances_lock_the_tan_system() {
    let two = Two::start().await;
    let first = logged_in(&two.a, ANNA, "member").await;
    let second = logged_in_at(&Client::new(&two.b, ip(1)), ANNA, "/").await;
    let iban = "DE89370400440532013000";
    let mut tans = Vec::new();
    for s in [&first, &second] {
        refused(&change_bank(s, iban, "").await, StatusCode::PRECONDITION_REQUIRED, "TanRequired");
        tans.push(two.a.tan_for(PHONE).await.0);
    }
    let wrong = ["222222", "333333", "444444"].into_iter().find(|w| !tans.iter().any(|t| t == w)).unwrap();

    let fields =
        refused(&change_bank(&first.via(&two.a), iban, wrong).await, StatusCode::UNPROCESSABLE_ENTITY, "TanWrong");
    assert_eq!(fields["tries_left"], 2);
    let fields =
        refused(&change_bank(&second.via(&two.b), iban, wrong).await, StatusCode::UNPROCESSABLE_ENTITY, "TanWrong");
    assert_eq!(fields["tries_left"], 1, "the second wrong TAN is still checked");
    refused(&change_bank(&first.via(&two.b), iban, wrong).await, StatusCode::LOCKED, "TanLocked");
    // Even the right TAN of the second session, through A.
    refused(&change_bank(&second.via(&two.a), iban, &tans[1]).await, StatusCode::LOCKED, "TanLocked");
    // A new session through B gets no TAN at all.
    let third = logged_in_at(&Client::new(&two.b, ip(1)), ANNA, "/").await;
    refused(&change_bank(&third, iban, "").await, StatusCode::LOCKED, "TanLocked");

    assert_eq!(count(&two.a, "SELECT tan_wrong_in_a_row FROM users").await, 3);
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE tan_locked_at IS NOT NULL").await, 1);
    assert_eq!(count(&two.a, "SELECT count(*) FROM bank_accounts").await, 0);
    assert_eq!(two.a.audited("tan.refused").await, 3);
    assert_eq!(two.a.audited("tan.locked").await, 1);
    assert_eq!(two.a.audited("tan.issued").await, 2, "no TAN after the lock");
    assert_eq!(two.a.audited("bank_account.changed").await, 0);
}

// ---------------------------------------------------------------------------------------
// Device key: the pairing link

/// A pairing link made in the settings of `s`, behind a TAN: its token.
async fn pairing_token(t: &TestApp, s: &Client) -> String {
    let res = with_tan(t, s, "/api/push/pairing", "Push-Bestätigung").await;
    let p: Value = serde_json::from_str(&res.body).unwrap();
    let link = p["link"].as_str().unwrap();
    link.strip_prefix("https://portal.example/device?pair=").expect("a pairing link").to_owned()
}

/// What the device page sends with the link's token: a new key's public half.
async fn pair_device(c: &Client, token: &str) -> Answer {
    let public_key = URL_SAFE_NO_PAD.encode(spki(&new_key()));
    c.post("/api/device/pair", &form(&[("pairing", token), ("public_key", &public_key), ("name", "Telefon")])).await
}

/// A pairing link used through the other instance: ten minutes less a second after it was
/// made it pairs; at ten minutes it is refused with 410 and pairs nothing.
#[tokio::test]
async fn a_pairing_link_pairs_until_ten_minutes_and_not_at_ten_minutes_through_either_instance() {
    let two = Two::start().await;
    let s = logged_in(&two.a, ANNA, "member").await;

    let expired = pairing_token(&two.a, &s).await;
    two.advance(10 * 60);
    refused(&pair_device(&Client::new(&two.b, ip(60)), &expired).await, StatusCode::GONE, "LinkInvalid");
    assert_eq!(count(&two.a, "SELECT count(*) FROM push_devices").await, 0);
    assert_eq!(two.a.audited("push.device_paired").await, 0);

    let fresh = pairing_token(&two.a, &s.via(&two.b)).await;
    two.advance(10 * 60 - 1);
    let res = pair_device(&Client::new(&two.b, ip(60)), &fresh).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert!(res.header(header::SET_COOKIE).is_some_and(|c| c.starts_with("riegel_device=")));
    assert_eq!(count(&two.a, "SELECT count(*) FROM push_devices").await, 1);
    assert_eq!(count(&two.a, "SELECT count(*) FROM push_pairings").await, 0);
    assert_eq!(two.a.audited("push.device_paired").await, 1);
}

// ---------------------------------------------------------------------------------------
// Push answers: the push quota

/// Pushes over four logins, each from a new IP, alternating between the instances: 20 are
/// sent, the screen says none is left; the 21st, from a fifth login through the other
/// instance, is refused and locks the account for 24 h.
#[tokio::test]
async fn the_push_quota_holds_across_new_logins_and_both_instances_and_the_one_past_it_locks() {
    let two = Two::start().await;
    paired(&two.a).await;
    let quota = two.a.state.config.policy.login_codes_per_channel as usize;
    let mut sent = 0;
    let mut login = 0;
    while sent < quota {
        let s = logged_in_at(&Client::new(two.at(login), ip(10 + login as u8)), ANNA, "/mfa").await;
        login += 1;
        for _ in 0..5 {
            let s = s.via(two.at(sent));
            assert_eq!(s.post("/api/mfa/push", "").await.status, StatusCode::OK, "push {}", sent + 1);
            sent += 1;
            let status = s.post("/api/mfa/status", "").await.body;
            assert!(status.contains("\"state\":\"Pending\""), "{status}");
            // Unanswered until it expires, two minutes.
            two.advance(120);
        }
    }
    assert_eq!(login, 4);
    assert_eq!(count(&two.a, "SELECT count(*) FROM push_requests").await, quota as i64);
    let last = logged_in_at(&Client::new(&two.b, ip(20)), ANNA, "/mfa").await;
    let status = last.post("/api/mfa/status", "").await.body;
    assert!(status.contains("\"pushes_left\":0"), "{status}");
    let now = two.now();
    let fields = refused(&last.via(&two.a).post("/api/mfa/push", "").await, StatusCode::LOCKED, "AccountLocked");
    assert_eq!(fields["until"], now + DAY);

    assert_eq!(count(&two.a, "SELECT count(*) FROM push_requests").await, quota as i64);
    assert_eq!(two.a.audited("push.sent").await, quota as i64);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_events WHERE kind = 'quota.exceeded'")
        .fetch_one(&two.a.state.pool)
        .await
        .unwrap();
    assert!(detail.contains("\"channel\":\"push\""), "{detail}");
    assert_eq!(two.a.audited("account.locked").await, 1);
    assert_eq!(count(&two.a, "SELECT locked_until FROM users").await, now + DAY);
    // The lock holds for every login, through either instance, even from the trusted IP.
    for app in [&two.a, &two.b] {
        refused(&Client::new(app, ip(1)).login(ANNA, PW).await, StatusCode::LOCKED, "AccountLocked");
    }
}

// ---------------------------------------------------------------------------------------
// Invitations

/// An admin's invitations from two sessions, through both instances, one of them refused
/// (the address is another organisation's): 20 in the 24 h; the 21st is refused with 429
/// through either instance, from either session and a new one, before any TAN is sent and
/// without a row or a mail. The count frees exactly 24 h after the twenty.
#[tokio::test]
async fn twenty_invitations_a_day_per_admin_across_sessions_and_both_instances() {
    let two = Two::start().await;
    let limit = two.a.state.config.policy.invitations_per_window as usize;
    let first = logged_in(&two.a, "admin@example.org", "admin").await;
    let second = logged_in_at(&Client::new(&two.b, ip(1)), "admin@example.org", "/").await;
    let org: i64 =
        sqlx::query_scalar("INSERT INTO organisations (name, created_at) VALUES ('Fremd AG', 0) RETURNING id")
            .fetch_one(&two.a.state.pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at)
         VALUES ($1, 'eve@fremd.example', 'Eve', 'member', 'x', 0)",
    )
    .bind(org)
    .execute(&two.a.state.pool)
    .await
    .unwrap();
    let kai = |n: usize| format!("kai{n}@example.org");

    // The first session: a TAN, then nine more on the TAN session, through both instances.
    refused(&invite(&first, &kai(1), "").await, StatusCode::PRECONDITION_REQUIRED, "TanRequired");
    let (tan, _) = two.a.tan_for(PHONE).await;
    assert_eq!(invite(&first, &kai(1), &tan).await.status, StatusCode::OK);
    for n in 2..=10 {
        let res = invite(&first.via(two.at(n)), &kai(n), "").await;
        assert_eq!(res.status, StatusCode::OK, "invitation {n}: {res:?}");
    }
    // The second session needs its own TAN.
    refused(&invite(&second, &kai(11), "").await, StatusCode::PRECONDITION_REQUIRED, "TanRequired");
    let (tan, _) = two.a.tan_for(PHONE).await;
    assert_eq!(invite(&second, &kai(11), &tan).await.status, StatusCode::OK);
    for n in 12..limit {
        let res = invite(&second.via(two.at(n)), &kai(n), "").await;
        assert_eq!(res.status, StatusCode::OK, "invitation {n}: {res:?}");
    }
    // The twentieth, refused, counts too.
    let res = invite(&second.via(&two.a), "eve@fremd.example", "").await;
    let (kind, fields) = error_of(&res);
    assert_eq!(
        (res.status, kind.as_str(), &fields),
        (StatusCode::UNPROCESSABLE_ENTITY, "Input", &Value::from("EmailUnavailable"))
    );

    let tans = two.a.audited("tan.issued").await;
    let third = logged_in_at(&Client::new(&two.b, ip(1)), "admin@example.org", "/").await;
    for s in [first.via(&two.b), second.via(&two.a), third] {
        let res = invite(&s, "zoe@example.org", "").await;
        refused(&res, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
        assert!(retry_after(&res).is_some_and(|r| r.parse::<i64>().is_ok_and(|r| r > 0 && r <= DAY)), "{res:?}");
    }
    assert_eq!(two.a.audited("tan.issued").await, tans, "refused before a TAN is sent");
    assert_eq!(two.a.audited("invitation.sent").await, limit as i64 - 1);
    assert_eq!(two.a.audited("invitation.refused").await, 1);
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE email LIKE 'kai%'").await, limit as i64 - 1);
    assert_eq!(count(&two.a, "SELECT count(*) FROM users WHERE email = 'late@example.org'").await, 0);
    let mailed = "SELECT count(*) FROM outbox WHERE channel = 'email' AND recipient LIKE 'kai%'";
    assert_eq!(count(&two.a, mailed).await, limit as i64 - 1);
    assert_eq!(count(&two.a, "SELECT count(*) FROM outbox WHERE recipient = 'late@example.org'").await, 0);

    // 24 h less a second after the twenty: still refused; at 24 h, an invitation again.
    two.advance(DAY - 1);
    let s = logged_in_at(&Client::new(&two.a, ip(1)), "admin@example.org", "/").await;
    refused(&invite(&s, "zoe@example.org", "").await, StatusCode::TOO_MANY_REQUESTS, "TooManyAttempts");
    two.advance(1);
    refused(&invite(&s.via(&two.b), "zoe@example.org", "").await, StatusCode::PRECONDITION_REQUIRED, "TanRequired");
    let (tan, _) = two.a.tan_for(PHONE).await;
    assert_eq!(invite(&s, "zoe@example.org", &tan).await.status, StatusCode::OK);
    assert_eq!(two.a.audited("invitation.sent").await, limit as i64);
}

/// The team page's invitation of a colleague (`tan` empty to ask for one).
async fn invite(s: &Client, email: &str, tan: &str) -> Answer {
    s.post("/api/team/invite", &form(&[("full_name", "Kai Kollege"), ("email", email), ("tan", tan)])).await
}
