//! The soak's simulated users: each repeats a journey picked at random, with an account of its
//! own for the journey, and records every request by kind, status and latency. A request
//! answered differently from what the account's history says counts as unexpected.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use rand::Rng as _;

use super::{
    Stats,
    ledger::{Account, Channel, code_quota, tan_quota, tan_strikes},
};
use crate::{Http, PASSWORD};

/// One simulated user's view of the server.
pub struct Client<'a> {
    pub http: &'a Http,
    pub base: &'a str,
    pub stats: &'a Stats,
    /// Every journey comes from a client address of its own (X-Forwarded-For).
    pub next_ip: &'a AtomicU64,
}

/// What a request answered.
struct Answer {
    status: StatusCode,
    session: Option<String>,
    body: Bytes,
}

enum Accept {
    Json,
    /// A browser without JavaScript posting a form.
    Html,
}

impl Client<'_> {
    fn ip(&self) -> String {
        let n = self.next_ip.fetch_add(1, Ordering::Relaxed);
        format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
    }

    async fn send(&self, kind: &'static str, req: http::request::Builder, body: String) -> Answer {
        let began = Instant::now();
        let res = self.http.request(req.body(Full::new(Bytes::from(body))).expect("a request")).await;
        let (status, session, body) = match res {
            Ok(res) => {
                let status = res.status();
                let session = crate::session_cookie(res.headers());
                let body = res.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                (status, session, body)
            }
            Err(e) => {
                // No answer at all: counted as 502, and said once per kind.
                if self.stats.first_failure(kind) {
                    eprintln!("soak: {kind}: no answer: {e:?}");
                }
                (StatusCode::BAD_GATEWAY, None, Bytes::new())
            }
        };
        self.stats.record(kind, status, began.elapsed());
        Answer { status, session, body }
    }

    async fn post(
        &self,
        kind: &'static str,
        path: &str,
        form: &str,
        ip: &str,
        cookie: Option<&str>,
        a: Accept,
    ) -> Answer {
        let mut req = Request::post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", self.base)
            .header("x-forwarded-for", ip)
            .header(
                "accept",
                match a {
                    Accept::Json => "application/json",
                    Accept::Html => "text/html,application/xhtml+xml",
                },
            );
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        self.send(kind, req, form.to_owned()).await
    }

    async fn get(&self, kind: &'static str, path: &str, ip: &str, cookie: Option<&str>) -> Answer {
        let mut req = Request::get(format!("{}{path}", self.base))
            .header("x-forwarded-for", ip)
            .header("accept", "text/html")
            .header("accept-encoding", "br, gzip")
            .header("accept-language", "de-DE,de;q=0.9,en;q=0.8");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        self.send(kind, req, String::new()).await
    }

    fn expect(&self, kind: &'static str, got: StatusCode, want: StatusCode) -> bool {
        if got != want {
            self.stats.unexpected(kind, got, want);
        }
        got == want
    }

    /// The newest message to `to` after the account's last one, as the development outbox
    /// lists it once delivered (the delivery worker runs in the server).
    async fn message(&self, account: &mut Account, to: &str) -> Option<String> {
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(10) {
            let a = self.get("dev outbox read", "/dev/outbox.json", "127.0.0.1", None).await;
            let list: Vec<serde_json::Value> = serde_json::from_slice(&a.body).unwrap_or_default();
            let found = list
                .iter()
                .filter(|m| m["recipient"] == to && m["outbox_id"].as_i64() > Some(account.last_outbox_id))
                .max_by_key(|m| m["outbox_id"].as_i64());
            if let Some(m) = found {
                account.last_outbox_id = m["outbox_id"].as_i64().unwrap_or(0);
                return m["body"].as_str().map(str::to_owned);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.stats.unexpected("message delivered within 10 s", StatusCode::GATEWAY_TIMEOUT, StatusCode::OK);
        None
    }

    /// A password login: a session at the challenge (a code sent on the channel that passed
    /// last), or the lock.
    async fn login(&self, account: &mut Account, ip: &str) -> Option<String> {
        let form = format!("email={}&password={PASSWORD}", account.email().replace('@', "%40"));
        let a = self.post("login", "/api/login", &form, ip, None, Accept::Json).await;
        code_send(self, "login", a.status, account, account.last_channel)?;
        a.session
    }

    async fn verify(
        &self,
        account: &mut Account,
        ip: &str,
        cookie: &str,
        code: &str,
        channel: Channel,
    ) -> Option<String> {
        let a = self
            .post("mfa verify (right code)", "/api/mfa/verify", &format!("code={code}"), ip, Some(cookie), Accept::Json)
            .await;
        if !self.expect("mfa verify (right code)", a.status, StatusCode::OK) {
            return None;
        }
        (account.sms_since_pass, account.email_since_pass) = (0, 0);
        account.passes += 1;
        account.last_channel = channel;
        a.session
    }

    async fn code_by(&self, account: &mut Account, channel: Channel) -> Option<String> {
        let to = match channel {
            Channel::Sms => account.phone(),
            Channel::Email => account.email(),
        };
        let body = self.message(account, &to).await?;
        body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned)
    }

    /// Login and MFA, sometimes with a wrong code first, sometimes on the other channel after a
    /// switch, sometimes with a resend after the 30 s countdown; then, logged in, a page and often a
    /// bank account change with a TAN.
    pub async fn full_login(&self, account: &mut Account, rng: &mut rand::rngs::StdRng) {
        let ip = self.ip();
        let Some(cookie) = self.login(account, &ip).await else { return };
        let mut channel = account.last_channel;
        let roll: f64 = rng.r#gen();
        if roll < 0.15 {
            channel = channel.other();
            let form = format!("method={}", channel.form_value());
            let a = self.post("switch method", "/api/mfa/switch", &form, &ip, Some(&cookie), Accept::Json).await;
            if code_send(self, "switch method", a.status, account, channel).is_none() {
                return;
            }
        } else if roll < 0.25 {
            tokio::time::sleep(Duration::from_secs(31)).await;
            let _ = self.code_by(account, channel).await;
            let a = self.post("resend", "/api/mfa/resend", "", &ip, Some(&cookie), Accept::Json).await;
            if code_send(self, "resend", a.status, account, channel).is_none() {
                return;
            }
        }
        let Some(code) = self.code_by(account, channel).await else { return };
        if rng.gen_bool(0.2) {
            let wrong = if code == "000000" { "111111" } else { "000000" };
            let a = self
                .post(
                    "mfa verify (wrong code)",
                    "/api/mfa/verify",
                    &format!("code={wrong}"),
                    &ip,
                    Some(&cookie),
                    Accept::Json,
                )
                .await;
            if self.expect("mfa verify (wrong code)", a.status, StatusCode::UNPROCESSABLE_ENTITY) {
                account.wrong_codes += 1;
            }
        }
        let Some(session) = self.verify(account, &ip, &cookie, &code, channel).await else { return };
        let a = self.get("page, logged in", "/", &ip, Some(&session)).await;
        self.expect("page, logged in", a.status, StatusCode::OK);
        if rng.gen_bool(0.5) {
            self.bank_change(account, rng, &ip, &session).await;
        }
        let a = self.post("logout", "/api/logout", "", &ip, Some(&session), Accept::Json).await;
        self.expect("logout", a.status, StatusCode::OK);
    }

    /// A bank account change (a TAN every time): the TAN SMS, then sometimes one or three wrong
    /// TANs, then the right one.
    async fn bank_change(&self, account: &mut Account, rng: &mut rand::rngs::StdRng, ip: &str, session: &str) {
        let form = format!("holder=Soak+GmbH&iban={}&bic=", random_iban(rng));
        let a = self.post("bank change (ask)", "/api/bank/change", &form, ip, Some(session), Accept::Json).await;
        let want = if account.tan_locked {
            StatusCode::LOCKED
        } else if account.tans >= tan_quota() {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::PRECONDITION_REQUIRED
        };
        if !self.expect("bank change (ask)", a.status, want) || want != StatusCode::PRECONDITION_REQUIRED {
            return;
        }
        account.tans += 1;
        let Some(sms) = self.message(account, &account.phone()).await else { return };
        let Some(tan) = sms.strip_prefix("TAN ").and_then(|s| s.get(..6)).map(str::to_owned) else {
            self.stats.unexpected("TAN in the SMS", StatusCode::NO_CONTENT, StatusCode::OK);
            return;
        };
        let wrong = match rng.r#gen::<f64>() {
            r if r < 0.05 => tan_strikes(),
            r if r < 0.25 => 1,
            _ => 0,
        };
        for _ in 0..wrong {
            let bad = if tan == "222222" { "333333" } else { "222222" };
            let a = self
                .post(
                    "bank change (wrong TAN)",
                    "/api/bank/change",
                    &format!("{form}&tan={bad}"),
                    ip,
                    Some(session),
                    Accept::Json,
                )
                .await;
            account.tan_wrong_in_a_row += 1;
            account.wrong_tans += 1;
            let want = if account.tan_wrong_in_a_row >= tan_strikes() {
                StatusCode::LOCKED
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            self.expect("bank change (wrong TAN)", a.status, want);
            if want == StatusCode::LOCKED {
                account.tan_locked = true;
                return;
            }
        }
        let a = self
            .post(
                "bank change (right TAN)",
                "/api/bank/change",
                &format!("{form}&tan={tan}"),
                ip,
                Some(session),
                Accept::Json,
            )
            .await;
        if self.expect("bank change (right TAN)", a.status, StatusCode::OK) {
            account.tan_wrong_in_a_row = 0;
            account.bank_changes += 1;
        }
    }

    /// Logins that never finish MFA until the code quota locks the account (someone who knows
    /// the password, or a user who gives up): at most 21 tries.
    pub async fn burn_quota(&self, account: &mut Account) {
        for _ in 0..=code_quota() {
            let ip = self.ip();
            if self.login(account, &ip).await.is_none() {
                return;
            }
        }
    }

    /// A wrong password for an address that has no account (no throttle is reached: every
    /// journey has its own address).
    pub async fn wrong_password(&self, n: u64) {
        let form = format!("email=nobody{n}%40soak.example&password=wrong-{n}");
        let a = self.post("login (wrong password)", "/api/login", &form, &self.ip(), None, Accept::Json).await;
        self.expect("login (wrong password)", a.status, StatusCode::UNAUTHORIZED);
    }

    /// The pages a browser renders (hydrated: the page, then its script), and a form posted
    /// without JavaScript (answered by a redirect back to the page with the error).
    pub async fn pages(&self, n: u64) {
        let ip = self.ip();
        let a = self.get("page (login)", "/login", &ip, None).await;
        self.expect("page (login)", a.status, StatusCode::OK);
        let html = String::from_utf8_lossy(&a.body);
        if let Some(src) =
            html.split("src=\"").nth(1).and_then(|s| s.split('"').next()).filter(|s| s.starts_with("/pkg/"))
        {
            let a = self.get("static file", src, &ip, None).await;
            self.expect("static file", a.status, StatusCode::OK);
        }
        let form = format!("email=nobody{n}%40soak.example&password=wrong-{n}");
        let a = self.post("login without JavaScript", "/api/login", &form, &ip, None, Accept::Html).await;
        self.expect("login without JavaScript", a.status, StatusCode::FOUND);
    }

    /// A login screen's push event stream, opened at the challenge and dropped after a while.
    pub async fn push_stream(&self, account: &mut Account, rng: &mut rand::rngs::StdRng) {
        let ip = self.ip();
        let Some(cookie) = self.login(account, &ip).await else { return };
        let began = Instant::now();
        let req = Request::get(format!("{}/api/mfa/push/events", self.base))
            .header("x-forwarded-for", &ip)
            .header("accept", "text/event-stream")
            .header("cookie", &cookie)
            .body(Full::default())
            .expect("a request");
        let hold = Duration::from_millis(rng.gen_range(50..2000));
        match self.http.request(req).await {
            Ok(res) => {
                self.stats.record("push stream (opened)", res.status(), began.elapsed());
                let mut body = res.into_body();
                let _ = tokio::time::timeout(hold, async { while body.frame().await.is_some() {} }).await;
            }
            Err(_) => self.stats.record("push stream (opened)", StatusCode::BAD_GATEWAY, began.elapsed()),
        }
    }
}

/// Records a code send's answer against the account: sent (the count grows) or, with the
/// quota used up, the lock. `None` when no code was sent.
fn code_send(
    c: &Client<'_>,
    kind: &'static str,
    got: StatusCode,
    account: &mut Account,
    channel: Channel,
) -> Option<()> {
    let since = match channel {
        Channel::Sms => account.sms_since_pass,
        Channel::Email => account.email_since_pass,
    };
    let want = if account.locked || since >= code_quota() { StatusCode::LOCKED } else { StatusCode::OK };
    c.expect(kind, got, want);
    if got == StatusCode::LOCKED {
        account.locked = true;
    }
    if got != StatusCode::OK {
        return None;
    }
    match channel {
        Channel::Sms => {
            (account.sms_since_pass, account.sms_codes) = (account.sms_since_pass + 1, account.sms_codes + 1)
        }
        Channel::Email => {
            (account.email_since_pass, account.email_codes) = (account.email_since_pass + 1, account.email_codes + 1)
        }
    }
    Some(())
}

/// A valid German IBAN for a random bank code and account number (check digits by ISO 7064
/// MOD 97-10).
fn random_iban(rng: &mut rand::rngs::StdRng) -> String {
    let bban = format!("{:08}{:010}", rng.gen_range(10_000_000..99_999_999u64), rng.gen_range(0..9_999_999_999u64));
    // "DE" is 13 14; the check digits are 98 minus the remainder of BBAN + 131400.
    let rem = format!("{bban}131400").bytes().fold(0u64, |r, d| (r * 10 + u64::from(d - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}
