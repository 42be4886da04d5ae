//! The TAN system: step-up authorisation of sensitive actions (SPEC 5).
//!
//! Rules:
//! - Active for every account with a verified phone (5.1).
//! - A TAN is 6 characters from `ALPHABET` (no 0/O, 1/I/L), case-insensitive, sent by SMS,
//!   valid `tan_ttl_secs`, single use, bound to the session and to a digest of the exact
//!   action and its data; data changed after issue void it (5.2).
//! - Each protected action has a mode: every time (each execution needs its own TAN) or per
//!   session (one valid TAN opens a TAN session that covers all per-session actions). The
//!   user may choose where `Action::modes` allows it (5.3).
//! - A TAN session ends at logout or session end, when the request IP changes, when the
//!   password or the e-mail address changes, and on "End TAN session" (5.4).
//! - `tan_max_wrong` wrong TANs in a row lock the TAN system until support unlocks it; a
//!   correct TAN resets the count (5.5).
//! - TAN SMS have their own quota, `tan_sms_quota` per rolling 24 h; beyond it TANs are
//!   refused with the time, nothing is locked (5.6).
//! - How TANs come is the user's choice (5.8): by SMS (the default) or confirmed with a
//!   passkey. SMS stays the fallback: the user may ask for one whatever the choice, and a
//!   passkey choice without a passkey left (or where passkeys cannot be offered) sends SMS.
//!   Every way counts toward the TAN quota and the three-strike lock.

use serde::{Deserialize, Serialize};

use super::{policy::Policy, time::Timestamp};

/// The characters a TAN is made of: digits and capitals without the look-alikes 0, 1, I, L, O.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const TAN_LEN: usize = 6;

/// The protected actions (5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    ChangePassword,
    ChangeEmail,
    ChangeBankAccount,
    SubmitInvoice,
    AdminAccountChange,
    ChangeTanSettings,
    /// A new set of recovery codes: every time.
    NewRecoveryCodes,
    /// Setting up an authenticator app: every time.
    EnrolAuthenticator,
    /// A transaction another application asks the user to confirm (OpenID Connect with
    /// `authorization_details`, SPEC 11.3): every time.
    ConfirmForApplication,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    EveryTime,
    PerSession,
}

impl Mode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::EveryTime => "every_time",
            Mode::PerSession => "per_session",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "every_time" => Some(Mode::EveryTime),
            "per_session" => Some(Mode::PerSession),
            _ => None,
        }
    }
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::ChangePassword,
        Action::ChangeEmail,
        Action::ChangeBankAccount,
        Action::SubmitInvoice,
        Action::AdminAccountChange,
        Action::ChangeTanSettings,
        Action::NewRecoveryCodes,
        Action::EnrolAuthenticator,
        Action::ConfirmForApplication,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Action::ChangePassword => "change_password",
            Action::ChangeEmail => "change_email",
            Action::ChangeBankAccount => "change_bank_account",
            Action::SubmitInvoice => "submit_invoice",
            Action::AdminAccountChange => "admin_account_change",
            Action::ChangeTanSettings => "change_tan_settings",
            Action::NewRecoveryCodes => "new_recovery_codes",
            Action::EnrolAuthenticator => "enrol_authenticator",
            Action::ConfirmForApplication => "confirm_for_application",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The default mode (5.3).
    pub const fn default_mode(self) -> Mode {
        match self {
            Action::ChangePassword | Action::ChangeEmail | Action::AdminAccountChange => Mode::PerSession,
            Action::ChangeBankAccount
            | Action::SubmitInvoice
            | Action::ChangeTanSettings
            | Action::NewRecoveryCodes
            | Action::EnrolAuthenticator
            | Action::ConfirmForApplication => Mode::EveryTime,
        }
    }

    /// Whether the user may choose the per-session mode for this action (5.3).
    pub const fn user_may_choose(self) -> bool {
        !matches!(
            self,
            Action::ChangeBankAccount
                | Action::ChangeTanSettings
                | Action::NewRecoveryCodes
                | Action::EnrolAuthenticator
                | Action::ConfirmForApplication
        )
    }
}

/// How a TAN comes (5.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Way {
    /// Six characters by SMS, typed into the page.
    #[default]
    Sms,
    /// An assertion of one of the account's passkeys over a ceremony kept with the digest of
    /// the action's data (14.3).
    Passkey,
}

impl Way {
    /// As stored in `users.tan_way` and `tans.way`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Way::Sms => "sms",
            Way::Passkey => "passkey",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Way::Sms),
            "passkey" => Some(Way::Passkey),
            _ => None,
        }
    }
}

/// What a protected action's request brings in its `tan` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer<'a> {
    /// Nothing: issue a TAN the chosen way (or prompt for the one issued).
    Ask,
    /// `sms`: the fallback, a TAN by SMS whatever the chosen way.
    AskSms,
    /// A passkey's answer, as WebAuthn's JSON (no TAN starts with `{`).
    Passkey(&'a str),
    /// Anything else: a typed TAN, to be normalised.
    Typed(&'a str),
}

impl<'a> Answer<'a> {
    pub fn of(input: Option<&'a str>) -> Self {
        match input.map(str::trim).filter(|t| !t.is_empty()) {
            None => Answer::Ask,
            Some(t) if t.eq_ignore_ascii_case("sms") => Answer::AskSms,
            Some(t) if t.starts_with('{') => Answer::Passkey(t),
            Some(t) => Answer::Typed(t),
        }
    }
}

/// The way a TAN is issued: the chosen one, unless the user asked for SMS or no passkey can
/// answer (none enrolled, or passkeys unavailable at this origin).
pub fn way_to_issue(chosen: Way, asked_sms: bool, passkey_can_answer: bool) -> Way {
    match chosen {
        Way::Passkey if !asked_sms && passkey_can_answer => Way::Passkey,
        Way::Passkey | Way::Sms => Way::Sms,
    }
}

/// An account's TAN settings: a mode per choosable action, the invoice threshold and how TANs
/// come.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TanSettings {
    pub password: Mode,
    pub email: Mode,
    pub invoice: Mode,
    pub admin: Mode,
    /// Invoices need a TAN once today's submitted total would exceed this (cents).
    pub invoice_threshold_cents: i64,
    #[serde(default)]
    pub way: Way,
}

impl Default for TanSettings {
    fn default() -> Self {
        TanSettings {
            password: Action::ChangePassword.default_mode(),
            email: Action::ChangeEmail.default_mode(),
            invoice: Action::SubmitInvoice.default_mode(),
            admin: Action::AdminAccountChange.default_mode(),
            invoice_threshold_cents: 1_000_000,
            way: Way::Sms,
        }
    }
}

impl TanSettings {
    /// The mode in force for an action; the fixed ones cannot be changed.
    pub fn mode(&self, action: Action) -> Mode {
        match action {
            Action::ChangePassword => self.password,
            Action::ChangeEmail => self.email,
            Action::SubmitInvoice => self.invoice,
            Action::AdminAccountChange => self.admin,
            Action::ChangeBankAccount
            | Action::ChangeTanSettings
            | Action::NewRecoveryCodes
            | Action::EnrolAuthenticator
            | Action::ConfirmForApplication => Mode::EveryTime,
        }
    }

    /// A canonical text of the settings, for the digest of a settings change.
    pub fn canonical(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.password.as_str(),
            self.email.as_str(),
            self.invoice.as_str(),
            self.admin.as_str(),
            self.invoice_threshold_cents,
            self.way.as_str()
        )
    }
}

/// Whether an execution of `action` needs a TAN now.
pub fn needs_tan(action: Action, settings: &TanSettings, tan_session_active: bool) -> bool {
    match settings.mode(action) {
        Mode::EveryTime => true,
        Mode::PerSession => !tan_session_active,
    }
}

/// Whether an invoice submission is protected: when today's total with it exceeds the threshold.
pub fn invoice_is_protected(today_total_cents: i64, amount_cents: i64, settings: &TanSettings) -> bool {
    today_total_cents.saturating_add(amount_cents) > settings.invoice_threshold_cents
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TanInputError {
    Malformed,
}

/// `" 7kq2 mx"` → `"7KQ2MX"`; anything but six characters of the alphabet is refused.
pub fn normalise(input: &str) -> Result<String, TanInputError> {
    let tan: String =
        input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    if tan.len() == TAN_LEN && tan.bytes().all(|b| ALPHABET.contains(&b)) {
        Ok(tan)
    } else {
        Err(TanInputError::Malformed)
    }
}

/// The state of one issued TAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TanState {
    Issued,
    Used,
    /// Replaced by a newer TAN, or the action's data changed, or the TAN session ended.
    Void,
}

impl TanState {
    /// As stored in `tans.state`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TanState::Issued => "issued",
            TanState::Used => "used",
            TanState::Void => "void",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TanEvent {
    /// The right TAN for the same data, in time.
    Accepted,
    /// The data presented with the TAN differ from those it was issued for.
    DataChanged,
    /// A newer TAN was issued for the same action.
    Replaced,
}

/// The one transition function of a TAN: only an issued TAN can change.
pub fn transition(from: TanState, event: TanEvent) -> Option<TanState> {
    match (from, event) {
        (TanState::Issued, TanEvent::Accepted) => Some(TanState::Used),
        (TanState::Issued, TanEvent::DataChanged | TanEvent::Replaced) => Some(TanState::Void),
        _ => None,
    }
}

/// Whether a TAN issued at `issued_at` may still be used.
pub fn is_fresh(issued_at: Timestamp, now: Timestamp, policy: &Policy) -> bool {
    now < issued_at.plus_secs(policy.tan_ttl_secs)
}

/// The wrong-TAN counter (5.5): returns the new count and whether the TAN system locks.
pub fn after_wrong_tan(wrong_in_a_row: u32, policy: &Policy) -> (u32, bool) {
    let n = wrong_in_a_row.saturating_add(1);
    (n, n >= policy.tan_max_wrong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        assert_eq!(ALPHABET.len(), 31);
        for c in b"01ILO" {
            assert!(!ALPHABET.contains(c));
        }
    }

    #[test]
    fn tans_are_case_insensitive_and_refuse_other_characters() {
        assert_eq!(normalise(" 7kq2 mx").as_deref(), Ok("7KQ2MX"));
        for bad in ["", "7KQ2M", "7KQ2MXX", "7KQ2M0", "7KQ2MI", "7KQ2M!"] {
            assert_eq!(normalise(bad), Err(TanInputError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn the_tan_field_tells_a_request_for_a_tan_the_sms_fallback_a_passkey_answer_and_a_typed_tan_apart() {
        assert_eq!(Answer::of(None), Answer::Ask);
        assert_eq!(Answer::of(Some("  ")), Answer::Ask);
        assert_eq!(Answer::of(Some("SMS")), Answer::AskSms);
        assert_eq!(Answer::of(Some(" {\"id\":1}")), Answer::Passkey("{\"id\":1}"));
        assert_eq!(Answer::of(Some("7kq2mx")), Answer::Typed("7kq2mx"));
        assert!(normalise("sms").is_err(), "no TAN reads as the fallback");
    }

    #[test]
    fn sms_is_the_fallback_of_the_passkey_way() {
        assert_eq!(way_to_issue(Way::Passkey, false, true), Way::Passkey);
        assert_eq!(way_to_issue(Way::Passkey, true, true), Way::Sms, "asked for SMS");
        assert_eq!(way_to_issue(Way::Passkey, false, false), Way::Sms, "no passkey can answer");
        assert_eq!(way_to_issue(Way::Sms, false, true), Way::Sms);
        assert_eq!(TanSettings::default().way, Way::Sms);
    }

    #[test]
    fn the_table_of_section_5_3() {
        let s = TanSettings::default();
        assert_eq!(s.mode(Action::ChangePassword), Mode::PerSession);
        assert_eq!(s.mode(Action::ChangeEmail), Mode::PerSession);
        assert_eq!(s.mode(Action::ChangeBankAccount), Mode::EveryTime);
        assert_eq!(s.mode(Action::SubmitInvoice), Mode::EveryTime);
        assert_eq!(s.mode(Action::AdminAccountChange), Mode::PerSession);
        assert_eq!(s.mode(Action::ChangeTanSettings), Mode::EveryTime);
        assert!(!Action::ChangeBankAccount.user_may_choose());
        assert!(!Action::ChangeTanSettings.user_may_choose());
        assert_eq!(s.invoice_threshold_cents, 1_000_000, "10,000 EUR");
    }

    #[test]
    fn per_session_actions_are_covered_by_an_open_tan_session_every_time_ones_never() {
        let s = TanSettings::default();
        assert!(needs_tan(Action::ChangePassword, &s, false));
        assert!(!needs_tan(Action::ChangePassword, &s, true));
        assert!(needs_tan(Action::ChangeBankAccount, &s, true));
        assert!(needs_tan(Action::ChangeTanSettings, &s, true));
        let both = TanSettings { password: Mode::EveryTime, ..TanSettings::default() };
        assert!(needs_tan(Action::ChangePassword, &both, true));
    }

    #[test]
    fn invoices_are_protected_once_the_day_would_exceed_the_threshold() {
        let s = TanSettings::default();
        assert!(!invoice_is_protected(0, 1_000_000, &s));
        assert!(invoice_is_protected(0, 1_000_001, &s));
        assert!(invoice_is_protected(900_000, 100_001, &s));
        assert!(!invoice_is_protected(900_000, 100_000, &s));
    }

    #[test]
    fn tan_transitions() {
        assert_eq!(transition(TanState::Issued, TanEvent::Accepted), Some(TanState::Used));
        assert_eq!(transition(TanState::Issued, TanEvent::DataChanged), Some(TanState::Void));
        assert_eq!(transition(TanState::Issued, TanEvent::Replaced), Some(TanState::Void));
        for from in [TanState::Used, TanState::Void] {
            for e in [TanEvent::Accepted, TanEvent::DataChanged, TanEvent::Replaced] {
                assert_eq!(transition(from, e), None, "{from:?} {e:?}");
            }
        }
    }

    #[test]
    fn three_wrong_in_a_row_lock() {
        let p = Policy::default();
        assert_eq!(after_wrong_tan(0, &p), (1, false));
        assert_eq!(after_wrong_tan(1, &p), (2, false));
        assert_eq!(after_wrong_tan(2, &p), (3, true));
    }

    #[test]
    fn expiry() {
        let p = Policy::default();
        let t0 = Timestamp(1_800_000_000);
        assert!(is_fresh(t0, t0.plus_secs(299), &p));
        assert!(!is_fresh(t0, t0.plus_secs(300), &p));
    }
}
