//! One service per use case: the domain decision, the writes, the audit event (and later the
//! outbox row) in one `BEGIN IMMEDIATE` transaction.

use std::net::IpAddr;

use super::crypto::Secret;
use crate::domain::{lang::Lang, time::Timestamp};

pub mod accounts;
pub mod auth;
pub mod challenge;
pub mod portal;
pub mod push;
pub mod recovery;
pub mod recovery_codes;
pub mod registration;
pub mod support;
pub mod totp;

/// What a service needs to know about the request it serves.
#[derive(Debug)]
pub struct RequestCtx {
    pub ip: IpAddr,
    /// Read once per request from the clock module.
    pub now: Timestamp,
    pub session_token: Option<Secret<String>>,
    /// The cookie of a self-registration in progress in this browser.
    pub registration_token: Option<Secret<String>>,
    /// The user's language, for messages that leave the server.
    pub lang: Lang,
}
