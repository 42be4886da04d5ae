//! The providers a channel's messages go to (SPEC 8.2): e-mail over SMTP, SMS over an HTTP
//! gateway with Twilio's Messages API, the development outbox, or none. Each is chosen by
//! configuration; the delivery worker calls them and keeps a failed message in the outbox for
//! its next attempt.
//!
//! An error text ([`Failure`]) is stored in `outbox.last_error` and shown in the support
//! console, so it never contains the message: only the provider's status and error code.

use std::{
    sync::Arc,
    time::{Duration, UNIX_EPOCH},
};

use super::{
    dev_outbox::{Delivered, DevOutbox},
    web_push::WebPusher,
};
use crate::{
    backend::store::outbox::DueRow,
    domain::{channel::Channel, time::Timestamp},
};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox,
        header::{self, ContentType, Header, HeaderName, HeaderValue},
    },
};
use rand::Rng;

/// Where messages of one channel go.
#[derive(Clone, Debug)]
pub enum Provider {
    Dev(Arc<DevOutbox>),
    /// E-mail through an SMTP server.
    Smtp(Arc<Smtp>),
    /// SMS through a gateway with Twilio's API.
    SmsGateway(Arc<SmsGateway>),
    /// Web Push through the push service of the device's subscription.
    WebPush(Arc<WebPusher>),
    /// No provider configured: every attempt fails and the message waits in the outbox.
    Unconfigured,
}

/// Why an attempt failed: the provider's status and code (never the message), and whether
/// trying again can help.
#[derive(Debug)]
pub struct Failure {
    pub reason: String,
    /// The provider refused the message for good (an unknown number, a rejected address).
    pub permanent: bool,
    /// The push service says the subscription is gone (404, 410): it ends.
    pub gone: bool,
}

impl Failure {
    pub fn transient(reason: impl Into<String>) -> Self {
        Failure { reason: reason.into(), permanent: false, gone: false }
    }

    pub fn permanent(reason: impl Into<String>) -> Self {
        Failure { reason: reason.into(), permanent: true, gone: false }
    }

    pub fn gone(reason: impl Into<String>) -> Self {
        Failure { reason: reason.into(), permanent: true, gone: true }
    }
}

impl Provider {
    /// Its name in the metrics (`riegel_deliveries_total{provider}`).
    pub const fn name(&self) -> &'static str {
        match self {
            Provider::Dev(_) => "dev",
            Provider::Smtp(_) => "smtp",
            Provider::SmsGateway(_) => "sms_gateway",
            Provider::WebPush(_) => "web_push",
            Provider::Unconfigured => "unconfigured",
        }
    }

    pub(super) async fn deliver(&self, m: &DueRow, channel: Channel, now: Timestamp) -> Result<(), Failure> {
        match self {
            Provider::Dev(outbox) => {
                outbox.push(Delivered {
                    outbox_id: m.id,
                    channel: channel.as_str().to_owned(),
                    recipient: m.recipient.clone(),
                    subject: m.subject.clone(),
                    body: m.body.clone(),
                    delivered_at: now.0,
                });
                Ok(())
            }
            Provider::Smtp(smtp) => smtp.send(&m.recipient, &m.subject, &m.body, now).await,
            Provider::SmsGateway(gateway) => gateway.send(&m.recipient, &m.body).await,
            Provider::WebPush(pusher) => pusher.send(&m.recipient, &m.body, now).await,
            Provider::Unconfigured => {
                Err(Failure::transient(format!("no {} provider is configured", channel.as_str())))
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Providers {
    pub sms: Provider,
    pub email: Provider,
    pub web_push: Provider,
}

impl Providers {
    pub(super) fn for_channel(&self, channel: Channel) -> &Provider {
        match channel {
            Channel::Sms => &self.sms,
            Channel::Email => &self.email,
            Channel::WebPush => &self.web_push,
        }
    }
}

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
            .field("base_url", &"[redacted]")
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
    /// Checks the settings; connects only when a message goes out (a new connection for each:
    /// after a timeout no half-read conversation can be reused). Outside development mode a
    /// server that is given credentials must be reached over TLS. The error is one line for
    /// the operator, without the URL's password.
    pub fn new(settings: &SmtpSettings, timeout: Duration, dev_mode: bool) -> Result<Self, String> {
        let url = settings.url.as_str();
        let has_credentials =
            url.split_once("://").is_some_and(|(_, rest)| rest.split('/').next().unwrap_or("").contains('@'));
        let tls = url.starts_with("smtps://") || url.contains("tls=required");
        if !dev_mode && has_credentials && !tls {
            return Err("the SMTP password must travel over TLS: use smtps:// or ?tls=required".into());
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|e| format!("invalid SMTP URL: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from =
            settings.from.parse::<Mailbox>().map_err(|e| format!("invalid mail sender {:?}: {e}", settings.from))?;
        Ok(Smtp { transport, from, timeout })
    }

    /// Sends one plain-text mail, dated `now`, with the header fields a receiving server and
    /// its spam filter look for (RFC 5322 § 3.6): a mail without `Message-ID` scores as spam,
    /// and a code in the spam folder is a login that fails.
    pub async fn send(&self, to: &str, subject: &str, body: &str, now: Timestamp) -> Result<(), Failure> {
        let to = to.parse::<Mailbox>().map_err(|_| Failure::permanent("invalid recipient address"))?;
        let message = Message::builder()
            .message_id(Some(self.message_id()))
            .date(UNIX_EPOCH + Duration::from_secs(u64::try_from(now.0).unwrap_or(0)))
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            // `body` adds no MIME-Version (only lettre's MIME parts do), but the charset of
            // Content-Type means something only in a MIME message (RFC 2045 § 4).
            .header(header::MIME_VERSION_1_0)
            .header(ContentType::TEXT_PLAIN)
            .header(AutoSubmitted)
            .body(body.to_owned())
            .map_err(|e| Failure::permanent(format!("cannot build the e-mail: {e}")))?;
        // lettre's timeout covers each socket operation; this bounds the whole attempt, so a
        // server that accepts and never greets cannot hold the delivery worker.
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent.map(|_| ()).map_err(|e| smtp_error(&e)),
            Err(_) => Err(Failure::transient("SMTP timed out")),
        }
    }

    /// `<128 random bits in hex@the sender's domain>` (RFC 5322 § 3.6.4): unique without
    /// a registry of sent ids, and it tells nothing about the recipient or the message. The
    /// domain is the sender's rather than the host's name (lettre's default), which is
    /// internal and which a receiving server cannot check against the sender.
    fn message_id(&self) -> String {
        format!("<{:032x}@{}>", rand::rngs::OsRng.r#gen::<u128>(), self.from.email.domain())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834 § 5): the mail is written by the server, not a
/// person, so a mailbox's out-of-office or other automatic reply does not answer it.
#[derive(Clone, Copy, Debug)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match s.trim() {
            v if v.eq_ignore_ascii_case("auto-generated") => Ok(AutoSubmitted),
            v => Err(format!("Auto-Submitted {v:?} is not auto-generated").into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// The SMTP failure in a line: its kind and the server's reply code, never the reply's text
/// (a server may quote the message back).
fn smtp_error(e: &lettre::transport::smtp::Error) -> Failure {
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
    let reason = match e.status() {
        Some(code) => format!("SMTP {kind} ({code})"),
        None => format!("SMTP {kind}"),
    };
    Failure { reason, permanent: e.is_permanent(), gone: false }
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
    /// Outside development mode the gateway must be reached over HTTPS (the token and every
    /// code travel to it), or over HTTP on this machine only.
    pub fn new(settings: &SmsGatewaySettings, timeout: Duration, dev_mode: bool) -> Result<Self, String> {
        let base = settings.base_url.trim_end_matches('/');
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| base.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])));
        if !(base.starts_with("https://") || (base.starts_with("http://") && (dev_mode || local))) {
            return Err("invalid SMS gateway URL: it must start with https://".into());
        }
        if settings.account.is_empty() || settings.token.is_empty() || settings.from.is_empty() {
            return Err("the SMS gateway needs an account, a token and a sender".into());
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would post the message (and its code) to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot set up the SMS gateway client: {e}"))?;
        let url = format!("{base}/2010-04-01/Accounts/{}/Messages.json", settings.account);
        Ok(SmsGateway { client, url, settings: settings.clone() })
    }

    pub async fn send(&self, to: &str, body: &str) -> Result<(), Failure> {
        let s = &self.settings;
        let res = self
            .client
            .post(&self.url)
            .basic_auth(&s.account, Some(&s.token))
            .form(&[("To", to), ("From", s.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(|e| {
                Failure::transient(if e.is_timeout() { "SMS gateway timed out" } else { "SMS gateway unreachable" })
            })?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        // Twilio's error answer: {"code": 21211, "message": "...", ...}. Only the code is kept.
        let code = res.json::<serde_json::Value>().await.ok().and_then(|v| v.get("code").and_then(|c| c.as_i64()));
        let reason = match code {
            Some(code) => format!("SMS gateway answered {} (error {code})", status.as_u16()),
            None => format!("SMS gateway answered {}", status.as_u16()),
        };
        // A 4xx other than 429 refuses this message for good (an invalid or blocked number);
        // a 429 or 5xx may pass on a later attempt.
        let permanent = status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS;
        Err(Failure { reason, permanent, gone: false })
    }
}
