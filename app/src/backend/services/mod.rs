//! One service per use case: the domain decision, the writes, the audit event and any outbox
//! row in one `BEGIN IMMEDIATE` transaction.

pub mod account_recovery;
pub mod accounts;
pub mod auth;
pub mod challenge;
pub mod oidc_login;
pub mod oidc_tokens;
pub mod overview;
pub mod portal;
pub mod push;
pub mod recovery_codes;
pub mod registration;
pub mod settings;
pub mod support;
pub mod totp;
