//! The password throttle (SPEC 1.2) as one rule for every place a password is presented:
//! the login and the current password at a password change.
//!
//! An attempt is counted as a failure before the password is verified (in the caller's write
//! transaction, holding the pair's and the network's locks, so parallel attempts count
//! exactly), taken back when no
//! verification took place, and cleared on success. A refused attempt costs no argon2 run.
//!
//! | where | pair key (growing delay after `login_free_failures`) | per-network cap |
//! |---|---|---|
//! | login | the submitted address + the network | the network |
//! | current password at a change | the account, from any network | the network |
//! | a login with a passkey alone (an answer that does not pass stays counted) | the network | the network |
//!
//! A network is an IPv4 address or an IPv6 /64 (`limits::network`), as for the SMS and
//! anonymous caps: every address of a /64 is one client, and would otherwise bring 5 free
//! guesses and an hourly cap of its own.
//!
//! The change's pair is the account alone, so moving to another address (or another instance:
//! the counts are rows of the shared database) does not start it afresh.

use std::net::IpAddr;

use super::network::network_of;
use crate::{
    backend::{
        db::{LockKey, WriteTx},
        store,
        tools::crypto::{Keys, Purpose},
    },
    domain::{
        policy::Policy,
        throttle::{self, AttemptDecision, IpFailures, PairFailures},
        time::Timestamp,
    },
};

/// The `ip` column of a pair that counts from every address.
const EVERY_IP: &str = "*";

/// What one attempt is counted by.
#[derive(Clone, Debug)]
pub struct ThrottleKey {
    account_key: Vec<u8>,
    pair_ip: String,
    ip: String,
}

impl ThrottleKey {
    /// A login: the submitted (normalised) address and the IP, whether or not an account has
    /// the address, so the throttle reveals nothing.
    pub fn login(keys: &Keys, email: &str, ip: IpAddr) -> Self {
        let ip = network_of(ip);
        ThrottleKey { account_key: keys.keyed_hash(Purpose::LoginThrottle, email.as_bytes()), pair_ip: ip.clone(), ip }
    }

    /// The locks an attempt counts under: its pair and its network (`db::locks`).
    pub fn lock_keys(&self) -> [LockKey; 2] {
        [
            LockKey::ThrottlePair(self.account_key.clone(), self.pair_ip.clone()),
            LockKey::ThrottleNetwork(self.ip.clone()),
        ]
    }

    /// A login with a passkey alone: the network, under a pair of its own (no address is
    /// typed). A passkey key has no `@`, so it never meets a login's.
    pub fn passkey_login(keys: &Keys, ip: IpAddr) -> Self {
        let ip = network_of(ip);
        ThrottleKey { account_key: keys.keyed_hash(Purpose::LoginThrottle, b"passkey"), pair_ip: ip.clone(), ip }
    }

    /// The current password at a password change: the account, whatever the IP. (A
    /// normalised address always has an `@`, so this key never meets a login's.)
    pub fn password_change(keys: &Keys, user_id: i64, ip: IpAddr) -> Self {
        let account_key = keys.keyed_hash(Purpose::LoginThrottle, format!("account:{user_id}").as_bytes());
        ThrottleKey { account_key, pair_ip: EVERY_IP.to_owned(), ip: network_of(ip) }
    }
}

/// An attempt counted in advance, to be settled once the password was checked.
#[derive(Debug)]
pub struct Reservation {
    key: ThrottleKey,
    ip_failure_id: i64,
}

/// Whether the attempt may go ahead.
#[derive(Debug)]
pub enum Attempt {
    /// Counted as a failure until settled.
    Allowed(Reservation),
    /// Too many failures: try again at `retry_at`; nothing was counted.
    Refused { retry_at: Timestamp },
}

/// Decides an attempt and, when allowed, counts it as a failure in advance. Takes the
/// attempt's locks.
pub async fn reserve(
    tx: &mut WriteTx,
    policy: &Policy,
    key: ThrottleKey,
    now: Timestamp,
) -> Result<Attempt, sqlx::Error> {
    tx.lock(key.lock_keys()).await?;
    // The network's failures of the window only: older ones are the housekeeping's to delete.
    let after = now.minus_secs(policy.login_ip_window_secs);
    let facts = store::login_failures::throttle_facts(tx, &key.account_key, &key.pair_ip, &key.ip, after).await?;
    let pair = match (facts.pair_failures, facts.pair_last_failure_at) {
        (Some(f), Some(at)) => {
            PairFailures { failures: u32::try_from(f).unwrap_or(u32::MAX), last_failure_at: Some(Timestamp(at)) }
        }
        _ => PairFailures::default(),
    };
    let pair = throttle::forget_old(pair, now, policy);
    let ip_failures = IpFailures {
        in_window: u32::try_from(facts.ip_failures).unwrap_or(u32::MAX),
        oldest_in_window: facts.ip_oldest.map(Timestamp),
    };
    if let AttemptDecision::Refused { retry_at } = throttle::decide(pair, ip_failures, now, policy) {
        return Ok(Attempt::Refused { retry_at });
    }
    let failures = i64::from(pair.failures) + 1;
    tx.later(store::login_failures::set_pair_failures(&key.account_key, &key.pair_ip, failures, now));
    let ip_failure_id = store::login_failures::add_ip_failure(tx, &key.ip, now).await?;
    Ok(Attempt::Allowed(Reservation { key, ip_failure_id }))
}

/// Takes back an advance failure when no verification took place (the hasher was busy).
impl Reservation {
    /// The keys settling the reservation takes (see [`ThrottleKey::lock_keys`]).
    pub fn lock_keys(&self) -> [LockKey; 2] {
        self.key.lock_keys()
    }
}

pub async fn release(tx: &mut WriteTx, r: &Reservation) -> Result<(), sqlx::Error> {
    tx.lock(r.key.lock_keys()).await?;
    tx.later(store::login_failures::take_back_pair_failure(&r.key.account_key, &r.key.pair_ip));
    tx.later(store::login_failures::delete_ip_failure(r.ip_failure_id));
    Ok(())
}

/// A correct password clears the pair's failures and takes back its advance IP failure.
pub async fn clear(tx: &mut WriteTx, r: &Reservation) -> Result<(), sqlx::Error> {
    tx.lock(r.key.lock_keys()).await?;
    tx.later(store::login_failures::clear_pair_failures(&r.key.account_key, &r.key.pair_ip));
    tx.later(store::login_failures::delete_ip_failure(r.ip_failure_id));
    Ok(())
}
