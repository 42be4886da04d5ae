//! The real delivery channels (SPEC 8.2): e-mail over SMTP and SMS over an HTTP gateway with
//! Twilio's Messages API. Each is chosen by configuration; the delivery worker calls them and
//! keeps a failed message in the outbox for its next attempt.
//!
//! An error text is stored in `outbox.last_error` and shown in the support console, so it
//! never contains the message: only the provider's status and error code.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

/// E-mail through an SMTP server.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `smtps://user:password@host:465` (TLS from the start),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS, refused without it), or
    /// `smtp://host:25` (no TLS: a relay on the same host or network).
    pub url: String,
    /// The sender, e.g. `Riegel <no-reply@portal.example>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold the SMTP password.
        f.debug_struct("SmtpSettings").field("url", &"[redacted]").field("from", &self.from).finish()
    }
}

/// SMS through a gateway with Twilio's API: `POST {base_url}/2010-04-01/Accounts/{account}/
/// Messages.json` with `To`, `From` and `Body`, authenticated with the account and token.
#[derive(Clone)]
pub struct SmsGatewaySettings {
    pub base_url: String,
    pub account: String,
    pub token: String,
    /// The sender number (E.164) or alphanumeric sender id.
    pub from: String,
}

impl std::fmt::Debug for SmsGatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGatewaySettings")
            .field("base_url", &self.base_url)
            .field("account", &self.account)
            .field("token", &"[redacted]")
            .field("from", &self.from)
            .finish()
    }
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Smtp {
    /// Checks the settings; connects only when the first message goes out. The error is one
    /// line for the operator, without the URL's password.
    pub fn new(settings: &SmtpSettings, timeout: Duration) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|e| format!("invalid SMTP URL: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from =
            settings.from.parse::<Mailbox>().map_err(|e| format!("invalid mail sender {:?}: {e}", settings.from))?;
        Ok(Smtp { transport, from, timeout })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to = to.parse::<Mailbox>().map_err(|_| "invalid recipient address".to_owned())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("cannot build the e-mail: {e}"))?;
        // lettre's timeout covers each socket operation; this bounds the whole attempt, so a
        // server that accepts and never greets cannot hold the delivery worker.
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent.map(|_| ()).map_err(|e| smtp_error(&e)),
            Err(_) => Err("SMTP timed out".into()),
        }
    }
}

/// The SMTP failure in a line: its kind and the server's reply code, never the reply's text
/// (a server may quote the message back).
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_permanent() {
        "permanent error"
    } else if e.is_transient() {
        "transient error"
    } else if e.is_tls() {
        "TLS error"
    } else {
        "connection error"
    };
    match e.status() {
        Some(code) => format!("SMTP {kind} ({code})"),
        None => format!("SMTP {kind}"),
    }
}

pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
    settings: SmsGatewaySettings,
}

impl std::fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGateway").field("url", &self.url).finish_non_exhaustive()
    }
}

impl SmsGateway {
    pub fn new(settings: &SmsGatewaySettings, timeout: Duration) -> Result<Self, String> {
        let base = settings.base_url.trim_end_matches('/');
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(format!("invalid SMS gateway URL {base:?}: it must start with https://"));
        }
        if settings.account.is_empty() || settings.token.is_empty() || settings.from.is_empty() {
            return Err("the SMS gateway needs an account, a token and a sender".into());
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot set up the SMS gateway client: {e}"))?;
        let url = format!("{base}/2010-04-01/Accounts/{}/Messages.json", settings.account);
        Ok(SmsGateway { client, url, settings: settings.clone() })
    }

    pub async fn send(&self, to: &str, body: &str) -> Result<(), String> {
        let s = &self.settings;
        let res = self
            .client
            .post(&self.url)
            .basic_auth(&s.account, Some(&s.token))
            .form(&[("To", to), ("From", s.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() { "SMS gateway timed out".to_owned() } else { "SMS gateway unreachable".to_owned() }
            })?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        // Twilio's error answer: {"code": 21211, "message": "...", ...}. Only the code is kept.
        let code = res.json::<serde_json::Value>().await.ok().and_then(|v| v.get("code").and_then(|c| c.as_i64()));
        Err(match code {
            Some(code) => format!("SMS gateway answered {} (error {code})", status.as_u16()),
            None => format!("SMS gateway answered {}", status.as_u16()),
        })
    }
}
