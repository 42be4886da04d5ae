//! The types that cross the wire between the browser and the server: every request and
//! response type of a server function, and the one error type (`AppError`).
//!
//! Built for both the server (`ssr`) and the browser (`hydrate`). This layer sits below the
//! server functions (`api`), the pages and the backend: each of them imports it, and it
//! imports none of them (only `domain` value types such as `Method`).

pub mod accounts;
pub mod auth;
pub mod error;
pub mod home;
pub mod mfa;
pub mod oidc;
pub mod portal;
pub mod support;

pub use error::{AppError, InputError};
