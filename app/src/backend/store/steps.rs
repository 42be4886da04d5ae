//! An MFA step in one read: the session, its account, its challenge and the account's wrong
//! entries in the rolling window (SPEC 3.3, 4.6), so a code check costs one round trip
//! before its decision instead of four.

use super::{Conn, challenges::ChallengeRow, sessions::SessionRow, users::MfaAccountRow};

/// One row of [`of_session`]: the session, the account, the challenge (if the session has
/// one) and the wrong-entry count.
#[derive(sqlx::FromRow)]
pub struct StepRow {
    #[sqlx(flatten)]
    pub session: SessionRow,
    pub email: String,
    pub phone_e164: Option<String>,
    pub last_factor: String,
    pub origin: String,
    pub locked_until: Option<i64>,
    pub challenge_id: Option<i64>,
    pub challenge_method: Option<String>,
    pub challenge_phone: Option<String>,
    pub challenge_state: Option<String>,
    pub challenge_failures: Option<i64>,
    /// The account's wrong entries since the window's start and after its last reset.
    pub wrong_entries: i64,
    pub oldest_wrong_entry: Option<i64>,
}

impl StepRow {
    /// The account's MFA facts.
    pub fn account(&self) -> MfaAccountRow {
        MfaAccountRow {
            id: self.session.user_id,
            email: self.email.clone(),
            phone_e164: self.phone_e164.clone(),
            last_factor: self.last_factor.clone(),
            origin: self.origin.clone(),
            locked_until: self.locked_until,
        }
    }

    /// The session's challenge, if it has one.
    pub fn challenge(&self) -> Option<ChallengeRow> {
        Some(ChallengeRow {
            id: self.challenge_id?,
            method: self.challenge_method.clone()?,
            phone_e164: self.challenge_phone.clone(),
            state: self.challenge_state.clone()?,
            failures: self.challenge_failures?,
        })
    }
}

/// The step of the session stored under `session_hash`, with the wrong entries made since
/// `window_start` (seconds).
pub async fn of_session(
    conn: &mut Conn,
    session_hash: &[u8],
    window_start: i64,
) -> Result<Option<StepRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.user_id, s.stage, s.ip, s.created_at, s.last_seen_at, s.tan_ip, s.proof,
                u.email, u.phone_e164, u.last_mfa_method AS last_factor, u.origin, u.locked_until,
                c.id AS challenge_id, c.method AS challenge_method, c.phone_e164 AS challenge_phone,
                c.state AS challenge_state, c.failures AS challenge_failures,
                (SELECT count(*) FROM wrong_entries w
                 WHERE w.user_id = u.id AND w.at >= $2 AND w.id > u.quota_reset_entry_id) AS wrong_entries,
                (SELECT min(w.at) FROM wrong_entries w
                 WHERE w.user_id = u.id AND w.at >= $2 AND w.id > u.quota_reset_entry_id) AS oldest_wrong_entry
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN challenges c ON c.session_hash = s.id_hash
         WHERE s.id_hash = $1",
    )
    .bind(session_hash)
    .bind(window_start)
    .fetch_optional(conn)
    .await
}
