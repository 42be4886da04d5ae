//! The server-only part of the app: database, services, crypto, sessions, audit.
//!
//! Compiled with the `ssr` feature only; nothing here reaches the browser bundle.

pub(crate) mod audit;
pub mod db;
pub mod delivery;
pub mod events;
pub(crate) mod factor;
pub mod input;
pub(crate) mod limits;
pub mod login;
pub(crate) mod messages;
pub mod oidc;
pub mod request;
pub mod seed;
pub mod services;
mod state;
pub mod store;
pub(crate) mod tan;
pub mod tools;

pub use request::RequestCtx;
pub use state::{AppState, ClientIp, RuntimeConfig};
