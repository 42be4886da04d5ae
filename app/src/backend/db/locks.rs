//! What a write transaction locks, and in which order.
//!
//! **A decision locks what it decides on, nothing more.** A write use case takes the lock of
//! every key whose counted rows it reads before it reads them, and keeps it to its commit, so
//! what it read is still true when it writes, across threads and instances. Two use cases
//! that share no key never wait for each other, and an instance that stalls holding a key
//! holds up only that key's requests.
//!
//! | key | what it covers | taken by |
//! |---|---|---|
//! | [`LockKey::Account`] | everything counted per account: code and push quotas, the 24 h lock, wrong second-factor entries, TAN strikes and the TAN SMS quota, the trusted IP, its sessions, one-time links, recovery codes, the app's last step | every use case of a session (found by the session and locked before it is read: [`crate::backend::db::WriteTx::lock_session_account`]), the password step after the hash, a link's use, a support or admin action on the account |
//! | [`LockKey::RegistrationFlow`] | a registration in progress: its tries and codes | registration's resend and code check |
//! | [`LockKey::RegistrationAddress`] | the registration e-mails one address gets a day | every registration e-mail |
//! | [`LockKey::ThrottlePair`] | the password throttle's pair (address or account, and network) | the password step, a password change, a login with a passkey alone |
//! | [`LockKey::ThrottleNetwork`] | the password throttle's per-network cap | the same |
//! | [`LockKey::SmsNetwork`] | the per-network SMS cap | every use case that sends an SMS for a request (a resend, a method switch and MFA setup with the session's account, in one statement) |
//! | [`LockKey::Anonymous`] | the per-network cap on anonymous requests | registration, forgotten password |
//! | [`LockKey::SigningKeys`] | the OpenID Connect signing keys (the first one is made once) | the first token or JWKS, `server key rotate` |
//!
//! **The order.** Keys are taken in the order of this enum (accounts first, then the
//! others as listed; within a kind by value), each batch in one statement. A use case may
//! take keys in several steps (it learns the account from the session it read), but never a
//! key that sorts before one it holds: [`order_violation`] refuses that, so no two use cases
//! can wait for each other in a circle. The one exception is a second account (a support
//! agent or an admin acting on an account), which may sort before the first: such a rare
//! circle is broken by PostgreSQL's deadlock detection, and the request whose transaction it
//! ended runs once more (`server::retry`); a second conflict is answered 503 with
//! `Retry-After`.
//!
//! **On each backend.**
//! - PostgreSQL: each key is a transaction-scoped advisory lock (`pg_advisory_xact_lock`) on
//!   a 64-bit hash of the key, released at commit or rollback. Advisory rather than row
//!   locks (`SELECT … FOR UPDATE` on `users`): one statement takes every key of a batch in
//!   order, keys that are no row (a network, an address) work the same way, and a lock on
//!   the account does not block the foreign-key checks of rows inserted for it.
//! - SQLite: one writer at a time (`BEGIN IMMEDIATE`), so every key is held already; the
//!   keys are still recorded, so the check that a counted read holds its key
//!   ([`crate::backend::db::WriteTx::holds`]) runs on both backends.
//!
//! What is not counted needs no key: rows found by a secret only their holder has (an
//! authorization code, a refresh token) are taken by one conditional `UPDATE`, and expired
//! rows of every key are deleted by the delivery worker's housekeeping, never inside a use
//! case.

use sha2::{Digest, Sha256};

/// One thing a write transaction locks. The order of the variants is the order they are
/// taken in (see the module header).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockKey {
    /// An account, by id.
    Account(i64),
    /// A registration in progress, by its flow's keyed hash.
    RegistrationFlow(Vec<u8>),
    /// The registration e-mails of one (normalised) address.
    RegistrationAddress(String),
    /// The password throttle's pair: its keyed account hash and its network.
    ThrottlePair(Vec<u8>, String),
    /// The password throttle's per-network cap, by network.
    ThrottleNetwork(String),
    /// The per-network SMS cap, by network.
    SmsNetwork(String),
    /// The per-network cap on anonymous requests, by network.
    Anonymous(String),
    /// The OpenID Connect signing keys, one key for all.
    SigningKeys,
    /// The VAPID key pair (Web Push), one for all instances.
    VapidKey,
}

impl LockKey {
    /// The key's kind, for logs and the recorded lock list.
    pub fn kind(&self) -> &'static str {
        match self {
            LockKey::Account(_) => "account",
            LockKey::RegistrationFlow(_) => "registration_flow",
            LockKey::RegistrationAddress(_) => "registration_address",
            LockKey::ThrottlePair(..) => "throttle_pair",
            LockKey::ThrottleNetwork(_) => "throttle_network",
            LockKey::SmsNetwork(_) => "sms_network",
            LockKey::Anonymous(_) => "anonymous",
            LockKey::SigningKeys => "signing_keys",
            LockKey::VapidKey => "vapid_key",
        }
    }

    /// The 64-bit advisory lock key on PostgreSQL. An account's is its id under a fixed
    /// mask ([`ACCOUNT_MASK`]), so SQL can take it from a session's row
    /// ([`pg_session_statement`]); every other key is a hash of its kind and value whose top
    /// byte is never the mask's, so no other key is an account's (for ids below 2^56). Two
    /// hashed keys sharing a number is a 64-bit hash collision, and would only make their
    /// requests wait for each other.
    pub fn pg_key(&self) -> i64 {
        if let LockKey::Account(id) = self {
            return id ^ ACCOUNT_MASK;
        }
        let mut h = Sha256::new();
        h.update(self.kind().as_bytes());
        h.update([0]);
        match self {
            LockKey::Account(_) | LockKey::SigningKeys | LockKey::VapidKey => {}
            LockKey::RegistrationFlow(b) => h.update(b),
            LockKey::RegistrationAddress(s)
            | LockKey::ThrottleNetwork(s)
            | LockKey::SmsNetwork(s)
            | LockKey::Anonymous(s) => h.update(s.as_bytes()),
            LockKey::ThrottlePair(account_key, network) => {
                h.update((account_key.len() as u64).to_be_bytes());
                h.update(account_key);
                h.update(network.as_bytes());
            }
        }
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        // Never in the accounts' range (their top byte is the mask's): a caller who picks the
        // hashed input (an address to register) cannot land on an account's key.
        if first[0] == ACCOUNT_MASK.to_be_bytes()[0] {
            first[0] ^= 0x80;
        }
        i64::from_be_bytes(first)
    }
}

/// The bits an account's id is XORed with to make its key: distinct accounts, distinct keys.
pub const ACCOUNT_MASK: i64 = 0x5249_4547_454c_0000;

/// The statement that finds the account of the session stored under `$1` and takes its key,
/// in one round trip: the account's id, or NULL when there is no such session.
/// `also` (sorted, none an account) are taken after it, in the same statement.
pub fn pg_session_statement(also: &[LockKey]) -> String {
    // The locks are volatile, so PostgreSQL evaluates them for the row even though only the
    // id is returned, in the order of the select list.
    let more: String = also.iter().map(|k| format!(", pg_advisory_xact_lock({})", k.pg_key())).collect();
    format!(
        "SELECT max(user_id) FROM (SELECT user_id, pg_advisory_xact_lock(user_id # {ACCOUNT_MASK}){more} \
         FROM sessions WHERE id_hash = $1) AS l"
    )
}

/// Whether taking `next` (sorted) while holding `held` would break the order: a key that
/// sorts before the greatest key held, unless both are accounts. Returns the offending pair.
pub fn order_violation<'a>(held: &'a [LockKey], next: &'a [LockKey]) -> Option<(&'a LockKey, &'a LockKey)> {
    let greatest = held.iter().max()?;
    next.iter()
        .filter(|k| !held.contains(k))
        .find(|k| *k < greatest && !(matches!(k, LockKey::Account(_)) && matches!(greatest, LockKey::Account(_))))
        .map(|k| (greatest, k))
}

/// The statement that takes `keys` in their order, in one round trip. The keys are numbers
/// this module computed, never input, so they are written into the statement.
pub fn pg_statement(keys: &[LockKey]) -> String {
    let values: Vec<String> = keys.iter().map(|k| format!("({})", k.pg_key())).collect();
    // Counted, so the row holds a type the `Any` driver knows (the lock returns `void`); the
    // VALUES list is scanned in order, so the locks are taken in order.
    format!("SELECT count(*) FROM (SELECT pg_advisory_xact_lock(k) FROM (VALUES {}) AS v(k)) AS l", values.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_sort_first_and_every_kind_has_keys_of_its_own() {
        let mut keys = [
            LockKey::SmsNetwork("203.0.113.7".into()),
            LockKey::ThrottleNetwork("203.0.113.7".into()),
            LockKey::Account(7),
            LockKey::Anonymous("203.0.113.7".into()),
        ];
        keys.sort();
        assert_eq!(keys[0], LockKey::Account(7));
        assert_eq!(keys[3], LockKey::Anonymous("203.0.113.7".into()));
        let pg: std::collections::HashSet<i64> = keys.iter().map(LockKey::pg_key).collect();
        assert_eq!(pg.len(), 4, "the same network under three kinds is three locks");
        assert_eq!(LockKey::Account(7).pg_key(), LockKey::Account(7).pg_key());
        assert_ne!(LockKey::Account(7).pg_key(), LockKey::Account(8).pg_key());
        // No hashed key in the accounts' range, whatever its input.
        let mask_top = ACCOUNT_MASK.to_be_bytes()[0];
        for n in 0..2000 {
            let k = LockKey::RegistrationAddress(format!("user{n}@example.org")).pg_key();
            assert_ne!(k.to_be_bytes()[0], mask_top, "{n}");
        }
    }

    #[test]
    fn a_key_that_sorts_before_one_held_is_refused_but_a_second_account_is_not() {
        let held = [LockKey::Account(9), LockKey::SmsNetwork("n".into())];
        let before = [LockKey::ThrottleNetwork("n".into())];
        assert!(order_violation(&held, &before).is_some());
        assert!(order_violation(&held, &[LockKey::Anonymous("n".into())]).is_none());
        assert!(order_violation(&held[..1], &[LockKey::Account(3)]).is_none());
        assert!(order_violation(&held, &[LockKey::SmsNetwork("n".into())]).is_none(), "already held");
        assert!(order_violation(&[], &before).is_none());
    }

    #[test]
    fn the_statement_takes_the_keys_in_the_order_given() {
        let keys = [LockKey::Account(1), LockKey::Anonymous("n".into())];
        let sql = pg_statement(&keys);
        let first = sql.find(&keys[0].pg_key().to_string()).unwrap();
        let second = sql.find(&keys[1].pg_key().to_string()).unwrap();
        assert!(first < second, "{sql}");
    }
}
