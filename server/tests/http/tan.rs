//! The TAN system and the portal it protects (SPEC 5, 7).

use http::{StatusCode, header};

use crate::harness::{Client, PHONE, PW, TestApp, change_bank, ip, no_cooldown};

const IBAN_A: &str = "DE89 3704 0044 0532 0130 00";
const IBAN_B: &str = "DE02120300000000202051";

/// A user logged in from its trusted IP (no MFA prompt), and that session's client.
async fn logged_in(t: &TestApp, email: &str) -> Client {
    crate::harness::logged_in(t, email, "member").await
}

async fn session(t: &TestApp, email: &str) -> Client {
    let c = Client::new(t, ip(1));
    let (res, token) = c.password(email, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "{res:?}");
    c.with_session(&token)
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn submit_invoice(c: &Client, number: &str, amount: &str, tan: &str) -> crate::harness::Answer {
    c.post(
        "/api/invoices/submit",
        &form(&[("number", number), ("date", "2026-11-20"), ("amount", amount), ("tan", tan)]),
    )
    .await
}

async fn bank_iban(t: &TestApp) -> Option<String> {
    sqlx::query_scalar("SELECT iban FROM bank_accounts").fetch_optional(&t.state.pool).await.unwrap()
}

#[tokio::test]
async fn every_bank_account_change_needs_its_own_tan_named_in_the_sms() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    let asked = change_bank(&c, IBAN_A, "").await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED);
    assert!(asked.body.contains("TanRequired") && asked.body.contains("DE89 •••• 3000"), "{}", asked.body);
    assert!(asked.body.contains("+49 ••••••••• 78"));
    assert_eq!(bank_iban(&t).await, None, "nothing changed yet");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains("Bankverbindung ändern auf DE89 •••• 3000"), "{sms}");

    let done = change_bank(&c, IBAN_A, &tan.to_lowercase()).await;
    assert_eq!(done.status, StatusCode::OK, "{done:?}");
    assert_eq!(bank_iban(&t).await.as_deref(), Some("DE89370400440532013000"));
    let shown = c.post("/api/bank", "").await.body;
    assert!(shown.contains("DE89 3704 0044 0532 0130 00"), "shown grouped: {shown}");

    // The same TAN does not work twice, and the next change needs a new one.
    assert!(change_bank(&c, IBAN_B, &tan).await.body.contains("TanExpired"));
    assert_eq!(change_bank(&c, IBAN_B, "").await.status, StatusCode::PRECONDITION_REQUIRED);
}

#[tokio::test]
async fn a_tan_for_iban_a_is_void_for_iban_b() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    change_bank(&c, IBAN_A, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    let swapped = change_bank(&c, IBAN_B, &tan).await;
    assert_eq!(swapped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(swapped.body.contains("TanVoid"));
    assert_eq!(bank_iban(&t).await, None);
    assert!(change_bank(&c, IBAN_A, &tan).await.body.contains("TanExpired"), "void for the original data too");
    assert_eq!(t.audited("tan.voided").await, 1);
}

#[tokio::test]
async fn a_tan_issued_in_one_session_is_refused_in_another() {
    let t = TestApp::start().await;
    let first = logged_in(&t, "anna@example.org").await;
    let second = session(&t, "anna@example.org").await;
    change_bank(&first, IBAN_A, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    assert!(change_bank(&second, IBAN_A, &tan).await.body.contains("TanExpired"));
    assert_eq!(bank_iban(&t).await, None);
    assert_eq!(change_bank(&first, IBAN_A, &tan).await.status, StatusCode::OK);
}

#[tokio::test]
async fn three_wrong_tans_lock_the_tan_system_and_then_even_the_right_one_is_refused() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    change_bank(&c, IBAN_A, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    let wrong = if tan == "222222" { "333333" } else { "222222" };
    assert!(change_bank(&c, IBAN_A, wrong).await.body.contains("\"tries_left\":2"));
    assert!(change_bank(&c, IBAN_A, wrong).await.body.contains("\"tries_left\":1"));
    let locked = change_bank(&c, IBAN_A, wrong).await;
    assert_eq!(locked.status, StatusCode::LOCKED);
    assert!(locked.body.contains("TanLocked"));
    assert!(change_bank(&c, IBAN_A, &tan).await.body.contains("TanLocked"), "the fourth, correct TAN is refused");
    assert_eq!(bank_iban(&t).await, None);
    // Every protected action is refused, and the settings page says so.
    assert!(submit_invoice(&c, "R-1", "20000", "").await.body.contains("TanLocked"));
    assert!(c.post("/api/tan/status", "").await.body.contains("\"locked\":true"));
    assert_eq!(t.audited("tan.locked").await, 1);
    // Malformed TANs are refused before they count, and unprotected work goes on.
    assert_eq!(submit_invoice(&c, "R-2", "100", "").await.status, StatusCode::OK);

    // Support unlocks; the count starts again.
    let uid: i64 = sqlx::query_scalar("SELECT id FROM users").fetch_one(&t.state.pool).await.unwrap();
    t.unlock_tan(uid).await;
    change_bank(&c, IBAN_A, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    assert_eq!(change_bank(&c, IBAN_A, &tan).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_correct_tan_resets_the_wrong_count() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    let c = logged_in(&t, "anna@example.org").await;
    change_bank(&c, IBAN_A, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    let wrong = if tan == "222222" { "333333" } else { "222222" };
    change_bank(&c, IBAN_A, wrong).await;
    change_bank(&c, IBAN_A, wrong).await;
    assert_eq!(change_bank(&c, IBAN_A, &tan).await.status, StatusCode::OK);
    change_bank(&c, IBAN_B, "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    change_bank(&c, IBAN_B, wrong).await;
    change_bank(&c, IBAN_B, wrong).await;
    assert_eq!(change_bank(&c, IBAN_B, &tan).await.status, StatusCode::OK, "not locked: the count was reset");
    assert!(change_bank(&c, IBAN_A, "abc").await.body.contains("TanMalformed"));
}

#[tokio::test]
async fn invoices_need_a_tan_once_the_day_exceeds_the_threshold_every_time_by_default() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    assert_eq!(submit_invoice(&c, "R-1", "9.000,00", "").await.status, StatusCode::OK, "below 10,000 EUR");
    let asked = submit_invoice(&c, "R-2", "1.000,01", "").await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED, "{asked:?}");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains("Rechnung R-2 über 1.000,01 EUR einreichen"), "{sms}");
    assert!(submit_invoice(&c, "R-2", "1.000,02", &tan).await.body.contains("TanVoid"), "amount changed");
    submit_invoice(&c, "R-2", "1.000,01", "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    assert_eq!(submit_invoice(&c, "R-2", "1.000,01", &tan).await.status, StatusCode::OK);
    assert_eq!(submit_invoice(&c, "R-3", "5", "").await.status, StatusCode::PRECONDITION_REQUIRED, "every time");
    let list = c.post("/api/invoices", "page=0").await.body;
    assert!(list.find("R-2").unwrap() < list.find("R-1").unwrap(), "newest first: {list}");
    assert!(list.contains("\"amount_cents\":100001") && list.contains("\"today_total_cents\":1000001"));
}

#[tokio::test]
async fn per_session_mode_opens_a_tan_session_that_ends_with_an_ip_change_or_on_request() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    let settings = form(&[
        ("password", "per_session"),
        ("email", "per_session"),
        ("invoice", "per_session"),
        ("admin", "per_session"),
        ("threshold", "100"),
    ]);
    assert_eq!(c.post("/api/tan/settings", &settings).await.status, StatusCode::PRECONDITION_REQUIRED);
    let (tan, _) = t.tan_for(PHONE).await;
    assert_eq!(c.post("/api/tan/settings", &format!("{settings}&tan={tan}")).await.status, StatusCode::OK);

    submit_invoice(&c, "R-1", "200", "").await;
    let (tan, _) = t.tan_for(PHONE).await;
    assert_eq!(submit_invoice(&c, "R-1", "200", &tan).await.status, StatusCode::OK);
    assert_eq!(submit_invoice(&c, "R-2", "300", "").await.status, StatusCode::OK, "covered by the TAN session");
    assert!(c.post("/api/tan/status", "").await.body.contains("\"session_active\":true"));

    let moved = c.at_ip(ip(7));
    assert_eq!(submit_invoice(&moved, "R-3", "300", "").await.status, StatusCode::PRECONDITION_REQUIRED, "new IP");
    assert_eq!(submit_invoice(&c, "R-4", "300", "").await.status, StatusCode::PRECONDITION_REQUIRED, "ended for good");

    // Open it again, then end it on request.
    let (tan, _) = t.tan_for(PHONE).await;
    assert_eq!(submit_invoice(&c, "R-4", "300", &tan).await.status, StatusCode::OK);
    assert_eq!(c.post("/api/tan/end", "").await.status, StatusCode::OK);
    assert_eq!(submit_invoice(&c, "R-5", "300", "").await.status, StatusCode::PRECONDITION_REQUIRED);
    // Only the modes of the table exist.
    let bogus = form(&[
        ("password", "per_session"),
        ("email", "per_session"),
        ("invoice", "sometimes"),
        ("admin", "per_session"),
        ("threshold", "100"),
    ]);
    assert_eq!(c.post("/api/tan/settings", &bogus).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_password_change_ends_other_sessions_and_the_next_login_meets_the_challenge() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    let other = session(&t, "anna@example.org").await;
    let body = |current: &str, new: &str, tan: &str| form(&[("current", current), ("new", new), ("tan", tan)]);
    let res = c.post("/api/password", &body("wrong password", "a new long passphrase", "")).await;
    assert!(res.body.contains("CurrentPasswordWrong"));
    assert!(c.post("/api/password", &body(PW, "short", "")).await.body.contains("PasswordTooShort"));
    assert!(c.post("/api/password", &body(PW, "password123456", "")).await.body.contains("PasswordCommon"));
    assert_eq!(
        c.post("/api/password", &body(PW, "a new long passphrase", "")).await.status,
        StatusCode::PRECONDITION_REQUIRED
    );
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains("Passwort ändern"));
    assert!(c.post("/api/password", &body(PW, "another passphrase!", &tan)).await.body.contains("TanVoid"));
    c.post("/api/password", &body(PW, "a new long passphrase", "")).await;
    let (tan, _) = t.tan_for(PHONE).await;
    assert_eq!(c.post("/api/password", &body(PW, "a new long passphrase", &tan)).await.status, StatusCode::OK);

    assert!(c.me().await.contains("anna@example.org"), "this session goes on");
    assert!(c.post("/api/tan/status", "").await.body.contains("\"session_active\":false"), "the TAN session ended");
    assert_eq!(other.me().await, "null", "every other session ended");
    let again = Client::new(&t, ip(1)).login("anna@example.org", "a new long passphrase").await;
    assert_eq!(again.header(header::LOCATION).as_deref(), Some("/mfa"), "the first login after a change meets MFA");
    assert_eq!(Client::new(&t, ip(1)).login("anna@example.org", PW).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tan_sms_stop_at_twenty_a_day_without_a_lock() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    let c = logged_in(&t, "anna@example.org").await;
    for i in 0..20 {
        let res = submit_invoice(&c, &format!("R-{i}"), "20000", "").await;
        assert_eq!(res.status, StatusCode::PRECONDITION_REQUIRED, "TAN {i}");
    }
    let refused = submit_invoice(&c, "R-20", "20000", "").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("TanQuotaExceeded"));
    assert!(c.post("/api/tan/status", "").await.body.contains("\"locked\":false"));
    assert_eq!(t.delivered_to(PHONE).await, 20);
}

#[tokio::test]
async fn bad_portal_input_gets_clear_errors_and_stores_nothing() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    for (iban, expected) in [("DE89 3704 0044 0532 0130 01", "IbanInvalid"), ("hello", "IbanInvalid")] {
        let res = change_bank(&c, iban, "").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains(expected), "{}", res.body);
    }
    let bic = c.post("/api/bank/change", &form(&[("holder", "X"), ("iban", IBAN_A), ("bic", "12")])).await;
    assert!(bic.body.contains("BicInvalid"));
    // A holder the TAN SMS could not show as it is: a line break (which would also split the
    // data the TAN is bound to), a right-to-left override, a zero-width space.
    for holder in ["Muster\nGmbH", "Muster \u{202E}HbmG", "Mus\u{200B}ter GmbH", " "] {
        let res = c.post("/api/bank/change", &form(&[("holder", holder), ("iban", IBAN_A), ("bic", "")])).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{holder:?}");
        assert!(res.body.contains("HolderMissing"), "{holder:?}: {}", res.body);
    }
    for (number, amount, expected) in [
        ("", "10", "InvoiceNumberInvalid"),
        ("R<script>", "10", "InvoiceNumberInvalid"),
        ("R-1", "zehn", "AmountInvalid"),
        ("R-1", "-5", "AmountInvalid"),
        ("R-1", "0", "AmountInvalid"),
    ] {
        assert!(submit_invoice(&c, number, amount, "").await.body.contains(expected), "{number} {amount}");
    }
    let bad_date =
        c.post("/api/invoices/submit", &form(&[("number", "R-1"), ("date", "2026-02-30"), ("amount", "10")])).await;
    assert!(bad_date.body.contains("InvoiceDateInvalid"));
    assert_eq!(submit_invoice(&c, "R-1", "10", "").await.status, StatusCode::OK);
    assert!(submit_invoice(&c, "R-1", "10", "").await.body.contains("InvoiceNumberTaken"));
    assert_eq!(t.deliver().await, 0, "no TAN was sent for bad input");
    assert_eq!(bank_iban(&t).await, None);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn support_agents_and_anonymous_visitors_have_no_portal() {
    let t = TestApp::start().await;
    t.user("sam@riegel.example", PW, "support").await;
    let agent = session(&t, "sam@riegel.example").await;
    let res = agent.post("/api/invoices", "page=0").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("NoOrganisation"));
    assert_eq!(Client::new(&t, ip(1)).post("/api/bank", "").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_e_mail_change_needs_a_code_to_the_new_address_and_a_tan_and_tells_the_old_one() {
    let t = TestApp::start().await;
    let c = logged_in(&t, "anna@example.org").await;
    let step = |code: &str, tan: &str| form(&[("email", "Neu@Example.org"), ("code", code), ("tan", tan)]);
    let first = c.post("/api/email", &step("", "")).await;
    assert_eq!(first.status, StatusCode::PRECONDITION_REQUIRED);
    assert!(first.body.contains("EmailCodeRequired") && first.body.contains("n•••@example.org"), "{}", first.body);
    let code = t.code_for("neu@example.org").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(c.post("/api/email", &step(wrong, "")).await.body.contains("CodeWrong"));
    let asked = c.post("/api/email", &step(&code, "")).await;
    assert!(asked.body.contains("TanRequired"), "{}", asked.body);
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains("E-Mail-Adresse ändern auf n•••@example.org"), "{sms}");
    assert_eq!(c.post("/api/email", &step(&code, &tan)).await.status, StatusCode::OK);
    let email: String = sqlx::query_scalar("SELECT email FROM users").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(email, "neu@example.org");
    assert_eq!(t.delivered_to("anna@example.org").await, 1, "the old address is told");
    assert!(c.post("/api/tan/status", "").await.body.contains("\"session_active\":false"), "the TAN session ended");
    assert!(c.post("/api/email", &form(&[("email", "neu@example.org")])).await.body.contains("EmailUnchanged"));
}

#[tokio::test]
async fn an_address_of_another_account_cannot_be_taken() {
    let t = TestApp::start().await;
    t.user("bert@example.org", PW, "member").await;
    let c = logged_in(&t, "anna@example.org").await;
    let step = |code: &str, tan: &str| form(&[("email", "bert@example.org"), ("code", code), ("tan", tan)]);
    c.post("/api/email", &step("", "")).await;
    let code = t.code_for("bert@example.org").await;
    c.post("/api/email", &step(&code, "")).await;
    let (tan, _) = t.tan_for(PHONE).await;
    assert!(c.post("/api/email", &step(&code, &tan)).await.body.contains("EmailUnavailable"));
    let emails: Vec<String> =
        sqlx::query_scalar("SELECT email FROM users ORDER BY id").fetch_all(&t.state.pool).await.unwrap();
    assert_eq!(emails, ["bert@example.org", "anna@example.org"]);
}
