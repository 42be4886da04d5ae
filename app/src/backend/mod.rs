//! The server-only part of the app: database, services, crypto, sessions, audit.
//!
//! Compiled with the `ssr` feature only; nothing here reaches the browser bundle.

pub mod audit;
pub mod clock;
pub mod crypto;
pub mod db;
pub mod delivery;
pub mod hasher;
pub mod links;
pub mod messages;
pub mod outbox;
pub mod phone;
pub mod providers;
pub mod seed;
pub mod services;
pub mod sessions;
pub mod state;
pub mod timefmt;

pub use state::{AppState, ClientIp, RuntimeConfig};
