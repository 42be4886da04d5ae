//! The one policy struct: every number of SPEC.md that a deployment may tune, with its default.
//!
//! docs/operate.md lists each field. Rules read these numbers; nothing else in the code base
//! hard-codes a limit.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// 1.7: a session ends after this many seconds without a request.
    pub session_idle_secs: i64,
    /// 1.7: a session ends this many seconds after login, whatever the activity.
    pub session_absolute_secs: i64,
    /// A session's last-seen time is written at most this often (fewer writes on busy pages);
    /// the idle timeout is therefore exact to within this many seconds.
    pub session_touch_secs: i64,
    /// 1.2: password failures per account+IP that cost nothing extra.
    pub login_free_failures: u32,
    /// 1.2: the first delay after the free failures; each further failure doubles it.
    pub login_base_delay_secs: i64,
    /// 1.2: the delay never grows beyond this.
    pub login_max_delay_secs: i64,
    /// 1.2: a pair's failures are forgotten after this long without a new failure.
    pub login_failure_memory_secs: i64,
    /// 1.2: failed password attempts one IP may make in the rolling window below.
    pub login_ip_failure_cap: u32,
    /// 1.2: the rolling window of the per-IP cap.
    pub login_ip_window_secs: i64,
    /// Passwords longer than this many bytes are refused before hashing (hashing cost bound).
    pub password_max_bytes: usize,
    /// 3.3: a one-time code is valid this long.
    pub code_ttl_secs: i64,
    /// 3.3: wrong entries that end a challenge.
    pub code_max_failures: u32,
    /// 4.6: wrong second-factor entries (any factor, any login challenge) per account counted
    /// in the rolling quota window; the entry past them is refused and locks the account for
    /// `lock_secs`. A successful login resets the count.
    pub wrong_entries_per_window: u32,
    /// 3.2: after each send, "Resend" waits this long (the server enforces it too).
    pub resend_cooldown_secs: i64,
    /// 4.1: codes per channel (SMS, e-mail) per account at login in the rolling window.
    pub login_codes_per_channel: u32,
    /// 2.3: SMS codes per account for MFA setup in the rolling window (no lock).
    pub setup_sms_quota: u32,
    /// 2.3, 4.1: the rolling window of the code quotas.
    pub quota_window_secs: i64,
    /// 4.1: how long exceeding a login quota locks the account.
    pub lock_secs: i64,
    /// 4.3: the MFA screen says how many codes are left when fewer than this remain.
    pub quota_warning_below: u32,
    /// 2.2: countries (ISO 3166 alpha-2) whose mobile numbers may be enrolled.
    pub phone_countries: Vec<String>,
    /// 4.1, 6.5: SMS (codes and TANs, all accounts together) one network (an IPv4 address
    /// or an IPv6 /64) may trigger in the rolling quota window. Bounds SMS pumping through
    /// many accounts; a login challenge that meets it opens on e-mail instead.
    pub sms_per_network: u32,
    /// 5.2: a TAN is valid this long.
    pub tan_ttl_secs: i64,
    /// 5.5: wrong TANs in a row that lock the TAN system.
    pub tan_max_wrong: u32,
    /// 5.6: TAN SMS per account in the rolling window (no lock beyond).
    pub tan_sms_quota: u32,
    /// 2.1: a new password has at least this many characters.
    pub password_min_chars: usize,
    /// 2.1: and at least this zxcvbn score (0–4; below 3 is "too guessable").
    pub password_min_score: u8,
    /// 6.1: an invitation link is valid this long.
    pub invitation_ttl_secs: i64,
    /// 6.3: a forgotten-password link is valid this long.
    pub password_reset_ttl_secs: i64,
    /// 6.2: a phone-reset link is valid this long.
    pub phone_reset_ttl_secs: i64,
    /// 2.1: a registration must be finished (e-mail code) this long after it began.
    pub registration_ttl_secs: i64,
    /// 2.1: e-mail codes one registration may send (first send and resends).
    pub registration_codes_max: u32,
    /// 2.1, 6.3: registrations and forgotten-password requests one IP may make in the rolling
    /// hour (stops using the portal to flood other people's inboxes).
    pub anonymous_requests_per_ip: u32,
    /// 6.3: forgotten-password links one account is sent in the rolling quota window.
    pub password_reset_links_per_window: u32,
    /// 6.4: a support action's reason has at least this many characters.
    pub support_reason_min_chars: usize,
    /// 2.1: registration e-mails (codes or notices) one address gets in the rolling quota
    /// window, whoever asks.
    pub registration_mails_per_address: u32,
    /// 6.1: invitations (sent or refused) one admin may make in the rolling quota window.
    pub invitations_per_window: u32,
    /// 5.3: codes to new e-mail addresses (an e-mail change) one account may be sent in the
    /// rolling quota window, whatever the session or the address; beyond it no code is sent
    /// until the oldest leaves the window (no lock).
    pub email_change_codes_per_window: u32,
}

/// EU and EEA members, Switzerland and the United Kingdom (SPEC 2.2).
pub const DEFAULT_PHONE_COUNTRIES: [&str; 32] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
    "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH", "GB",
];

impl Default for Policy {
    fn default() -> Self {
        Policy {
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 60 * 60,
            session_touch_secs: 60,
            login_free_failures: 5,
            login_base_delay_secs: 1,
            login_max_delay_secs: 15 * 60,
            login_failure_memory_secs: 24 * 60 * 60,
            login_ip_failure_cap: 100,
            login_ip_window_secs: 60 * 60,
            password_max_bytes: 1024,
            code_ttl_secs: 10 * 60,
            code_max_failures: 5,
            wrong_entries_per_window: 20,
            resend_cooldown_secs: 30,
            login_codes_per_channel: 20,
            setup_sms_quota: 15,
            quota_window_secs: 24 * 60 * 60,
            lock_secs: 24 * 60 * 60,
            quota_warning_below: 5,
            phone_countries: DEFAULT_PHONE_COUNTRIES.iter().map(|c| (*c).to_owned()).collect(),
            sms_per_network: 100,
            tan_ttl_secs: 5 * 60,
            tan_max_wrong: 3,
            tan_sms_quota: 20,
            password_min_chars: 12,
            password_min_score: 3,
            invitation_ttl_secs: 72 * 60 * 60,
            password_reset_ttl_secs: 60 * 60,
            phone_reset_ttl_secs: 24 * 60 * 60,
            registration_ttl_secs: 60 * 60,
            registration_codes_max: 5,
            anonymous_requests_per_ip: 10,
            password_reset_links_per_window: 5,
            support_reason_min_chars: 10,
            registration_mails_per_address: 5,
            invitations_per_window: 20,
            email_change_codes_per_window: 10,
        }
    }
}
