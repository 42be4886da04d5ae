//! The one policy struct: every number of SPEC.md that a deployment may tune, with its default.
//!
//! The README lists each field. Rules read these numbers; nothing else in the code base
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
}

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
        }
    }
}
