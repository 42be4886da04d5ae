//! The one query behind every daily quota of an account (SPEC 2.3, 4.1–4.3, 5.6): the sends
//! of one kind since `quota::window_start(now, window, reset)`, which decides the boundary
//! (a send counts for exactly 24 h, and a send in the second of the reset counts).
//!
//! | kind | limit | reset by a login |
//! |---|---|---|
//! | login codes, per channel (SMS, e-mail) | 20 (`login_codes_per_channel`) | yes |
//! | setup SMS | 15 (`setup_sms_quota`) | yes |
//! | pushes | 20 (`login_codes_per_channel`) | yes |
//! | TAN SMS | 20 (`tan_sms_quota`) | no |

use sqlx::SqliteConnection;

use crate::domain::{
    mfa::{Method, Purpose},
    policy::Policy,
    quota::{self, Usage},
    time::Timestamp,
};

/// What a quota counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sends {
    /// One-time codes for this purpose on this channel.
    Codes { purpose: Purpose, channel: Method },
    /// Push approval requests.
    Pushes,
    /// TAN SMS.
    TanSms,
}

impl Sends {
    /// Whether a successful login resets this quota (SPEC 4.2; TAN SMS are not reset, 5.6).
    fn reset_by_login(self) -> bool {
        !matches!(self, Sends::TanSms)
    }
}

/// The account's sends of `kind` in the current quota window.
pub async fn usage(
    conn: &mut SqliteConnection,
    policy: &Policy,
    user_id: i64,
    quota_reset_at: Timestamp,
    kind: Sends,
    now: Timestamp,
) -> Result<Usage, sqlx::Error> {
    let reset = if kind.reset_by_login() { quota_reset_at } else { Timestamp(0) };
    let start = quota::window_start(now, policy.quota_window_secs, reset);
    let (used, oldest): (i64, Option<i64>) = match kind {
        Sends::Codes { purpose, channel } => sqlx::query_as(
            "SELECT count(*), min(at) FROM code_sends WHERE user_id = ? AND purpose = ? AND channel = ? AND at >= ?",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(channel.as_str())
        .bind(start.0)
        .fetch_one(conn)
        .await?,
        Sends::Pushes => {
            sqlx::query_as("SELECT count(*), min(created_at) FROM push_requests WHERE user_id = ? AND created_at >= ?")
                .bind(user_id)
                .bind(start.0)
                .fetch_one(conn)
                .await?
        }
        Sends::TanSms => {
            sqlx::query_as("SELECT count(*), min(issued_at) FROM tans WHERE user_id = ? AND issued_at >= ?")
                .bind(user_id)
                .bind(start.0)
                .fetch_one(conn)
                .await?
        }
    };
    Ok(Usage { used: u32::try_from(used).unwrap_or(u32::MAX), oldest: oldest.map(Timestamp) })
}

/// The limit of a quota.
pub fn limit(policy: &Policy, kind: Sends) -> u32 {
    match kind {
        Sends::Codes { purpose: Purpose::Setup, .. } => policy.setup_sms_quota,
        Sends::Codes { purpose: Purpose::Login, .. } | Sends::Pushes => policy.login_codes_per_channel,
        Sends::TanSms => policy.tan_sms_quota,
    }
}
