//! Pure rules of Riegel: no I/O, no clock. Every function that needs the time takes `now`.
//!
//! The modules here are compiled into both the server and the browser bundle, so they use
//! nothing but `std` and `serde` (the password strength estimator, `zxcvbn`, is server-only).

pub mod authorization_details;
pub mod channel;
pub mod email;
pub mod lang;
pub mod links;
pub mod login;
pub mod mask;
pub mod mfa;
pub mod money;
pub mod oidc;
pub mod password;
pub mod payee;
pub mod policy;
pub mod push;
pub mod push_service;
pub mod quota;
pub mod role;
pub mod tan;
pub mod throttle;
pub mod time;
