//! The login as an explicit state machine (SPEC 1, convention 2).
//!
//! A session is in exactly one stage. Today a correct password completes the login; the MFA
//! stages (setup required, challenge) are added here as new variants with their own events,
//! and `transition` stays the one place that says which step may follow which.
//!
//! Rules:
//! - Only an anonymous visitor can present a password (1.1).
//! - Every stage change issues a new session id (1.7); the caller does that, this module only
//!   decides whether the step is legal.
//! - Logging out is legal from every stage and ends the session server-side.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginState {
    Anonymous,
    Authenticated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginEvent {
    PasswordAccepted,
    LoggedOut,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IllegalStep {
    pub from: LoginState,
    pub event: LoginEvent,
}

impl std::fmt::Display for IllegalStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} cannot follow {:?}", self.event, self.from)
    }
}

impl LoginState {
    /// The stage's name in the `sessions.stage` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            LoginState::Anonymous => "anonymous",
            LoginState::Authenticated => "authenticated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "anonymous" => Some(LoginState::Anonymous),
            "authenticated" => Some(LoginState::Authenticated),
            _ => None,
        }
    }
}

/// The one transition function of the login.
pub fn transition(from: LoginState, event: LoginEvent) -> Result<LoginState, IllegalStep> {
    use LoginEvent::*;
    use LoginState::*;
    match (from, event) {
        (Anonymous, PasswordAccepted) => Ok(Authenticated),
        (_, LoggedOut) => Ok(Anonymous),
        (Authenticated, PasswordAccepted) => Err(IllegalStep { from, event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correct_password_authenticates_an_anonymous_visitor() {
        assert_eq!(transition(LoginState::Anonymous, LoginEvent::PasswordAccepted), Ok(LoginState::Authenticated));
    }

    #[test]
    fn an_authenticated_session_cannot_log_in_again() {
        assert_eq!(
            transition(LoginState::Authenticated, LoginEvent::PasswordAccepted),
            Err(IllegalStep { from: LoginState::Authenticated, event: LoginEvent::PasswordAccepted })
        );
    }

    #[test]
    fn logout_is_legal_from_every_stage() {
        for s in [LoginState::Anonymous, LoginState::Authenticated] {
            assert_eq!(transition(s, LoginEvent::LoggedOut), Ok(LoginState::Anonymous));
        }
    }

    #[test]
    fn stage_names_round_trip() {
        for s in [LoginState::Anonymous, LoginState::Authenticated] {
            assert_eq!(LoginState::parse(s.as_str()), Some(s));
        }
        assert_eq!(LoginState::parse("root"), None);
    }
}
