//! The types that cross the wire between the browser and the server: every request and
//! response type of a server function, in the file named like its `api` file, and the one
//! error type (`AppError`, with `InputError`), reached as `wire::AppError`.
//!
//! Built for both the server (`ssr`) and the browser (`hydrate`). This layer sits below the
//! server functions (`api`), the pages and the backend: each of them imports it, and it
//! imports none of them (only `domain` value types such as `Method`).

pub mod accounts;
pub mod auth;
pub mod challenge;
mod error;
pub mod oidc_login;
pub mod overview;
pub mod passkeys;
pub mod portal;
pub mod push;
pub mod registration;
pub mod settings;
pub mod support;
pub mod totp;
pub mod web_push;

pub use error::{AppError, InputError};
