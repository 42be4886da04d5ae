//! What every request handler can reach: the pool, the hasher, the keys and the settings.

use std::{net::IpAddr, sync::Arc};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::AnyPool;

use tokio::sync::Notify;

use super::{
    db::{WriteTx, Writer},
    delivery::{dev_outbox::DevOutbox, providers::Providers},
    tools::crypto::Keys,
    tools::hasher::PasswordHasher,
};
use crate::{domain::policy::Policy, wire::AppError};

/// Settings that change behaviour at run time.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Development mode: plain cookie names without `Secure`, the demo seed, the dev outbox.
    pub dev_mode: bool,
    pub policy: Policy,
    /// How a locked-out user reaches the account security team (shown with the lock).
    pub support_contact: String,
    /// The origin e-mailed links point to (`https://portal.example.com`). Never taken from a
    /// request's `Host`, which an attacker could set to steal a reset link.
    pub link_origin: String,
    /// Seconds a delivery pass holds the messages it took.
    pub delivery_claim_secs: i64,
    /// The push services a device's subscription may name (SPEC 15.1).
    pub push_services: Vec<crate::domain::push_service::AllowedService>,
}

#[derive(Clone, Debug)]
pub struct AppState {
    /// For reads.
    pub pool: AnyPool,
    /// For writes: one transaction at a time, queued in the process.
    pub writer: Writer,
    pub hasher: Arc<PasswordHasher>,
    pub keys: Arc<Keys>,
    pub config: Arc<RuntimeConfig>,
    pub leptos_options: LeptosOptions,
    /// Wakes the delivery worker after a transaction wrote to the outbox.
    pub outbox_nudge: Arc<Notify>,
    /// The development provider's mailbox (development mode only).
    pub dev_outbox: Option<Arc<DevOutbox>>,
    /// Where the delivery worker hands messages, per channel.
    pub providers: Providers,
    /// The account whose push requests changed: wakes its device's and its login screens'
    /// event streams.
    pub push_events: super::events::PushEvents,
    /// The time every request and worker reads (the system clock, or a test's).
    pub clock: super::tools::clock::Clock,
    /// What `/metrics` on the metrics address renders (off without `--metrics-bind`); the
    /// writer records into the same.
    pub metrics: super::metrics::Metrics,
}

impl AppState {
    /// Commits a use case's transaction and wakes the delivery worker for what it wrote to the
    /// outbox.
    pub async fn commit(&self, tx: WriteTx) -> Result<(), sqlx::Error> {
        tx.commit().await?;
        self.outbox_nudge.notify_one();
        Ok(())
    }

    /// Commits a refusal's writes (a count, a lock, an issued code or TAN) and answers with
    /// the refusal.
    pub async fn refuse<T>(&self, tx: WriteTx, refusal: AppError) -> Result<T, AppError> {
        self.commit(tx).await?;
        Err(refusal)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The client's address as the server decided it (the socket's peer, or the address a
/// configured trusted proxy reports). Put into each request's extensions by the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);
