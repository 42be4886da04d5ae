//! Storage: every SQL statement of the app, behind typed functions grouped by table family
//! (one module per family, named for its tables).
//!
//! - Services and the shared rules above call these functions; they never write SQL and
//!   never see a driver's connection type, only [`Conn`] (sqlx's `AnyConnection`, which a
//!   pool connection and a [`WriteTx`](super::db::WriteTx) both dereference to).
//! - A function here decides nothing: it reads or writes what it is told, and returns rows as
//!   named structs or plain values. Policy (quotas, locks, expiry) is decided above, with the
//!   times passed in; secrets arrive here already hashed or sealed.
//! - Each statement is written once for both backends (`$1` placeholders, times as integer
//!   seconds, `CASE` instead of two-argument `max`, conditions read through
//!   [`Flag`](super::db::Flag)). Where SQLite and PostgreSQL differ, the difference is in
//!   [`db`](super::db): how a connection is set up, which migrations run, how a write
//!   transaction takes its lock.
//! - Storage imports only `domain` and `backend::db`.

pub mod anonymous_requests;
pub mod audit_events;
pub mod bank_accounts;
pub mod challenges;
pub mod code_sends;
pub mod email_changes;
pub mod invoices;
pub mod links;
pub mod login_failures;
pub mod notify;
pub mod oidc_clients;
pub mod oidc_grants;
pub mod oidc_keys;
pub mod organisations;
pub mod outbox;
pub mod push;
pub mod recovery_codes;
pub mod registrations;
pub mod sessions;
pub mod sms_sends;
pub mod tans;
pub mod totp;
pub mod users;

/// The one connection type storage functions take.
pub type Conn = sqlx::AnyConnection;

/// Whether the database answers (`/healthz`).
pub async fn ping(pool: &sqlx::AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(drop)
}
