//! Configuration by flags and environment variables (every flag has a `RIEGEL_*` twin).

use std::net::{IpAddr, SocketAddr};

use app::backend::{
    db::{Location, PoolSettings},
    delivery::providers::{SmsGatewaySettings, SmtpSettings},
    tools::hasher::Argon2Config,
};

use crate::{Delivery, logs::LogFormat};
use clap::{ArgAction, Parser, Subcommand, builder::BoolishValueParser};

#[derive(Parser, Debug, Clone)]
#[command(name = "server", version, about = "Riegel: login and transaction security for the supplier portal")]
pub struct Cli {
    /// The database: an SQLite file (created if its folder exists), or a PostgreSQL URL
    /// `postgres://user:password@host:5432/riegel` for several instances on one database.
    #[arg(long, env = "RIEGEL_DATABASE", default_value = "data/riegel.sqlite", hide_env_values = true)]
    pub database: Location,

    /// Database connections this instance opens at most.
    #[arg(long, env = "RIEGEL_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,

    /// Seconds connecting to PostgreSQL (or waiting for a free connection) may take.
    #[arg(long, env = "RIEGEL_DB_CONNECT_TIMEOUT_SECS", default_value_t = 5)]
    pub db_connect_timeout_secs: u64,

    /// Seconds one PostgreSQL statement may run before the server cancels it.
    #[arg(long, env = "RIEGEL_DB_STATEMENT_TIMEOUT_SECS", default_value_t = 10)]
    pub db_statement_timeout_secs: u64,

    /// Seconds a PostgreSQL transaction may sit between two statements before the server
    /// ends it and frees its locks: how long a frozen instance can hold up the others.
    #[arg(long, env = "RIEGEL_DB_IDLE_IN_TRANSACTION_SECS", default_value_t = 2)]
    pub db_idle_in_transaction_secs: u64,

    /// Address to listen on [default: the site address of Cargo.toml or LEPTOS_SITE_ADDR].
    #[arg(long, env = "RIEGEL_BIND")]
    pub bind: Option<SocketAddr>,

    /// Address to serve Prometheus metrics on (`GET /metrics`), e.g. 127.0.0.1:9464; never
    /// the public address. Unset: no metrics are kept or served.
    #[arg(long, env = "RIEGEL_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    /// Development mode: cookies without `Secure`/`__Host-`, demo seed allowed, a built-in
    /// secret key. Never in production.
    #[arg(long, env = "RIEGEL_DEV", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub dev: bool,

    /// Secret key for keyed hashes of session ids and codes: at least 32 bytes as hex
    /// (`openssl rand -hex 32`). Required outside development mode.
    #[arg(long, env = "RIEGEL_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    // The argon2 defaults (19 MiB, 2 iterations, 1 lane) are OWASP's first recommendation for
    // argon2id.
    /// argon2id memory in KiB.
    #[arg(long, env = "RIEGEL_ARGON2_M_KIB", default_value_t = 19_456)]
    pub argon2_m_kib: u32,

    /// argon2id iterations.
    #[arg(long, env = "RIEGEL_ARGON2_T", default_value_t = 2)]
    pub argon2_t: u32,

    /// argon2id lanes.
    #[arg(long, env = "RIEGEL_ARGON2_P", default_value_t = 1)]
    pub argon2_p: u32,

    /// Password hashes computed at once [default: the number of cores].
    #[arg(long, env = "RIEGEL_ARGON2_PERMITS")]
    pub argon2_permits: Option<usize>,

    /// Password checks that may wait for a permit; more are answered 503 at once
    /// [default: 8 × permits].
    #[arg(long, env = "RIEGEL_ARGON2_QUEUE")]
    pub argon2_queue: Option<usize>,

    /// The one proxy whose `X-Forwarded-For` is believed; otherwise the client IP is the
    /// socket's peer address.
    #[arg(long, env = "RIEGEL_TRUSTED_PROXY")]
    pub trusted_proxy: Option<IpAddr>,

    /// The origin users reach Riegel at (e.g. `https://portal.example.com`). State-changing
    /// requests must come from it; unset, the request's own `Host` is the origin.
    #[arg(long, env = "RIEGEL_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// Seconds a client has to send a request's headers; a keep-alive connection without a next
    /// request is closed after as long.
    #[arg(long, env = "RIEGEL_HEADER_TIMEOUT_SECS", default_value_t = 30)]
    pub header_timeout_secs: u64,

    /// Largest request body in bytes.
    #[arg(long, env = "RIEGEL_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub body_limit: usize,

    /// How a locked-out user reaches the account security team (shown with the lock).
    #[arg(long, env = "RIEGEL_SUPPORT_CONTACT", default_value = "support@riegel.example")]
    pub support_contact: String,

    /// SMTP server for e-mail: `smtps://user:password@host:465` (TLS),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtp://host:25` (no TLS).
    /// Unset: e-mail goes to the development outbox in development mode, and waits otherwise.
    #[arg(long, env = "RIEGEL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The e-mails' sender, e.g. `Riegel <no-reply@portal.example>`.
    #[arg(long, env = "RIEGEL_MAIL_FROM", default_value = "Riegel <no-reply@riegel.example>")]
    pub mail_from: String,

    /// Base URL of an SMS gateway with Twilio's API (e.g. `https://api.twilio.com`). Unset: SMS
    /// go to the development outbox in development mode, and wait otherwise.
    #[arg(long, env = "RIEGEL_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,

    /// The SMS gateway account (Twilio's account SID).
    #[arg(long, env = "RIEGEL_SMS_ACCOUNT", default_value = "")]
    pub sms_account: String,

    /// The SMS gateway token.
    #[arg(long, env = "RIEGEL_SMS_TOKEN", hide_env_values = true, default_value = "")]
    pub sms_token: String,

    /// The SMS sender: a number in E.164 or an alphanumeric sender id.
    #[arg(long, env = "RIEGEL_SMS_FROM", default_value = "Riegel")]
    pub sms_from: String,

    /// Seconds one delivery attempt (SMTP or SMS gateway) may take before it counts as failed.
    #[arg(long, env = "RIEGEL_DELIVERY_TIMEOUT_SECS", default_value_t = 10)]
    pub delivery_timeout_secs: u64,

    /// Seconds a delivery pass holds the messages it took; after a crash another instance (or
    /// the restart) delivers them once this ran out. Longer than the delivery timeout.
    #[arg(long, env = "RIEGEL_DELIVERY_CLAIM_SECS", default_value_t = 60)]
    pub delivery_claim_secs: u64,

    /// The push services Web Push messages may go to (SPEC 15.1): origins separated by commas,
    /// `https://*.domain` for every host under a domain. A device's subscription naming another
    /// host is refused, so Riegel never sends into its own network. The default is the
    /// browsers' push services (Chrome's and Edge's FCM, Firefox's, Apple's, Windows').
    #[arg(long, env = "RIEGEL_PUSH_SERVICES", default_value = app::domain::push_service::DEFAULT_SERVICES)]
    pub push_services: String,

    /// The log's format: `text`, one readable line an event, or `json`, one JSON object a line
    /// for a log collector. `RUST_LOG` sets the filter (default `info,sqlx=warn`).
    #[arg(long, env = "RIEGEL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Seed the demo organisation and accounts and print their logins (development mode only).
    #[arg(long, env = "RIEGEL_SEED_DEMO", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub seed_demo: bool,

    /// Without a command the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Administration from the command line, so a real deployment starts without the demo seed.
/// Each prints an invitation link (72 h): the person sets a password there and then sets up
/// MFA with their own phone. Links use `--public-origin`.
#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Create an organisation and its first admin.
    CreateOrganisation {
        /// The organisation's (the supplier company's) name.
        #[arg(long)]
        name: String,
        /// The admin's e-mail address.
        #[arg(long)]
        admin_email: String,
        /// The admin's full name.
        #[arg(long)]
        admin_name: String,
    },
    /// Create a support agent (the account security team).
    CreateSupportAgent {
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
    },
    /// Applications that log their users in through Riegel (OpenID Connect).
    #[command(subcommand)]
    Client(ClientCommand),
    /// The keys ID tokens are signed with.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Act on an account as an operator, for what no support agent may do (an agent's own
    /// account) or can do (no other agent there). Each needs a reason and is audited with the
    /// actor "operator".
    #[command(subcommand)]
    Account(AccountCommand),
    /// Copy the SQLite database to a new FILE while the server runs (logins go on): a
    /// consistent snapshot, readable by its owner only. Never replaces a file. PostgreSQL is
    /// backed up with `pg_dump` (docs/operate.md). Needs no secret key.
    Backup {
        /// The backup file to create (its folder must exist).
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum AccountCommand {
    /// Lift the account's 24-hour lock early; its daily limits start afresh.
    LiftLock {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// Why, for the audit log (at least 10 characters).
        #[arg(long)]
        reason: String,
    },
    /// Unlock the account's TAN system (locked after three wrong TANs).
    UnlockTan {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// Why, for the audit log (at least 10 characters).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum ClientCommand {
    /// Register an application. A confidential one (the default) gets a secret, shown once;
    /// a `--public` one (in the browser or on a phone) has none and must use PKCE.
    Add {
        /// The `client_id` the application sends.
        #[arg(long)]
        id: String,
        /// Its name, as the audit log shows it.
        #[arg(long)]
        name: String,
        /// Where Riegel may send the user back with a code, matched exactly (repeatable).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where Riegel may send the user after the application logged them out (repeatable).
        #[arg(long = "post-logout-uri")]
        post_logout_uris: Vec<String>,
        /// A public client: no secret, PKCE required.
        #[arg(long)]
        public: bool,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum KeyCommand {
    /// Make the next ID token signing key: published at once, signing a day later.
    Rotate,
}

/// A fixed key for development mode only, so sessions survive a restart of `cargo leptos watch`.
const DEV_KEY: &[u8; 32] = b"riegel-development-key-not-prod!";

impl Cli {
    /// The argon2 settings, checked.
    pub fn argon2(&self) -> Result<Argon2Config, String> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let permits = self.argon2_permits.unwrap_or(cores);
        if permits == 0 {
            return Err("--argon2-permits must be at least 1".into());
        }
        Ok(Argon2Config {
            m_kib: self.argon2_m_kib,
            t: self.argon2_t,
            p: self.argon2_p,
            permits,
            queue: self.argon2_queue.unwrap_or(permits * 8),
        })
    }

    /// The secret key bytes, checked.
    pub fn secret_key_bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.secret_key, self.dev) {
            (Some(hex_key), _) => {
                let bytes = hex::decode(hex_key.trim()).map_err(|_| "RIEGEL_SECRET_KEY must be hexadecimal".to_string())?;
                if bytes.len() < 32 {
                    return Err("RIEGEL_SECRET_KEY must have at least 32 bytes (64 hex characters)".into());
                }
                Ok(bytes)
            }
            (None, true) => Ok(DEV_KEY.to_vec()),
            (None, false) => Err(
                "RIEGEL_SECRET_KEY is required outside development mode (64 hex characters, e.g. from `openssl rand -hex 32`)"
                    .into(),
            ),
        }
    }

    /// The origin e-mailed links point to: the public origin, which outside development mode
    /// must be set and use HTTPS (a reset link must not travel in clear text or to a host the
    /// request named).
    pub fn link_origin(&self, addr: SocketAddr) -> Result<String, String> {
        match (&self.public_origin, self.dev) {
            (Some(origin), true) => Ok(origin.clone()),
            (Some(origin), false) if origin.starts_with("https://") => Ok(origin.clone()),
            (None, true) => Ok(format!("http://{addr}")),
            _ => {
                Err("RIEGEL_PUBLIC_ORIGIN (https://…) is required outside development mode: e-mailed links point to it"
                    .into())
            }
        }
    }

    /// The database connection settings, checked.
    pub fn pool(&self) -> Result<PoolSettings, String> {
        if self.db_max_connections == 0
            || self.db_connect_timeout_secs == 0
            || self.db_statement_timeout_secs == 0
            || self.db_idle_in_transaction_secs == 0
        {
            return Err("--db-max-connections and the --db-*-timeout-secs settings must be at least 1".into());
        }
        Ok(PoolSettings {
            max_connections: self.db_max_connections,
            connect_timeout: std::time::Duration::from_secs(self.db_connect_timeout_secs),
            statement_timeout: std::time::Duration::from_secs(self.db_statement_timeout_secs),
            idle_in_transaction: std::time::Duration::from_secs(self.db_idle_in_transaction_secs),
        })
    }

    /// The delivery providers' settings (SPEC 8.2).
    pub fn delivery(&self) -> Result<Delivery, String> {
        if self.delivery_timeout_secs == 0 {
            return Err("--delivery-timeout-secs must be at least 1".into());
        }
        if self.delivery_claim_secs <= self.delivery_timeout_secs {
            return Err("--delivery-claim-secs must be longer than --delivery-timeout-secs".into());
        }
        Ok(Delivery {
            smtp: self.smtp_url.clone().map(|url| SmtpSettings { url, from: self.mail_from.clone() }),
            sms_gateway: self.sms_gateway_url.clone().map(|base_url| SmsGatewaySettings {
                base_url,
                account: self.sms_account.clone(),
                token: self.sms_token.clone(),
                from: self.sms_from.clone(),
            }),
            timeout: std::time::Duration::from_secs(self.delivery_timeout_secs),
            claim: std::time::Duration::from_secs(self.delivery_claim_secs),
            push_services: self.push_services.clone(),
        })
    }

    pub fn check(&self) -> Result<(), String> {
        if self.seed_demo && !self.dev {
            return Err("--seed-demo is allowed only with --dev".into());
        }
        if self.header_timeout_secs == 0 {
            return Err("--header-timeout-secs must be at least 1".into());
        }
        if self.body_limit < 1024 {
            return Err("--body-limit must be at least 1024 bytes".into());
        }
        if let Some(origin) = &self.public_origin
            && (!(origin.starts_with("https://") || origin.starts_with("http://")) || origin.ends_with('/'))
        {
            return Err("RIEGEL_PUBLIC_ORIGIN must look like https://host[:port] without a trailing slash".into());
        }
        Ok(())
    }
}
