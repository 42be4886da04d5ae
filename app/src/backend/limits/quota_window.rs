//! One rule behind every daily quota of an account (SPEC 2.3, 4.1–4.3, 5.6): the sends
//! of one kind in the rolling window (`quota::window_start`: a send counts for exactly 24 h)
//! and after the account's last reset. A reset (every successful login, a lifted lock) marks
//! the newest send of the table at that moment, so a send in the reset's own second counts
//! exactly when it came after the reset.
//!
//! | kind | limit | reset by a login |
//! |---|---|---|
//! | login codes, per channel (SMS, e-mail) | 20 (`login_codes_per_channel`) | yes |
//! | setup SMS | 15 (`setup_sms_quota`) | yes |
//! | pushes | 20 (`login_codes_per_channel`) | yes |
//! | TAN SMS | 20 (`tan_sms_quota`) | no |
//! | wrong second-factor entries at login (4.6) | 20 (`wrong_entries_per_window`) | yes |
//! | e-mail-change codes (to new addresses) | 10 (`email_change_codes_per_window`) | no |

use crate::{
    backend::{
        db::{LockKey, WriteTx},
        store::{self, Conn},
    },
    domain::{
        mfa::{Method, Purpose},
        policy::Policy,
        quota::{self, Usage},
        time::Timestamp,
    },
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
    /// Not a send: wrong second-factor entries at a login challenge (`factor::wrong_entries`).
    WrongEntries,
    /// Codes to a new e-mail address (an e-mail change, SPEC 5.3).
    EmailChangeCodes,
}

/// The account's sends of `kind` in the current quota window, for a decision: read under the
/// account's lock (`db::locks`), so a parallel send cannot slip past the count.
pub async fn usage(
    tx: &mut WriteTx,
    policy: &Policy,
    user_id: i64,
    kind: Sends,
    now: Timestamp,
) -> Result<Usage, sqlx::Error> {
    tx.holds(&LockKey::Account(user_id))?;
    shown(tx, policy, user_id, kind, now).await
}

/// The account's sends of `kind` in the current quota window, to show ("3 codes left"); never
/// the ground of a decision, which reads [`usage`].
pub async fn shown(
    conn: &mut Conn,
    policy: &Policy,
    user_id: i64,
    kind: Sends,
    now: Timestamp,
) -> Result<Usage, sqlx::Error> {
    let start = quota::window_start(now, policy.quota_window_secs);
    let (used, oldest) = match kind {
        Sends::Codes { purpose, channel } => {
            store::code_sends::sent_in_window(conn, user_id, purpose, channel, start).await?
        }
        Sends::Pushes => store::push::sent_in_window(conn, user_id, start).await?,
        // TAN SMS are not reset by a login (SPEC 5.6).
        Sends::TanSms => store::tans::issued_in_window(conn, user_id, start).await?,
        Sends::WrongEntries => store::wrong_entries::in_window(conn, user_id, start).await?,
        // Neither are codes to new addresses: a login must not open a new day of them.
        Sends::EmailChangeCodes => store::email_changes::sent_in_window(conn, user_id, start).await?,
    };
    Ok(Usage::counted(used, oldest))
}

/// Resets the account's daily limits (SPEC 4.2, 4.4, 4.6): what was sent, and the wrong
/// entries made, until now no longer count. TAN SMS and e-mail-change codes stay counted.
pub async fn reset(tx: &mut WriteTx, user_id: i64, now: Timestamp) -> Result<(), sqlx::Error> {
    tx.holds(&LockKey::Account(user_id))?;
    store::users::reset_quotas(tx, user_id, now).await
}

/// The limit of a quota.
pub fn limit(policy: &Policy, kind: Sends) -> u32 {
    match kind {
        Sends::Codes { purpose: Purpose::Setup, .. } => policy.setup_sms_quota,
        Sends::Codes { purpose: Purpose::Login, .. } | Sends::Pushes => policy.login_codes_per_channel,
        Sends::TanSms => policy.tan_sms_quota,
        Sends::WrongEntries => policy.wrong_entries_per_window,
        Sends::EmailChangeCodes => policy.email_change_codes_per_window,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::db;

    /// A use case that forgot its lock fails at its first counted read, on SQLite as on
    /// PostgreSQL, instead of counting inexactly under load.
    #[tokio::test]
    async fn a_counted_read_without_the_accounts_lock_is_refused() {
        let (db, dir) = db::tests::temporary("quota-window").await;
        let policy = Policy::default();
        let mut tx = db.writer.begin().await.unwrap();
        let refused = usage(&mut tx, &policy, 1, Sends::WrongEntries, Timestamp(0)).await.unwrap_err();
        assert!(refused.to_string().contains("without its account lock"), "{refused}");
        tx.lock([LockKey::Account(1)]).await.unwrap();
        assert_eq!(usage(&mut tx, &policy, 1, Sends::WrongEntries, Timestamp(0)).await.unwrap().used, 0);
        assert!(usage(&mut tx, &policy, 2, Sends::TanSms, Timestamp(0)).await.is_err(), "another account's lock");
        drop(tx);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
