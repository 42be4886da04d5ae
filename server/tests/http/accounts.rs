//! Accounts and support (SPEC 2.1, 6): registration, invitations, disabled accounts, the
//! forgotten password, the phone reset, the support console and the audit log.

use http::{StatusCode, header};

use crate::harness::{Client, PHONE, PW, TestApp, count, ip, logged_in, serde_urlencoded as form};

const STRONG: &str = "Kiefer-Wolke-Laterne-73";

async fn register(c: &Client, email: &str, password: &str) -> crate::harness::Answer {
    let body = form(&[
        ("company", "Holzbau Meier GmbH"),
        ("full_name", "Jana Becker"),
        ("email", email),
        ("password", password),
    ]);
    c.post("/api/register", &body).await
}

/// Runs a TAN-protected request: first without a TAN (one is sent), then with it.
async fn with_tan(t: &TestApp, c: &Client, path: &str, pairs: &[(&str, &str)]) -> crate::harness::Answer {
    let asked = c.post(path, &form(&[pairs, &[("tan", "")]].concat())).await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED, "{}", asked.body);
    let (tan, _) = t.tan_for(PHONE).await;
    c.post(path, &form(&[pairs, &[("tan", tan.as_str())]].concat())).await
}

#[tokio::test]
async fn registration_proves_the_address_then_creates_the_organisation_and_goes_to_mfa_setup() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(7));
    let res = register(&c, "jana@holz-meier.de", STRONG).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/register"), "{res:?}");
    let reg = c.with_cookie(&format!("riegel_registration={}", res.registration_token().unwrap()));
    assert_eq!(count(&t, "SELECT count(*) FROM users").await, 0, "no account before the e-mail code");
    let status = reg.post("/api/register/status", "").await;
    assert!(status.body.contains("@holz-meier.de") && !status.body.contains("jana@"), "masked: {}", status.body);

    let wrong = reg.post("/api/register/verify", "code=000000").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = t.code_for("jana@holz-meier.de").await;
    let done = reg.post("/api/register/verify", &format!("code={code}")).await;
    assert_eq!(done.header(header::LOCATION).as_deref(), Some("/mfa/setup"), "{done:?}");
    let session = c.with_session(&done.session_token().unwrap());
    let mfa = session.post("/api/mfa/status", "").await;
    assert!(mfa.body.contains("\"flow\":\"Registration\""), "{}", mfa.body);
    let (role, org): (String, String) = sqlx::query_as(
        "SELECT u.role, o.name FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.email = $1",
    )
    .bind("jana@holz-meier.de")
    .fetch_one(&t.state.pool)
    .await
    .unwrap();
    assert_eq!((role.as_str(), org.as_str()), ("admin", "Holzbau Meier GmbH"));
    // The code worked once: the registration is gone.
    assert_eq!(reg.post("/api/register/verify", &format!("code={code}")).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn a_weak_password_is_refused_with_its_reason_and_nothing_is_stored() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(7));
    for (pw, reason) in [
        ("Password1234", "PasswordCommon"),
        ("aaaaaaaaaaaaaaaa", "PasswordPattern"),
        ("Jana-Becker-Holz!", "PasswordPersonal"),
        ("kurz", "PasswordTooShort"),
    ] {
        let res = register(&c, "jana@holz-meier.de", pw).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        assert!(res.body.contains(reason), "{pw}: {}", res.body);
    }
    assert_eq!(count(&t, "SELECT count(*) FROM registrations").await, 0);
    assert_eq!(count(&t, "SELECT count(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn registering_a_taken_address_looks_the_same_and_only_tells_the_owner() {
    let t = TestApp::start().await;
    t.user("owner@example.org", PW, "member").await;
    let c = Client::new(&t, ip(7));
    let fresh = register(&c, "someone-new@example.org", STRONG).await;
    let taken = register(&c, "owner@example.org", STRONG).await;
    assert_eq!(fresh.status, taken.status);
    assert_eq!(fresh.header(header::LOCATION), taken.header(header::LOCATION));
    assert!(taken.registration_token().is_some());
    let notice = t.message_to("owner@example.org").await;
    assert!(notice.contains("bereits ein Konto"), "{notice}");
    assert!(crate::harness::six_digits(&notice).is_none(), "the owner gets no code: {notice}");
    let reg = c.with_cookie(&format!("riegel_registration={}", taken.registration_token().unwrap()));
    for _ in 0..4 {
        assert_eq!(reg.post("/api/register/verify", "code=123456").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(reg.post("/api/register/verify", "code=123456").await.status, StatusCode::GONE);
    assert_eq!(count(&t, "SELECT count(*) FROM users").await, 1);
}

#[tokio::test]
async fn anonymous_requests_are_capped_per_ip() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(9));
    for i in 0..10 {
        let res = c.post("/api/password/forgot", &form(&[("email", &format!("x{i}@example.org"))])).await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let res = c.post("/api/password/forgot", "email=x99%40example.org").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.header(header::RETRY_AFTER).is_some());
    // Another IP is not affected.
    assert_eq!(
        Client::new(&t, ip(10)).post("/api/password/forgot", "email=y%40example.org").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_invitation_is_single_use_for_its_own_kind_and_leads_to_setup() {
    let t = TestApp::start().await;
    let admin = logged_in(&t, "admin@example.org", "admin").await;
    let res =
        with_tan(&t, &admin, "/api/team/invite", &[("full_name", "Kai Kollege"), ("email", "kai@example.org")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let token = t.link_token("kai@example.org").await;
    let anon = Client::new(&t, ip(20));
    // Before the link sets a password, nobody logs in to the account.
    assert_eq!(anon.login("kai@example.org", STRONG).await.status, StatusCode::UNAUTHORIZED);
    let info = anon.post("/api/invitation", &form(&[("token", &token)])).await;
    assert!(info.body.contains("Kai Kollege") && info.body.contains("Muster GmbH"), "{}", info.body);
    // A link of another kind with this token is nothing.
    let other = anon.post("/api/password/reset", &form(&[("token", &token)])).await;
    assert_eq!(other.status, StatusCode::GONE);

    let weak = anon.post("/api/invitation/accept", &form(&[("token", &token), ("password", "Kai-Kollege-2026")])).await;
    assert!(weak.body.contains("PasswordPersonal"), "{}", weak.body);
    let ok = anon.post("/api/invitation/accept", &form(&[("token", &token), ("password", STRONG)])).await;
    assert_eq!(ok.header(header::LOCATION).as_deref(), Some("/mfa/setup"), "{ok:?}");
    let again = anon.post("/api/invitation/accept", &form(&[("token", &token), ("password", STRONG)])).await;
    assert_eq!(again.status, StatusCode::GONE, "single use");
    let (res, _) = anon.password("kai@example.org", STRONG).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa/setup"), "own phone next");

    let team = admin.post("/api/team", "").await;
    assert!(team.body.contains("SetupPending"), "{}", team.body);
    assert_eq!(t.audited("invitation.accepted").await, 1);
}

#[tokio::test]
async fn an_expired_or_replaced_invitation_is_refused() {
    let t = TestApp::start().await;
    let admin = logged_in(&t, "admin@example.org", "admin").await;
    with_tan(&t, &admin, "/api/team/invite", &[("full_name", "Kai Kollege"), ("email", "kai@example.org")]).await;
    let first = t.link_token("kai@example.org").await;
    // Invited again (per-session TAN still open): the first link is void.
    let res =
        admin.post("/api/team/invite", &form(&[("full_name", "Kai Kollege"), ("email", "kai@example.org")])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let second = t.link_token("kai@example.org").await;
    assert_ne!(first, second);
    let anon = Client::new(&t, ip(20));
    assert_eq!(anon.post("/api/invitation", &form(&[("token", &first)])).await.status, StatusCode::GONE);
    // 72 hours later.
    t.state.clock.advance(72 * 3600);
    assert_eq!(anon.post("/api/invitation", &form(&[("token", &second)])).await.status, StatusCode::GONE);
    assert_eq!(
        anon.post("/api/invitation/accept", &form(&[("token", &second), ("password", STRONG)])).await.status,
        StatusCode::GONE
    );
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_its_sessions_end() {
    let t = TestApp::start().await;
    let admin = logged_in(&t, "admin@example.org", "admin").await;
    let member = logged_in(&t, "max@example.org", "member").await;
    let max: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'max@example.org'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert!(member.me().await.contains("max@example.org"));
    // Only the admin, and never for themself or another organisation's account.
    assert_eq!(
        member.post("/api/team/enabled", &format!("user_id={max}&enabled=false")).await.status,
        StatusCode::FORBIDDEN
    );
    let id = max.to_string();
    let res = with_tan(&t, &admin, "/api/team/enabled", &[("user_id", &id), ("enabled", "false")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(member.me().await, "null", "the colleague's session ended");
    let c = Client::new(&t, ip(1));
    let refused = c.login("max@example.org", PW).await;
    let unknown = c.login("nobody@example.org", PW).await;
    assert_eq!((refused.status, refused.body.clone()), (unknown.status, unknown.body), "same as an unknown address");
    let res = admin.post("/api/team/enabled", &format!("user_id={max}&enabled=true")).await;
    assert_eq!(res.status, StatusCode::OK, "per-session TAN covers it: {}", res.body);
    assert_eq!(c.login("max@example.org", PW).await.header(header::LOCATION).as_deref(), Some("/"));
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@example.org'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    let me = admin.post("/api/team/enabled", &format!("user_id={admin_id}&enabled=false")).await;
    assert_eq!(me.status, StatusCode::FORBIDDEN);
    let actor: Option<i64> =
        sqlx::query_scalar("SELECT actor_id FROM audit_events WHERE kind = 'account.disabled' AND user_id = $1")
            .bind(max)
            .fetch_one(&t.state.pool)
            .await
            .unwrap();
    assert_eq!(actor, Some(admin_id));
}

#[tokio::test]
async fn a_forgotten_password_needs_the_link_and_the_phone_then_ends_every_session() {
    let t = TestApp::start().await;
    let old = logged_in(&t, "anna@example.org", "member").await;
    let anon = Client::new(&t, ip(30));
    let unknown = anon.post("/api/password/forgot", "email=nobody%40example.org").await;
    let known = anon.post("/api/password/forgot", "email=anna%40example.org").await;
    assert_eq!(
        (unknown.status, unknown.header(header::LOCATION), unknown.body),
        (known.status, known.header(header::LOCATION), known.body),
        "the same answer whether or not an account has the address"
    );
    let token = t.link_token("anna@example.org").await;

    let follow = anon.post("/api/password/reset", &form(&[("token", &token)])).await;
    assert_eq!(follow.header(header::LOCATION).as_deref(), Some("/mfa"), "{follow:?}");
    let reset = anon.with_session(&follow.session_token().unwrap());
    let status = reset.post("/api/mfa/status", "").await;
    assert!(status.body.contains("\"flow\":\"PasswordReset\""), "{}", status.body);
    assert!(status.body.contains("\"other_methods\":[]"), "only the phone: {}", status.body);
    let early = reset.post("/api/password/new", &form(&[("password", STRONG)])).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "challenge first");
    assert_eq!(anon.post("/api/password/reset", &form(&[("token", &token)])).await.status, StatusCode::GONE);

    let code = t.code_for(PHONE).await;
    let passed = reset.verify(&code).await;
    assert_eq!(passed.header(header::LOCATION).as_deref(), Some("/password/new"), "{passed:?}");
    let new_pw = anon.with_session(&passed.session_token().unwrap());
    assert_eq!(new_pw.me().await, "null", "not logged in");
    let weak = new_pw.post("/api/password/new", "password=password123456").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = new_pw.post("/api/password/new", &form(&[("password", STRONG)])).await;
    assert_eq!(done.header(header::LOCATION).as_deref(), Some("/login?reset=done"), "{done:?}");
    assert_eq!(old.me().await, "null", "every session ended");
    assert!(t.message_to("anna@example.org").await.contains("neu gesetzt"));
    assert_eq!(anon.login("anna@example.org", PW).await.status, StatusCode::UNAUTHORIZED);
    let (res, _) = Client::new(&t, ip(1)).password("anna@example.org", STRONG).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "trusted IP forgotten");
}

#[tokio::test]
async fn a_forgotten_password_link_expires_after_an_hour() {
    let t = TestApp::start().await;
    t.user("anna@example.org", PW, "member").await;
    let anon = Client::new(&t, ip(30));
    anon.post("/api/password/forgot", "email=anna%40example.org").await;
    let token = t.link_token("anna@example.org").await;
    t.state.clock.advance(3600);
    assert_eq!(anon.post("/api/password/reset", &form(&[("token", &token)])).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn support_sends_a_phone_reset_that_replaces_mfa_once_and_ends_other_sessions() {
    let t = TestApp::start().await;
    let user = logged_in(&t, "anna@example.org", "member").await;
    let uid: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'anna@example.org'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    // Only support agents reach the console.
    assert_eq!(user.post("/api/support/search", "q=anna").await.status, StatusCode::FORBIDDEN);
    let agent = t.support_agent().await;
    let hits = agent.post("/api/support/search", "q=muster").await;
    assert!(hits.body.contains("anna@example.org"), "{}", hits.body);
    let short = agent.post("/api/support/phone-reset", &format!("user_id={uid}&reason=call")).await;
    assert!(short.body.contains("ReasonMissing"), "{}", short.body);
    let res = agent
        .post("/api/support/phone-reset", &format!("user_id={uid}&reason=lost%20her%20phone%2C%20ticket%2042"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let token = t.link_token("anna@example.org").await;

    // The link's page checks it first.
    let newcomer = Client::new(&t, ip(40));
    assert_eq!(newcomer.post("/api/phone/reset/check", &form(&[("token", &token)])).await.status, StatusCode::OK);
    assert_eq!(newcomer.post("/api/phone/reset/check", "token=forged").await.status, StatusCode::GONE);
    // Another account's right password with this link fails like a wrong password (no
    // oracle for the password), and the link stays usable.
    t.user("bob@example.org", PW, "member").await;
    let foreign = newcomer
        .post("/api/login", &form(&[("email", "bob@example.org"), ("password", PW), ("phone_reset", &token)]))
        .await;
    let wrong = newcomer
        .post(
            "/api/login",
            &form(&[("email", "bob@example.org"), ("password", "not it at all"), ("phone_reset", &token)]),
        )
        .await;
    assert_eq!((foreign.status, &foreign.body), (StatusCode::UNAUTHORIZED, &wrong.body));
    assert_eq!(t.delivered_to(PHONE).await, 0, "no challenge SMS went out for bob");
    let res = newcomer
        .post("/api/login", &form(&[("email", "anna@example.org"), ("password", PW), ("phone_reset", &token)]))
        .await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa/setup"), "{res:?}");
    let setup = newcomer.with_session(&res.session_token().unwrap());
    assert!(setup.post("/api/mfa/status", "").await.body.contains("\"flow\":\"PhoneReset\""));
    let new_phone = "+4915199887766";
    assert_eq!(setup.post("/api/mfa/setup", &form(&[("phone", new_phone)])).await.status, StatusCode::OK);
    let code = t.code_for(new_phone).await;
    let done = setup.verify(&code).await;
    assert_eq!(done.header(header::LOCATION).as_deref(), Some("/"), "{done:?}");
    assert_eq!(user.me().await, "null", "the other session ended");
    let ended: String = sqlx::query_scalar(
        "SELECT CAST(json_extract(detail, '$.other_sessions_ended') AS TEXT) FROM audit_events WHERE kind = 'phone_reset.completed'",
    )
    .fetch_one(&t.state.pool)
    .await
    .unwrap();
    assert_eq!(ended, "1", "anna's one other session, not the reset's own");
    let phone: String = sqlx::query_scalar("SELECT phone_e164 FROM users WHERE id = $1")
        .bind(uid)
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(phone, new_phone);
    assert!(t.message_to("anna@example.org").await.contains("•"), "notice with the masked phone");
    // The link worked once.
    let again = Client::new(&t, ip(41))
        .post("/api/login", &form(&[("email", "anna@example.org"), ("password", PW), ("phone_reset", &token)]))
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    let detail = agent.post("/api/support/account", &format!("id={uid}")).await;
    assert!(
        detail.body.contains("phone_reset.completed") && detail.body.contains("phone_reset.link_sent"),
        "{}",
        detail.body
    );
}

#[tokio::test]
async fn support_lifts_the_24_hour_lock_and_unlocks_the_tan_system_with_a_reason_on_record() {
    let t = TestApp::start().await;
    let uid = t.user("anna@example.org", PW, "member").await;
    // Both locks set directly: how they came about (21 codes, 3 wrong TANs) is not this test's.
    sqlx::query("UPDATE users SET locked_until = $1, tan_locked_at = 1 WHERE id = $2")
        .bind(t.state.clock.now().0 + 3600)
        .bind(uid)
        .execute(&t.state.pool)
        .await
        .unwrap();
    let c = Client::new(&t, ip(1));
    assert_eq!(c.login("anna@example.org", PW).await.status, StatusCode::LOCKED);
    let agent = t.support_agent().await;
    let detail = agent.post("/api/support/account", &format!("id={uid}")).await;
    assert!(
        detail.body.contains("\"tan_locked\":true") && detail.body.contains("\"locked_until\":["),
        "{}",
        detail.body
    );
    let reason = "reason=verified%20caller%20by%20phone";
    assert_eq!(agent.post("/api/support/lift-lock", &format!("user_id={uid}&{reason}")).await.status, StatusCode::OK);
    assert_eq!(agent.post("/api/support/unlock-tan", &format!("user_id={uid}&{reason}")).await.status, StatusCode::OK);
    assert_eq!(c.login("anna@example.org", PW).await.header(header::LOCATION).as_deref(), Some("/"));
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.kind, a.detail FROM audit_events a JOIN users s ON s.id = a.actor_id
         WHERE a.user_id = $1 AND s.role = 'support' ORDER BY a.id",
    )
    .bind(uid)
    .fetch_all(&t.state.pool)
    .await
    .unwrap();
    // Looking at the account is on record too (SPEC 6.4).
    let kinds: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["support.viewed", "account.lock_lifted", "tan.unlocked"], "{rows:?}");
    assert!(rows[1..].iter().all(|(_, d)| d.contains("verified caller by phone")));
    // Nothing left to lift.
    assert_eq!(
        agent.post("/api/support/lift-lock", &format!("user_id={uid}&{reason}")).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn users_see_their_own_security_activity_with_the_support_agent_named() {
    let t = TestApp::start().await;
    let uid = t.user("anna@example.org", PW, "member").await;
    sqlx::query("UPDATE users SET tan_locked_at = 1 WHERE id = $1").bind(uid).execute(&t.state.pool).await.unwrap();
    t.unlock_tan(uid).await;
    let c = logged_in(&t, "bob@example.org", "member").await;
    let bob = c.post("/api/activity", "").await;
    assert!(!bob.body.contains("tan.unlocked"), "only one's own events: {}", bob.body);
    let (_, token) = Client::new(&t, ip(1)).password("anna@example.org", PW).await;
    let anna = Client::new(&t, ip(1)).with_session(&token).post("/api/activity", "").await;
    assert!(anna.body.contains("tan.unlocked") && anna.body.contains("(support)"), "{}", anna.body);
    assert!(anna.body.contains("login.succeeded"), "{}", anna.body);
}

#[tokio::test]
async fn a_phone_reset_link_expires_after_a_day_and_only_a_support_agent_sends_one() {
    let t = TestApp::start().await;
    let admin = logged_in(&t, "admin@example.org", "admin").await;
    let uid: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'admin@example.org'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    let reason = format!("user_id={uid}&reason=lost%20the%20phone%20yesterday");
    assert_eq!(
        admin.post("/api/support/phone-reset", &reason).await.status,
        StatusCode::FORBIDDEN,
        "admins are not support"
    );
    let agent = t.support_agent().await;
    assert_eq!(agent.post("/api/support/phone-reset", &reason).await.status, StatusCode::OK);
    let token = t.link_token("admin@example.org").await;
    t.state.clock.advance(24 * 3600);
    let res = Client::new(&t, ip(40))
        .post("/api/login", &form(&[("email", "admin@example.org"), ("password", PW), ("phone_reset", &token)]))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert!(res.session_token().is_none(), "no session from an expired link");
    let check = Client::new(&t, ip(40)).post("/api/phone/reset/check", &form(&[("token", &token)])).await;
    assert_eq!(check.status, StatusCode::GONE, "the page says the link has expired");
}

#[tokio::test]
async fn an_account_without_a_phone_gets_no_reset_link_but_a_pointer_to_support() {
    let t = TestApp::start().await;
    t.user_without_mfa("legacy@example.org", PW, "member").await;
    let res = Client::new(&t, ip(30)).post("/api/password/forgot", "email=legacy%40example.org").await;
    assert_eq!(res.status, StatusCode::OK);
    let mail = t.message_to("legacy@example.org").await;
    assert!(!mail.contains("token="), "no link: {mail}");
    assert!(mail.contains("support@riegel.example"), "{mail}");
    assert_eq!(count(&t, "SELECT count(*) FROM links").await, 0);
}

#[tokio::test]
async fn an_admin_acts_only_on_their_own_organisation_and_learns_of_taken_addresses_only_after_the_tan() {
    let t = TestApp::start().await;
    let admin = logged_in(&t, "admin@example.org", "admin").await;
    // An account in another organisation.
    let other_org: i64 =
        sqlx::query_scalar("INSERT INTO organisations (name, created_at) VALUES ('Fremd AG', 0) RETURNING id")
            .fetch_one(&t.state.pool)
            .await
            .unwrap();
    let stranger: i64 = sqlx::query_scalar(
        "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at)
         VALUES ($1, 'eve@fremd.example', 'Eve', 'member', 'x', 0) RETURNING id",
    )
    .bind(other_org)
    .fetch_one(&t.state.pool)
    .await
    .unwrap();
    let res = admin.post("/api/team/enabled", &format!("user_id={stranger}&enabled=false&tan=")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Without a TAN, a taken address and a free one get the same answer: a TAN is needed.
    let taken = admin
        .post("/api/team/invite", &form(&[("full_name", "Eve"), ("email", "eve@fremd.example"), ("tan", "")]))
        .await;
    assert_eq!(taken.status, StatusCode::PRECONDITION_REQUIRED, "{}", taken.body);
    let (tan, _) = t.tan_for(PHONE).await;
    let refused = admin
        .post("/api/team/invite", &form(&[("full_name", "Eve"), ("email", "eve@fremd.example"), ("tan", &tan)]))
        .await;
    assert!(refused.body.contains("EmailUnavailable"), "{}", refused.body);
    assert_eq!(t.audited("invitation.refused").await, 1);
    let disabled: Option<i64> = sqlx::query_scalar("SELECT disabled_at FROM users WHERE id = $1")
        .bind(stranger)
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(disabled, None);
}

#[tokio::test]
async fn disabling_an_invited_colleague_voids_the_invitation() {
    let t = TestApp::start().await;
    let admin = logged_in(&t, "admin@example.org", "admin").await;
    with_tan(&t, &admin, "/api/team/invite", &[("full_name", "Kai Kollege"), ("email", "kai@example.org")]).await;
    let token = t.link_token("kai@example.org").await;
    let kai: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'kai@example.org'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    let res = admin.post("/api/team/enabled", &format!("user_id={kai}&enabled=false")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let anon = Client::new(&t, ip(20));
    let accept = anon.post("/api/invitation/accept", &form(&[("token", &token), ("password", STRONG)])).await;
    assert_eq!(accept.status, StatusCode::GONE);
    admin.post("/api/team/enabled", &format!("user_id={kai}&enabled=true")).await;
    let accept = anon.post("/api/invitation/accept", &form(&[("token", &token), ("password", STRONG)])).await;
    assert_eq!(accept.status, StatusCode::GONE, "re-enabling does not revive the link");
}

#[tokio::test]
async fn one_address_gets_at_most_five_registration_mails_a_day_whoever_asks() {
    let t = TestApp::start().await;
    for i in 0..7u8 {
        let res = register(&Client::new(&t, ip(100 + i)), "target@example.org", STRONG).await;
        assert_eq!(res.header(header::LOCATION).as_deref(), Some("/register"), "the same answer every time");
    }
    assert_eq!(t.delivered_to("target@example.org").await, 5);
}
