//! The server-only part of the app: database, services, crypto, sessions, audit.
//!
//! Compiled with the `ssr` feature only; nothing here reaches the browser bundle.

pub mod audit;
pub mod db;
pub mod delivery;
pub mod events;
pub mod factor;
pub mod input;
pub(crate) mod limits;
pub mod login;
pub mod messages;
pub mod oidc;
pub mod request;
pub mod seed;
pub mod services;
pub mod state;
pub mod store;
pub mod tan;
pub mod tools;

pub use request::RequestCtx;
pub use state::{AppState, ClientIp, RuntimeConfig};
