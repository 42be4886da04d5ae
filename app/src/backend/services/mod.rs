//! One service per use case: the domain decision, the writes, the audit event and any outbox
//! row in one write transaction (`db::Writer`).
//!
//! The server binary names six of them (accounts, backup, oidc_login, oidc_tokens, push,
//! support); the rest are reached only through `api/`.

pub(crate) mod account_recovery;
pub mod accounts;
pub(crate) mod auth;
pub mod backup;
pub(crate) mod challenge;
pub mod oidc_login;
pub mod oidc_tokens;
pub(crate) mod overview;
pub(crate) mod passkeys;
pub(crate) mod portal;
pub mod push;
pub(crate) mod recovery_codes;
pub(crate) mod registration;
pub(crate) mod settings;
pub mod support;
pub(crate) mod totp;
pub(crate) mod web_push;
