//! What a use case knows about the request it serves, read once by the server function.

use std::net::IpAddr;

use super::crypto::Secret;
use crate::domain::{lang::Lang, time::Timestamp};

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
