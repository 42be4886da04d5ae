//! The server-only part of the app: database, services, crypto, sessions, audit.
//!
//! Compiled with the `ssr` feature only; nothing here reaches the browser bundle.

pub mod access;
pub mod account_lock;
pub mod anonymous_cap;
pub mod audit;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod delivery;
pub mod events;
pub mod factor;
pub mod hasher;
pub mod iban;
pub mod input;
pub mod links;
pub mod login_completion;
pub mod messages;
pub mod oidc;
pub mod outbox;
pub mod password_throttle;
pub mod phone;
pub mod providers;
pub mod quota_window;
pub mod request;
pub mod seed;
pub mod services;
pub mod sessions;
pub mod sms_cap;
pub mod state;
pub mod store;
pub mod tan;
pub mod timefmt;
