//! The server-only part of the app, grouped by kind; each folder's `mod.rs` says what
//! belongs there and what does not.
//!
//! - use cases: `services/` (one per function, one write transaction each);
//! - the rules they share: `limits/` (quotas, the lock, throttles, caps), `login/` (sessions,
//!   the access gate, the end of a login, one-time links), `factor/` (the challenge and its
//!   factors), `tan` (the TAN system), `oidc/` (OpenID Connect clients, keys and grants);
//! - what a user typed: `input/`; what leaves the server: `messages/` (texts) and
//!   `delivery/` (outbox, worker, providers); the record: `audit/` and `events` (push
//!   wake-ups), and the operator's counts: `metrics`; rows every window has left:
//!   `housekeeping`;
//! - storage: `store/` (every SQL statement) and `db` (pools, migrations, the write
//!   transaction and its locks);
//! - under all of them: `tools/` (clock, crypto, password hashing, time formats);
//! - what every request carries: `request` (`RequestCtx`) and `state` (`AppState`); the demo
//!   of development mode: `seed`.
//!
//! Compiled with the `ssr` feature only; nothing here reaches the browser bundle. Modules that
//! nothing outside the app crate names are `pub(crate)`.

pub(crate) mod audit;
pub mod db;
pub mod delivery;
pub mod events;
pub(crate) mod factor;
pub mod housekeeping;
pub mod input;
pub(crate) mod limits;
pub mod login;
pub(crate) mod messages;
pub mod metrics;
pub mod oidc;
pub mod request;
pub mod seed;
pub mod services;
pub mod state;
pub mod store;
pub(crate) mod tan;
pub mod tools;
