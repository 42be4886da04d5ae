//! The test harness: a router on a fresh database, and a client that speaks to it like the
//! browser's server-function client does.
//!
//! The backend is a parameter, not a copy of the tests: each test app gets a new SQLite file,
//! or, with `RIEGEL_TEST_POSTGRES` set (`./x test` sets it inside a throwaway cluster made by
//! `pg_virtualenv`), a new PostgreSQL database on the server the `PG*` variables name.
//!
//! What it offers, one file each (the tests import all of it from here, `crate::harness::…`):
//! - `test_app`: [`TestApp`], the database it runs on, the accounts it makes, and what a test
//!   reads back (the development outbox, the audit log, rows and counts);
//! - `client`: [`Client`], a browser's requests and cookies, its [`Answer`]s and event streams;
//! - `log_capture`: the server's log in JSON, captured for one test ([`capture_logs`]);
//! - `journeys`: the steps many tests start from ([`logged_in`], [`at_challenge`],
//!   [`with_tan`], a support agent, …);
//! - `push_service`: a real Web Push service for tests ([`PushService`], npm's
//!   `web-push-testing`), which hands out subscriptions and decrypts what it receives.

mod client;
mod journeys;
mod log_capture;
mod push_service;
mod test_app;

pub use client::*;
pub use journeys::*;
pub use log_capture::*;
pub use push_service::*;
pub use test_app::*;
