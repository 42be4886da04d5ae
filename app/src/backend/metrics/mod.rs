//! Prometheus metrics: every name, label and meaning, and where each is counted.
//!
//! Kept only when the operator asks for them (`--metrics-bind`; the tests always do), and
//! served in Prometheus' text format on that address alone, never on the public port. Every
//! label value is one of a fixed set of words (a route's template, a status code, a channel,
//! an outcome): no label ever carries an account, an address, a phone number, an IP or a code.
//!
//! **Counted when committed.** What a use case decided (a login passed, a code sent, a lock
//! set) is counted from the typed audit event it records ([`Count::of`]), and only when the
//! transaction that recorded it commits (`db::WriteTx::commit`): a rolled-back transaction
//! counts nothing, and a counter agrees with the audit log.
//!
//! | metric | type | labels | meaning |
//! |---|---|---|---|
//! | `riegel_http_requests_total` | counter | `route`, `method`, `status` | answers given; `route` is the router's template (`/api/login`, `/oidc/token`), `fallback` for static files and unknown paths |
//! | `riegel_http_request_duration_seconds` | histogram | `route`, `method` | time to the answer's head (for an event stream: until it opens, not how long it stays open) |
//! | `riegel_logins_total` | counter | `outcome`: `password_refused`, `throttled`, `locked`, `challenge`, `setup`, `passed` | password steps (`challenge`: the password was right and a second factor is asked, also when the code quota then locks) and completed logins |
//! | `riegel_codes_sent_total` | counter | `purpose` (`login`, `setup`), `channel` (`sms`, `email`) | one-time codes put into the outbox |
//! | `riegel_codes_passed_total` | counter | `purpose`, `channel` | codes entered correctly |
//! | `riegel_codes_refused_total` | counter | `purpose` | wrong codes entered |
//! | `riegel_tans_total` | counter | `outcome`: `sent`, `passed`, `refused`, `voided` | TANs (always by SMS) |
//! | `riegel_locks_set_total` | counter | `lock`: `account` (the 24 h lock), `tan` (the TAN lock) | locks set |
//! | `riegel_locks_lifted_total` | counter | `lock` | locks lifted by support or an operator (a 24 h lock that runs out is not counted) |
//! | `riegel_quota_refusals_total` | counter | `quota`: `codes_sms`, `codes_email` (the daily code quota), `network_sms` (SMS per network), `push`, `wrong_entries` | sends or entries refused by a quota |
//! | `riegel_deliveries_total` | counter | `provider` (`smtp`, `sms_gateway`, `dev`, `unconfigured`), `channel`, `outcome` (`sent`, `failed`, `given_up`) | delivery attempts of the outbox |
//! | `riegel_outbox_waiting` | gauge | `channel` | messages not yet delivered nor given up (read at scrape time) |
//! | `riegel_outbox_oldest_age_seconds` | gauge | `channel` | age of the oldest of them; 0 when none waits |
//! | `riegel_argon2_jobs` | gauge | — | password hashes running or waiting for a thread |
//! | `riegel_argon2_capacity` | gauge | — | jobs admitted at most (threads plus queue) |
//! | `riegel_argon2_refusals_total` | counter | — | hashes refused because the queue was full (answered 503) |
//! | `riegel_db_pool_connections` | gauge | `state`: `in_use`, `idle` | the database pool's connections |
//! | `riegel_db_write_wait_seconds` | histogram | — | each wait of a write: for its turn (`Writer::begin`: the queue, the connection) and, on PostgreSQL, for the keys it locks (`WriteTx::lock`) |
//! | `riegel_db_write_timeouts_total` | counter | — | writes that gave up waiting for the turn (answered 503) |
//! | `riegel_push_streams_open` | gauge | `stream`: `device`, `login` | open event streams of push devices and waiting login screens |
//! | `riegel_build_info` | gauge | `version`, `backend` (`sqlite`, `postgres`) | always 1 |

use std::{sync::Arc, time::Duration};

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use super::{audit::AuditEvent, db::Backend, state::AppState, store};

mod help;
use crate::domain::{channel::Channel, login::LoginState, mfa::Method, mfa::Purpose, time::Timestamp};

/// Buckets of every histogram (seconds): a request's milliseconds up to the write turn's
/// 10 s timeout.
const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0];

/// Where the server records its metrics: nowhere (the default), or a registry of its own
/// that `/metrics` renders. A handle: clones record into the same registry.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Registry>>);

struct Registry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Metrics").field(&self.0.is_some()).finish()
    }
}

/// What a committed transaction counts (see the module header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Login(LoginOutcome),
    CodeSent(Purpose, Method),
    CodePassed(Purpose, Method),
    CodeRefused(Purpose),
    Tan(TanOutcome),
    LockSet(Lock),
    LockLifted(Lock),
    QuotaRefused(Quota),
    Delivery { provider: &'static str, channel: Channel, outcome: DeliveryOutcome },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    PasswordRefused,
    /// A login with a passkey alone that did not pass.
    PasskeyRefused,
    Throttled,
    Locked,
    Challenge,
    Setup,
    Passed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TanOutcome {
    Sent,
    Passed,
    Refused,
    Voided,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// The 24-hour lock of an account.
    Account,
    /// The TAN system's lock.
    Tan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quota {
    Codes(Method),
    NetworkSms,
    Push,
    WrongEntries,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent,
    Failed,
    GivenUp,
}

/// An open event stream; counted in `riegel_push_streams_open` until dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// A paired device's stream of requests.
    Device,
    /// A waiting login screen's stream of its push.
    Login,
}

impl Count {
    /// What an audit event counts, if anything. Exhaustive: a new event is a decision here.
    pub fn of(event: &AuditEvent<'_>) -> Option<Count> {
        use AuditEvent as E;
        Some(match event {
            E::LoginFailed { .. } => Count::Login(LoginOutcome::PasswordRefused),
            E::PasskeyLoginRefused { .. } => Count::Login(LoginOutcome::PasskeyRefused),
            E::LoginThrottled { .. } => Count::Login(LoginOutcome::Throttled),
            E::LoginLocked { .. } => Count::Login(LoginOutcome::Locked),
            E::PasswordAccepted { next, .. } => match next {
                LoginState::ChallengeRequired => Count::Login(LoginOutcome::Challenge),
                LoginState::SetupRequired => Count::Login(LoginOutcome::Setup),
                // A login that needs no second factor records `LoginSucceeded` as well.
                LoginState::Anonymous
                | LoginState::Authenticated
                | LoginState::PhoneReset
                | LoginState::ResetChallenge
                | LoginState::NewPassword => return None,
            },
            E::LoginSucceeded { .. } => Count::Login(LoginOutcome::Passed),
            E::CodeSent { purpose, channel, .. } => Count::CodeSent(*purpose, *channel),
            E::CodeAccepted { purpose, channel, .. } => Count::CodePassed(*purpose, *channel),
            E::CodeRefused { purpose, .. } => Count::CodeRefused(*purpose),
            E::TanIssued { .. } => Count::Tan(TanOutcome::Sent),
            E::TanAccepted { .. } => Count::Tan(TanOutcome::Passed),
            E::TanRefused { .. } => Count::Tan(TanOutcome::Refused),
            E::TanVoided { .. } => Count::Tan(TanOutcome::Voided),
            E::AccountLocked { .. } => Count::LockSet(Lock::Account),
            E::TanLocked { .. } => Count::LockSet(Lock::Tan),
            E::LockLifted { .. } => Count::LockLifted(Lock::Account),
            E::TanUnlocked { .. } => Count::LockLifted(Lock::Tan),
            E::QuotaExceeded { channel, .. } => Count::QuotaRefused(Quota::Codes(*channel)),
            E::SmsCapped => Count::QuotaRefused(Quota::NetworkSms),
            E::PushQuotaExceeded { .. } => Count::QuotaRefused(Quota::Push),
            E::WrongEntriesExceeded { .. } => Count::QuotaRefused(Quota::WrongEntries),
            E::LoggedOut { .. }
            | E::AccountCreated { .. }
            | E::TotpEnrolled { .. }
            | E::TotpAccepted { .. }
            | E::PushDevicePaired { .. }
            | E::PushSubscribed { .. }
            | E::PushDeviceRemoved { .. }
            | E::PasskeyChanged { .. }
            | E::PasskeyAccepted { .. }
            | E::PushSent { .. }
            | E::PushApproved { .. }
            | E::PushDenied { .. }
            | E::PushSignatureRefused { .. }
            | E::RecoveryCodesCreated { .. }
            | E::RecoveryCodeUsed { .. }
            | E::ChallengeExhausted { .. }
            | E::MfaSetupCompleted { .. }
            | E::TanSessionEnded { .. }
            | E::TanSettingsChanged { .. }
            | E::BankAccountChanged { .. }
            | E::InvoiceSubmitted { .. }
            | E::PasswordChanged { .. }
            | E::CurrentPasswordRefused { .. }
            | E::EmailChangeCodeSent { .. }
            | E::EmailChanged { .. }
            | E::RegistrationStarted { .. }
            | E::RegistrationCompleted { .. }
            | E::InvitationSent { .. }
            | E::InvitationAccepted { .. }
            | E::AccountDisabled { .. }
            | E::AccountEnabled { .. }
            | E::PasswordResetRequested { .. }
            | E::InvitationRefused { .. }
            | E::PasswordResetLinkFollowed { .. }
            | E::PasswordReset { .. }
            | E::PhoneResetLinkSent { .. }
            | E::PhoneResetStarted { .. }
            | E::PhoneReset { .. }
            | E::SupportSearched { .. }
            | E::SupportViewed { .. }
            | E::Oidc { .. } => return None,
        })
    }
}

impl Metrics {
    /// Records nothing (no `--metrics-bind`).
    pub fn off() -> Self {
        Metrics(None)
    }

    /// A registry of its own, with every metric described and the build's info set.
    pub fn on(backend: Backend) -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let metrics = Metrics(Some(Arc::new(Registry { recorder, handle })));
        metrics.record(|| {
            help::describe();
            let backend = match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            gauge!("riegel_build_info", "version" => env!("CARGO_PKG_VERSION"), "backend" => backend).set(1.0);
        });
        metrics
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    fn record(&self, f: impl FnOnce()) {
        if let Some(registry) = &self.0 {
            metrics::with_local_recorder(&registry.recorder, f);
        }
    }

    /// Counts what a committed transaction recorded.
    pub fn committed(&self, counts: &[Count]) {
        if counts.is_empty() {
            return;
        }
        self.record(|| counts.iter().for_each(|c| count(*c)));
    }

    /// One answer of the router: its route template, method and status, and how long it took.
    pub fn request(&self, route: &str, method: &'static str, status: u16, took: Duration) {
        self.record(|| {
            let (route, status) = (route.to_owned(), status.to_string());
            counter!("riegel_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
                .increment(1);
            histogram!("riegel_http_request_duration_seconds", "route" => route, "method" => method)
                .record(took.as_secs_f64());
        });
    }

    /// A wait for the write turn or a write's locks, and whether it gave up.
    pub fn write_waited(&self, took: Duration, gave_up: bool) {
        self.record(|| {
            histogram!("riegel_db_write_wait_seconds").record(took.as_secs_f64());
            if gave_up {
                counter!("riegel_db_write_timeouts_total").increment(1);
            }
        });
    }

    /// Counts an event stream as open until the guard is dropped.
    pub fn stream_opened(&self, stream: Stream) -> OpenStream {
        let label = match stream {
            Stream::Device => "device",
            Stream::Login => "login",
        };
        self.record(|| gauge!("riegel_push_streams_open", "stream" => label).increment(1.0));
        OpenStream { metrics: self.clone(), label }
    }

    /// Drops the histograms' samples rendered since (call every few seconds when nobody
    /// scrapes, so memory stays bounded).
    pub fn upkeep(&self) {
        if let Some(registry) = &self.0 {
            registry.handle.run_upkeep();
        }
    }

    /// The text a scrape gets, with the gauges read now: the outbox, the pool, the hasher.
    /// `None` when metrics are off.
    pub async fn scrape(&self, state: &AppState, now: Timestamp) -> Option<String> {
        self.0.as_ref()?;
        let waiting = match state.pool.acquire().await {
            Ok(mut conn) => store::outbox::waiting(&mut conn).await,
            Err(e) => Err(e),
        };
        let hasher = &state.hasher;
        let pool_size = f64::from(state.pool.size());
        let idle = state.pool.num_idle() as f64;
        self.record(|| {
            match waiting {
                Ok(rows) => {
                    for channel in Channel::ALL {
                        let row = rows.iter().find(|r| r.channel == channel.as_str());
                        let (n, oldest) = row.map_or((0, None), |r| (r.waiting, r.oldest));
                        gauge!("riegel_outbox_waiting", "channel" => channel.as_str()).set(n as f64);
                        let age = oldest.map_or(0, |at| (now.0 - at).max(0));
                        gauge!("riegel_outbox_oldest_age_seconds", "channel" => channel.as_str()).set(age as f64);
                    }
                }
                // The gauges keep their last reading; `up` and the requests' 5xx tell the rest.
                Err(e) => tracing::warn!(error = %e, "metrics: the outbox could not be read"),
            }
            gauge!("riegel_argon2_jobs").set(hasher.admitted() as f64);
            let config = hasher.config();
            gauge!("riegel_argon2_capacity").set((config.permits + config.queue) as f64);
            counter!("riegel_argon2_refusals_total").absolute(hasher.refusals());
            gauge!("riegel_db_pool_connections", "state" => "in_use").set((pool_size - idle).max(0.0));
            gauge!("riegel_db_pool_connections", "state" => "idle").set(idle);
        });
        self.text()
    }

    /// The text of what is recorded, without reading the scrape-time gauges.
    pub fn text(&self) -> Option<String> {
        self.0.as_ref().map(|registry| registry.handle.render())
    }
}

/// An open event stream, counted until dropped.
#[must_use]
pub struct OpenStream {
    metrics: Metrics,
    label: &'static str,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        let label = self.label;
        self.metrics.record(|| gauge!("riegel_push_streams_open", "stream" => label).decrement(1.0));
    }
}

fn count(c: Count) {
    match c {
        Count::Login(outcome) => {
            let outcome = match outcome {
                LoginOutcome::PasswordRefused => "password_refused",
                LoginOutcome::PasskeyRefused => "passkey_refused",
                LoginOutcome::Throttled => "throttled",
                LoginOutcome::Locked => "locked",
                LoginOutcome::Challenge => "challenge",
                LoginOutcome::Setup => "setup",
                LoginOutcome::Passed => "passed",
            };
            counter!("riegel_logins_total", "outcome" => outcome).increment(1);
        }
        Count::CodeSent(purpose, channel) => {
            counter!("riegel_codes_sent_total", "purpose" => purpose.as_str(), "channel" => channel.as_str())
                .increment(1);
        }
        Count::CodePassed(purpose, channel) => {
            counter!("riegel_codes_passed_total", "purpose" => purpose.as_str(), "channel" => channel.as_str())
                .increment(1);
        }
        Count::CodeRefused(purpose) => {
            counter!("riegel_codes_refused_total", "purpose" => purpose.as_str()).increment(1);
        }
        Count::Tan(outcome) => {
            let outcome = match outcome {
                TanOutcome::Sent => "sent",
                TanOutcome::Passed => "passed",
                TanOutcome::Refused => "refused",
                TanOutcome::Voided => "voided",
            };
            counter!("riegel_tans_total", "outcome" => outcome).increment(1);
        }
        Count::LockSet(lock) => counter!("riegel_locks_set_total", "lock" => lock_label(lock)).increment(1),
        Count::LockLifted(lock) => counter!("riegel_locks_lifted_total", "lock" => lock_label(lock)).increment(1),
        Count::QuotaRefused(quota) => {
            let quota = match quota {
                Quota::Codes(Method::Sms) => "codes_sms",
                Quota::Codes(Method::Email) => "codes_email",
                Quota::NetworkSms => "network_sms",
                Quota::Push => "push",
                Quota::WrongEntries => "wrong_entries",
            };
            counter!("riegel_quota_refusals_total", "quota" => quota).increment(1);
        }
        Count::Delivery { provider, channel, outcome } => {
            let outcome = match outcome {
                DeliveryOutcome::Sent => "sent",
                DeliveryOutcome::Failed => "failed",
                DeliveryOutcome::GivenUp => "given_up",
            };
            counter!("riegel_deliveries_total", "provider" => provider, "channel" => channel.as_str(), "outcome" => outcome)
                .increment(1);
        }
    }
}

fn lock_label(lock: Lock) -> &'static str {
    match lock {
        Lock::Account => "account",
        Lock::Tan => "tan",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{audit, db, tools::clock};

    #[tokio::test]
    async fn a_rolled_back_transaction_counts_nothing_and_a_committed_one_counts_once() {
        let (database, dir) = db::tests::temporary("metrics-rollback").await;
        let metrics = Metrics::on(Backend::Sqlite);
        let writer = database.writer.clone().with_metrics(metrics.clone());
        let (now, ip) = (clock::now(), Some("192.0.2.1".parse().unwrap()));
        let capped =
            |text: String| text.lines().find(|l| l.starts_with("riegel_quota_refusals_total")).map(str::to_owned);

        let mut tx = writer.begin().await.unwrap();
        audit::record(&mut tx, now, ip, AuditEvent::SmsCapped).await.unwrap();
        drop(tx);
        assert_eq!(capped(metrics.text().unwrap()), None, "rolled back: nothing counted");

        let mut tx = writer.begin().await.unwrap();
        audit::record(&mut tx, now, ip, AuditEvent::SmsCapped).await.unwrap();
        tx.commit().await.unwrap();
        let line = capped(metrics.text().unwrap());
        assert_eq!(line.as_deref(), Some("riegel_quota_refusals_total{quota=\"network_sms\"} 1"));

        let off = database.writer.clone();
        let mut tx = off.begin().await.unwrap();
        audit::record(&mut tx, now, ip, AuditEvent::SmsCapped).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(Metrics::off().text(), None, "off: nothing kept");
        assert_eq!(capped(metrics.text().unwrap()), line, "a writer without metrics counts into none");
        database.pool.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
