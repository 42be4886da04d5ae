//! The login as an explicit state machine (SPEC 1, 2.2, 3).
//!
//! Rules:
//! - Only an anonymous visitor can present a password (1.1).
//! - Correct password, MFA not set up → `SetupRequired`, whatever the IP; there is no way
//!   around setup (1.3).
//! - Correct password, MFA set up, request IP equal to the account's trusted IP (the IP of its
//!   last fully authenticated login) → `Authenticated` (1.4).
//! - Otherwise → `ChallengeRequired` (1.5).
//! - Setup completed or challenge passed → `Authenticated`; that IP becomes the trusted IP.
//! - A passkey alone, its user verified by the device (two factors in one), → `Authenticated`
//!   whatever the IP (14.2); that IP becomes the trusted IP.
//! - A correct password presented with a valid phone-reset link → `PhoneReset`: setup of a
//!   new number replaces the challenge for that one login (6.2); done → `Authenticated`.
//! - A followed forgotten-password link → `ResetChallenge` (the MFA challenge, 6.3); passed →
//!   `NewPassword`; the new password ends every session → `Anonymous`.
//! - Every stage change issues a new session id (1.7); the caller does that, this module only
//!   decides whether the step is legal.
//! - Logging out is legal from every stage and ends the session server-side.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginState {
    Anonymous,
    SetupRequired,
    ChallengeRequired,
    Authenticated,
    /// Setting up a new phone after a support phone-reset link (SPEC 6.2).
    PhoneReset,
    /// The MFA challenge of a forgotten-password link (SPEC 6.3).
    ResetChallenge,
    /// Challenge passed: the user may set a new password, nothing else.
    NewPassword,
}

/// What the password step learned about the account and the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordContext {
    pub mfa_active: bool,
    pub ip_trusted: bool,
    /// A valid phone-reset link for this account came with the password.
    pub phone_reset: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginEvent {
    PasswordAccepted(PasswordContext),
    SetupCompleted,
    ChallengePassed,
    /// A passkey alone passed (no password), its user verified.
    PasskeyAccepted,
    /// A valid forgotten-password link was followed.
    ResetLinkFollowed,
    /// The new password is set; every session of the account ends.
    PasswordReset,
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
    pub const ALL: [LoginState; 7] = [
        LoginState::Anonymous,
        LoginState::SetupRequired,
        LoginState::ChallengeRequired,
        LoginState::Authenticated,
        LoginState::PhoneReset,
        LoginState::ResetChallenge,
        LoginState::NewPassword,
    ];

    /// The stage's name in the `sessions.stage` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            LoginState::Anonymous => "anonymous",
            LoginState::SetupRequired => "setup_required",
            LoginState::ChallengeRequired => "challenge_required",
            LoginState::Authenticated => "authenticated",
            LoginState::PhoneReset => "phone_reset",
            LoginState::ResetChallenge => "reset_challenge",
            LoginState::NewPassword => "new_password",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        LoginState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The page a session in this stage belongs on.
    pub const fn home(self) -> &'static str {
        match self {
            LoginState::Anonymous => "/login",
            LoginState::SetupRequired => "/mfa/setup",
            LoginState::ChallengeRequired => "/mfa",
            LoginState::Authenticated => "/",
            LoginState::PhoneReset => "/mfa/setup",
            LoginState::ResetChallenge => "/mfa",
            LoginState::NewPassword => "/password/new",
        }
    }
}

/// The one transition function of the login.
pub fn transition(from: LoginState, event: LoginEvent) -> Result<LoginState, IllegalStep> {
    use LoginEvent::*;
    use LoginState::*;
    match (from, event) {
        (Anonymous, PasswordAccepted(ctx)) => Ok(match ctx {
            PasswordContext { phone_reset: true, .. } => PhoneReset,
            PasswordContext { mfa_active: false, .. } => SetupRequired,
            PasswordContext { mfa_active: true, ip_trusted: true, .. } => Authenticated,
            PasswordContext { mfa_active: true, ip_trusted: false, .. } => ChallengeRequired,
        }),
        (SetupRequired | PhoneReset, SetupCompleted) | (ChallengeRequired, ChallengePassed) => Ok(Authenticated),
        (Anonymous, PasskeyAccepted) => Ok(Authenticated),
        (Anonymous, ResetLinkFollowed) => Ok(ResetChallenge),
        (ResetChallenge, ChallengePassed) => Ok(NewPassword),
        (NewPassword, PasswordReset) => Ok(Anonymous),
        (_, LoggedOut) => Ok(Anonymous),
        _ => Err(IllegalStep { from, event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LoginEvent::*;
    use LoginState::*;

    const fn pw(mfa_active: bool, ip_trusted: bool) -> LoginEvent {
        PasswordAccepted(PasswordContext { mfa_active, ip_trusted, phone_reset: false })
    }

    #[test]
    fn without_mfa_setup_comes_first_whatever_the_ip() {
        assert_eq!(transition(Anonymous, pw(false, false)), Ok(SetupRequired));
        assert_eq!(transition(Anonymous, pw(false, true)), Ok(SetupRequired));
    }

    #[test]
    fn the_trusted_ip_skips_the_challenge_any_other_ip_gets_it() {
        assert_eq!(transition(Anonymous, pw(true, true)), Ok(Authenticated));
        assert_eq!(transition(Anonymous, pw(true, false)), Ok(ChallengeRequired));
    }

    #[test]
    fn setup_and_challenge_lead_to_authenticated_and_nowhere_else() {
        assert_eq!(transition(SetupRequired, SetupCompleted), Ok(Authenticated));
        assert_eq!(transition(ChallengeRequired, ChallengePassed), Ok(Authenticated));
        assert!(transition(SetupRequired, ChallengePassed).is_err(), "no way around setup");
        assert!(transition(ChallengeRequired, SetupCompleted).is_err());
        assert!(transition(Anonymous, ChallengePassed).is_err());
        assert!(transition(Anonymous, SetupCompleted).is_err());
    }

    #[test]
    fn a_passkey_alone_logs_an_anonymous_visitor_in_and_is_no_step_of_a_login_under_way() {
        assert_eq!(transition(Anonymous, PasskeyAccepted), Ok(Authenticated));
        for s in [SetupRequired, ChallengeRequired, PhoneReset, ResetChallenge, NewPassword] {
            assert!(transition(s, PasskeyAccepted).is_err(), "{s:?}");
        }
    }

    #[test]
    fn a_phone_reset_link_replaces_the_challenge_with_setup_whatever_the_ip() {
        for (mfa_active, ip_trusted) in [(true, true), (true, false), (false, false)] {
            let ev = PasswordAccepted(PasswordContext { mfa_active, ip_trusted, phone_reset: true });
            assert_eq!(transition(Anonymous, ev), Ok(PhoneReset));
        }
        assert_eq!(transition(PhoneReset, SetupCompleted), Ok(Authenticated));
        assert!(transition(PhoneReset, ChallengePassed).is_err());
    }

    #[test]
    fn a_forgotten_password_needs_the_challenge_before_the_new_password() {
        assert_eq!(transition(Anonymous, ResetLinkFollowed), Ok(ResetChallenge));
        assert_eq!(transition(ResetChallenge, ChallengePassed), Ok(NewPassword), "no login, only a new password");
        assert!(transition(ResetChallenge, PasswordReset).is_err(), "no new password without the challenge");
        assert_eq!(transition(NewPassword, PasswordReset), Ok(Anonymous));
        for s in [SetupRequired, ChallengeRequired, Authenticated, NewPassword] {
            assert!(transition(s, ResetLinkFollowed).is_err());
        }
    }

    #[test]
    fn a_password_is_accepted_only_from_an_anonymous_visitor() {
        for s in [SetupRequired, ChallengeRequired, Authenticated, PhoneReset, ResetChallenge, NewPassword] {
            assert!(transition(s, pw(true, true)).is_err());
        }
    }

    #[test]
    fn logout_is_legal_from_every_stage() {
        for s in LoginState::ALL {
            assert_eq!(transition(s, LoggedOut), Ok(Anonymous));
        }
    }

    #[test]
    fn stage_names_round_trip() {
        for s in LoginState::ALL {
            assert_eq!(LoginState::parse(s.as_str()), Some(s));
        }
        assert_eq!(LoginState::parse("root"), None);
    }
}
