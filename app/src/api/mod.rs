//! Server functions, grouped by area. Their request and response types live in `wire`
//! (re-exported here for the pages).
//!
//! Each function is thin: it reads the session and client IP from the
//! request, calls one backend service and maps the error.

pub mod accounts;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod context;
pub mod mfa;
pub mod oidc;
pub mod portal;
pub mod support;

pub use crate::wire::{AppError, InputError};
