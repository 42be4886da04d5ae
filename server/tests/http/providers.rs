//! The real delivery channels (SPEC 8.2) against local fakes started by the tests: an SMTP
//! sink and a Twilio-compatible HTTP stub on 127.0.0.1. The tests assert the exact messages
//! that reached them, the retries of a failing provider, and what support sees of a failure.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use app::backend::delivery::{
    providers::{SmsGatewaySettings, SmtpSettings},
    worker,
};
use axum::{
    Form, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::Engine;
use http::header;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use crate::harness::{Client, PHONE, PW, TestApp, ip, six_digits};

/// One e-mail as the SMTP sink received it.
#[derive(Clone, Debug)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// A small SMTP server: answers EHLO, MAIL, RCPT, DATA, RSET, NOOP and QUIT, keeps every
/// message, and can refuse the first `fail_first` messages with a transient 451, or never
/// answer at all (`silent`).
#[derive(Clone, Default)]
struct SmtpSink {
    received: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<Mutex<usize>>,
    silent: bool,
}

impl SmtpSink {
    async fn start(self) -> (Self, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let sink = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let sink = sink.clone();
                tokio::spawn(async move { sink.serve(socket).await });
            }
        });
        (self, url)
    }

    async fn serve(&self, socket: tokio::net::TcpStream) {
        if self.silent {
            // Accepts the connection and never says a word.
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
        let mut current = Received { mail_from: String::new(), rcpt_to: Vec::new(), data: String::new() };
        while let Ok(Some(line)) = lines.next_line().await {
            let upper = line.to_ascii_uppercase();
            let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                current =
                    Received { mail_from: line[10..].trim().to_owned(), rcpt_to: Vec::new(), data: String::new() };
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                current.rcpt_to.push(line[8..].trim().to_owned());
                b"250 OK\r\n"
            } else if upper == "DATA" {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                let mut data = String::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
                    data.push_str("\r\n");
                }
                current.data = data;
                let mut fail = self.fail_first.lock().unwrap();
                if *fail > 0 {
                    *fail -= 1;
                    b"451 4.3.0 try again later\r\n"
                } else {
                    self.received.lock().unwrap().push(current.clone());
                    b"250 OK queued\r\n"
                }
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"250 OK\r\n"
            };
            if write.write_all(answer).await.is_err() {
                return;
            }
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// One request to the SMS stub: the account in the path, the Basic credentials, the form.
#[derive(Clone, Debug, PartialEq)]
struct SmsRequest {
    account: String,
    credentials: String,
    to: String,
    from: String,
    body: String,
}

/// A Twilio-compatible Messages endpoint that keeps every request and answers the first
/// `fail_first` of them with 503 and Twilio's error JSON.
#[derive(Clone, Default)]
struct SmsStub {
    requests: Arc<Mutex<Vec<SmsRequest>>>,
    fail_first: Arc<Mutex<usize>>,
    /// Refuses every number as invalid (Twilio's 400, error 21211).
    refuse: bool,
}

#[derive(serde::Deserialize)]
struct TwilioForm {
    #[serde(rename = "To")]
    to: String,
    #[serde(rename = "From")]
    from: String,
    #[serde(rename = "Body")]
    body: String,
}

impl SmsStub {
    async fn start(self) -> (Self, String) {
        async fn messages(
            State(stub): State<SmsStub>,
            Path(account): Path<String>,
            headers: HeaderMap,
            Form(form): Form<TwilioForm>,
        ) -> (StatusCode, String) {
            let basic = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
            let credentials = basic
                .strip_prefix("Basic ")
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let account = account.trim_end_matches(".json").to_owned();
            stub.requests.lock().unwrap().push(SmsRequest {
                account,
                credentials,
                to: form.to,
                from: form.from,
                body: form.body,
            });
            if stub.refuse {
                return (
                    StatusCode::BAD_REQUEST,
                    r#"{"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}"#
                        .into(),
                );
            }
            let mut fail = stub.fail_first.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"code": 20503, "message": "Service unavailable", "status": 503}"#.into(),
                );
            }
            (StatusCode::CREATED, r#"{"sid": "SM0123456789abcdef", "status": "queued"}"#.into())
        }
        let router = Router::new()
            .route("/2010-04-01/Accounts/{account}/Messages.json", post(messages))
            .with_state(self.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (self, url)
    }

    fn requests(&self) -> Vec<SmsRequest> {
        self.requests.lock().unwrap().clone()
    }
}

fn gateway(base_url: String) -> SmsGatewaySettings {
    SmsGatewaySettings {
        base_url,
        account: "AC0123456789".into(),
        token: "gateway-token-1".into(),
        from: "Riegel".into(),
    }
}

fn delivery(smtp: Option<String>, sms: Option<String>, timeout: Duration) -> server::Delivery {
    server::Delivery {
        smtp: smtp.map(|url| SmtpSettings { url, from: "Riegel Portal <no-reply@portal.example>".into() }),
        sms_gateway: sms.map(gateway),
        timeout,
        ..server::Delivery::dev()
    }
}

/// The outbox row's subject and body, read before delivery wipes the body.
async fn pending(t: &TestApp, recipient: &str) -> (String, String) {
    sqlx::query_as("SELECT subject, body FROM outbox WHERE recipient = $1 AND sent_at IS NULL ORDER BY id DESC LIMIT 1")
        .bind(recipient)
        .fetch_one(&t.state.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn e_mail_goes_out_over_smtp_exactly_as_written() {
    let (sink, url) = SmtpSink::default().start().await;
    let t = TestApp::start_with_delivery(delivery(Some(url), None, Duration::from_secs(5))).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let s = c.with_session(&token);
    // "Authenticate via e-mail": the code goes out by e-mail (in German, the default).
    assert_eq!(s.post("/api/mfa/switch", "method=email").await.status, StatusCode::OK);
    let (subject, body) = pending(&t, "anna@example.org").await;
    assert!(six_digits(&body).is_some() && !subject.is_empty(), "{subject} / {body}");
    assert_eq!(t.deliver().await, 2, "the challenge's first SMS (development outbox) and the e-mail");

    let received = sink.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let mail = &received[0];
    assert_eq!(mail.mail_from, "<no-reply@portal.example>");
    assert_eq!(mail.rcpt_to, ["<anna@example.org>"]);
    let parsed = mail_parser::MessageParser::default().parse(mail.data.as_bytes()).unwrap();
    let from = parsed.from().and_then(|a| a.first()).unwrap();
    assert_eq!((from.name(), from.address()), (Some("Riegel Portal"), Some("no-reply@portal.example")));
    assert_eq!(parsed.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("anna@example.org"));
    assert_eq!(parsed.subject(), Some(subject.as_str()));
    // Mail travels with CRLF line ends; the text is the same.
    let text = parsed.body_text(0).map(|b| b.replace("\r\n", "\n")).unwrap_or_default();
    assert_eq!(text.trim_end(), body.trim_end());
    // The code in the e-mail completes the login; the outbox keeps no copy of it.
    let code = six_digits(&body).unwrap();
    assert!(s.verify(&code).await.session_token().is_some());
    let left: String = sqlx::query_scalar("SELECT body FROM outbox").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(left, "");
}

/// The header fields of a received mail, unfolded (RFC 5322 § 2.2.3), in their order.
fn header_fields(data: &str) -> Vec<(String, String)> {
    let head = data.split_once("\r\n\r\n").map_or(data, |(head, _)| head);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            fields.last_mut().expect("a folded line continues a field").1.push_str(line);
        } else {
            let (name, value) = line.split_once(':').expect("a header field");
            fields.push((name.to_owned(), value.trim_start().to_owned()));
        }
    }
    fields
}

/// The value of the field `name`, which must be in the mail exactly once.
fn only_one<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    let values: Vec<&str> =
        fields.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
    assert_eq!(values.len(), 1, "{name} exactly once: {fields:#?}");
    values[0]
}

/// A date-time as RFC 5322 § 3.3 writes it: `[Day, ]D[D] Mon YYYY HH:MM:SS +ZZZZ`.
fn is_rfc5322_date(s: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let digits =
        |s: &str, n: std::ops::RangeInclusive<usize>| n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let rest = match s.split_once(", ") {
        Some((day, rest)) if DAYS.contains(&day) => rest,
        Some(_) => return false,
        None => s,
    };
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, zone] = parts.as_slice() else { return false };
    let time: Vec<&str> = time.split(':').collect();
    digits(day, 1..=2)
        && MONTHS.contains(month)
        && digits(year, 4..=4)
        && time.len() == 3
        && time.iter().all(|t| digits(t, 2..=2))
        && zone.len() == 5
        && zone.starts_with(['+', '-'])
        && digits(&zone[1..], 4..=4)
}

#[tokio::test]
async fn every_e_mail_carries_the_header_fields_mail_servers_and_spam_filters_expect() {
    let (sink, url) = SmtpSink::default().start().await;
    let t = TestApp::start_with_delivery(delivery(Some(url), None, Duration::from_secs(5))).await;
    let mut subjects = std::collections::HashMap::new();
    for (n, email) in ["anna@example.org", "bert@example.org"].into_iter().enumerate() {
        t.user(email, PW, "member").await;
        let c = Client::new(&t, ip(10 + n as u8));
        let (_, token) = c.password(email, PW).await;
        assert_eq!(c.with_session(&token).post("/api/mfa/switch", "method=email").await.status, StatusCode::OK);
        subjects.insert(email, pending(&t, email).await.0);
    }
    t.deliver().await;
    let received = sink.received();
    assert_eq!(received.len(), 2, "{received:?}");

    // The delivery pass reads the clock once, and the test clock stands still.
    let now = t.state.clock.now().0;
    let mut ids = Vec::new();
    for mail in &received {
        let to = mail.rcpt_to[0].trim_matches(['<', '>']);
        let subject = &subjects[to];
        let fields = header_fields(&mail.data);
        let parsed = mail_parser::MessageParser::default().parse(mail.data.as_bytes()).unwrap();

        // RFC 5322 § 3.6.4: `<id-left@id-right>`, the right side the sender's domain, the left
        // side unique and telling nothing about the recipient.
        let id = only_one(&fields, "Message-ID");
        let (left, domain) = id
            .strip_prefix('<')
            .and_then(|id| id.strip_suffix('>'))
            .and_then(|id| id.split_once('@'))
            .unwrap_or_else(|| panic!("Message-ID {id:?}"));
        assert_eq!(domain, "portal.example", "{id}");
        assert!(left.len() >= 16 && left.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)), "{id}");
        assert!(!left.contains(to.split('@').next().unwrap()), "{id}");
        ids.push(id.to_owned());

        let date = only_one(&fields, "Date");
        assert!(is_rfc5322_date(date), "Date {date:?}");
        let sent = parsed.date().unwrap_or_else(|| panic!("Date {date:?}")).to_timestamp();
        assert_eq!(sent, now, "Date {date:?} is the time of sending");

        only_one(&fields, "From");
        let from = parsed.from().and_then(|a| a.first()).unwrap();
        assert_eq!((from.name(), from.address()), (Some("Riegel Portal"), Some("no-reply@portal.example")));
        only_one(&fields, "To");
        let recipients: Vec<_> = parsed.to().unwrap().iter().map(|a| a.address()).collect();
        assert_eq!(recipients, [Some(to)]);
        only_one(&fields, "Subject");
        assert_eq!(parsed.subject(), Some(subject.as_str()));
        assert_eq!(only_one(&fields, "MIME-Version"), "1.0");
        only_one(&fields, "Content-Type");
        let content_type = mail_parser::MimeHeaders::content_type(&parsed).unwrap();
        assert_eq!((content_type.ctype(), content_type.subtype()), ("text", Some("plain")));
        assert!(content_type.attribute("charset").is_some_and(|c| c.eq_ignore_ascii_case("utf-8")), "{content_type:?}");
        // RFC 3834 § 5: no out-of-office reply comes back to the portal.
        assert!(only_one(&fields, "Auto-Submitted").eq_ignore_ascii_case("auto-generated"), "{fields:?}");
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn sms_go_out_through_a_twilio_compatible_gateway_exactly_as_written() {
    let (stub, url) = SmsStub::default().start().await;
    let t = TestApp::start_with_delivery(delivery(None, Some(url), Duration::from_secs(5))).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    let (_, body) = pending(&t, PHONE).await;
    assert_eq!(t.deliver().await, 1);

    assert_eq!(
        stub.requests(),
        [SmsRequest {
            account: "AC0123456789".into(),
            credentials: "AC0123456789:gateway-token-1".into(),
            to: PHONE.into(),
            from: "Riegel".into(),
            body: body.clone(),
        }]
    );
    let code = six_digits(&stub.requests()[0].body).unwrap();
    assert!(c.with_session(&token).verify(&code).await.session_token().is_some());
}

#[tokio::test]
async fn a_failing_gateway_is_retried_with_backoff_and_support_sees_why() {
    let (stub, url) = SmsStub::default().start().await;
    *stub.fail_first.lock().unwrap() = 2;
    let t = TestApp::start_with_delivery(delivery(None, Some(url), Duration::from_secs(5))).await;
    let anna = t.user("anna@example.org", PW, "member").await;
    Client::new(&t, ip(2)).password("anna@example.org", PW).await;
    let providers = server::providers(&t.state);
    let now = t.state.clock.now();

    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now, 10).await.unwrap(), 1);
    let (attempts, error, sent): (i64, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT attempts, last_error, sent_at FROM outbox").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!((attempts, error.as_deref(), sent), (1, Some("SMS gateway answered 503 (error 20503)"), None));
    // Support sees the failure on the account, with the next attempt.
    let agent = t.support_agent().await;
    let detail = agent.post("/api/support/account", &format!("id={anna}")).await;
    assert_eq!(detail.status, StatusCode::OK, "{detail:?}");
    assert!(detail.body.contains("SMS gateway answered 503 (error 20503)"), "{}", detail.body);
    assert!(detail.body.contains("\"attempts\":1"), "{}", detail.body);

    // Not due again before the backoff (1 s, then 2 s); then it goes out once.
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now, 10).await.unwrap(), 0);
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now.plus_secs(1), 10).await.unwrap(), 1);
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now.plus_secs(2), 10).await.unwrap(), 0);
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now.plus_secs(3), 10).await.unwrap(), 1);
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now.plus_secs(600), 10).await.unwrap(), 0);
    let (attempts, error, sent): (i64, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT attempts, last_error, sent_at FROM outbox").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!((attempts, error, sent.is_some()), (3, None, true));
    let requests = stub.requests();
    assert_eq!(requests.len(), 3, "two refused, one accepted");
    assert!(requests.iter().all(|r| r.body == requests[0].body), "the same message each time");
}

#[tokio::test]
async fn a_refused_e_mail_waits_and_goes_out_on_the_next_attempt() {
    let (sink, url) = SmtpSink::default().start().await;
    *sink.fail_first.lock().unwrap() = 1;
    let t = TestApp::start_with_delivery(delivery(Some(url), None, Duration::from_secs(5))).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    c.with_session(&token).post("/api/mfa/switch", "method=email").await;
    let providers = server::providers(&t.state);
    let now = t.state.clock.now();
    worker::deliver_due(&t.state.writer, &providers, now, 10).await.unwrap();
    let error: Option<String> = sqlx::query_scalar("SELECT last_error FROM outbox WHERE channel = 'email'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(error.as_deref(), Some("SMTP transient error (451)"));
    assert!(sink.received().is_empty());
    worker::deliver_due(&t.state.writer, &providers, now.plus_secs(1), 10).await.unwrap();
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_provider_that_never_answers_times_out_and_the_message_waits() {
    let (_sink, url) = SmtpSink { silent: true, ..SmtpSink::default() }.start().await;
    let t = TestApp::start_with_delivery(delivery(Some(url), None, Duration::from_secs(1))).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(2));
    let (_, token) = c.password("anna@example.org", PW).await;
    c.with_session(&token).post("/api/mfa/switch", "method=email").await;
    let providers = server::providers(&t.state);
    let pass = worker::deliver_due(&t.state.writer, &providers, t.state.clock.now(), 10);
    let due = tokio::time::timeout(Duration::from_secs(10), pass).await.expect("the attempt is bounded").unwrap();
    assert_eq!(due, 2, "the SMS of the challenge and the e-mail");
    let (attempts, error): (i64, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM outbox WHERE channel = 'email'")
            .fetch_one(&t.state.pool)
            .await
            .unwrap();
    assert_eq!((attempts, error.as_deref()), (1, Some("SMTP timed out")));
}

#[tokio::test]
async fn a_message_refused_for_good_is_given_up_and_its_code_wiped() {
    let (stub, url) = SmsStub { refuse: true, ..SmsStub::default() }.start().await;
    let t = TestApp::start_with_delivery(delivery(None, Some(url), Duration::from_secs(5))).await;
    let anna = t.user("anna@example.org", PW, "member").await;
    Client::new(&t, ip(2)).password("anna@example.org", PW).await;
    let providers = server::providers(&t.state);
    let now = t.state.clock.now();
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now, 10).await.unwrap(), 1);
    let (body, error, gave_up): (String, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT body, last_error, gave_up_at FROM outbox").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(
        (body.as_str(), error.as_deref(), gave_up),
        ("", Some("SMS gateway answered 400 (error 21211)"), Some(now.0))
    );
    // Never tried again.
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now.plus_secs(3600), 10).await.unwrap(), 0);
    assert_eq!(stub.requests().len(), 1);
    let detail = t.support_agent().await.post("/api/support/account", &format!("id={anna}")).await;
    assert!(detail.body.contains("\"gave_up\":[") && detail.body.contains("(error 21211)"), "{}", detail.body);
}

#[tokio::test]
async fn a_message_undelivered_for_a_day_is_given_up() {
    let t = TestApp::start_prod().await;
    t.user("anna@example.org", PW, "member").await;
    Client::new(&t, ip(2)).password("anna@example.org", PW).await;
    // Production without providers: the SMS waits, and is retried until it is a day old.
    let providers = server::providers(&t.state);
    let now = t.state.clock.now();
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, now, 10).await.unwrap(), 1);
    let later = now.plus_secs(worker::GIVE_UP_AFTER_SECS);
    assert_eq!(worker::deliver_due(&t.state.writer, &providers, later, 10).await.unwrap(), 1);
    let (body, attempts, gave_up): (String, i64, Option<i64>) =
        sqlx::query_as("SELECT body, attempts, gave_up_at FROM outbox").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!((body.as_str(), attempts, gave_up), ("", 2, Some(later.0)));
}
