//! The steps many tests start from: an account logged in, a login at its challenge, a
//! TAN-protected action done as the page does it, a support agent at the console.

use app::backend::db::Flag;
use http::{StatusCode, header};

use super::{Answer, Client, PHONE, PW, TestApp, ip, serde_urlencoded};

impl TestApp {
    /// A support agent (MFA set up, `ip(250)` trusted) logged in; returns its client.
    pub async fn support_agent(&self) -> Client {
        let email = "agent@riegel.example";
        let exists: bool = sqlx::query_scalar::<_, Flag>("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
            .bind(email)
            .fetch_one(&self.state.pool)
            .await
            .unwrap()
            .0;
        if !exists {
            self.user(email, "agent-password-1", "support").await;
            self.trust(email, ip(250)).await;
        }
        let (_, token) = Client::new(self, ip(250)).password(email, "agent-password-1").await;
        Client::new(self, ip(250)).with_session(&token)
    }

    /// What the support console does to lift a TAN lock.
    pub async fn unlock_tan(&self, user_id: i64) {
        let agent = self.support_agent().await;
        let form = format!("user_id={user_id}&reason=customer%20called%20from%20office");
        let res = agent.post("/api/support/unlock-tan", &form).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
}

/// A new account logged in from its trusted IP (no MFA prompt), and that session's client.
pub async fn logged_in(t: &TestApp, email: &str, role: &str) -> Client {
    t.user(email, PW, role).await;
    let c = Client::new(t, ip(1));
    let (res, token) = c.password(email, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "{res:?}");
    c.with_session(&token)
}

/// A TAN-protected action as the page does it: asked without a TAN it is refused with 428 and
/// a TAN SMS that names `what`; asked again with that TAN it succeeds. Returns that answer.
pub async fn with_tan(t: &TestApp, s: &Client, path: &str, what: &str) -> Answer {
    let asked = s.post(path, "tan=").await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED, "every time behind a TAN: {asked:?}");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(sms.contains(what), "the SMS names the action: {sms}");
    let res = s.post(path, &format!("tan={tan}")).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    res
}

/// Ute, with MFA, after her password from a new address: her client at the challenge, its
/// SMS code delivered, and the clock past the resend countdown, so a resend is due.
pub async fn at_challenge(t: &TestApp) -> Client {
    t.user("ute@example.org", "ute-password-1", "member").await;
    let c = Client::new(t, ip(9));
    let (res, token) = c.password("ute@example.org", "ute-password-1").await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    t.code_for(PHONE).await;
    t.state.clock.advance(120);
    c.with_session(&token)
}

/// A payout bank account change (with a TAN, or empty to ask for one).
pub async fn change_bank(c: &Client, iban: &str, tan: &str) -> Answer {
    let body = serde_urlencoded(&[("holder", "Muster GmbH"), ("iban", iban), ("bic", ""), ("tan", tan)]);
    c.post("/api/bank/change", &body).await
}
