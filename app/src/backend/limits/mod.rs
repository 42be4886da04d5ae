//! Limits: the rules that bound what a caller can do over time, each counted in the caller's
//! write transaction so parallel requests and several instances count exactly.
//!
//! | module | bounds | counted by |
//! |---|---|---|
//! | `quota_window` | every daily quota of an account (codes, setup SMS, pushes, TAN SMS, wrong entries, e-mail-change codes) | the account |
//! | `account_lock` | the 24-hour lock a quota's overrun sets, and its lifting | the account |
//! | `password_throttle` | password guesses at login and at a password change | the address or account, and the network |
//! | `sms_cap` | SMS per day from one network, against SMS pumping | the network |
//! | `anonymous_cap` | requests without an account (registration, forgotten password) per hour | the network |
//! | `network` | what "the network" of a client is: an IPv4 address or an IPv6 /64 | — |
//!
//! Not here: the numbers (fields of `domain::policy::Policy`) and the pure decisions
//! (`domain::quota`, `domain::throttle`); a challenge's own 5 tries (`factor::step`); the bound
//! on wrong second-factor entries per account (`factor::wrong_entries`, beside the factors it
//! counts, though it counts with `quota_window` and locks with `account_lock`); the TAN's
//! 3 wrong in a row (`tan`).

pub mod account_lock;
pub mod anonymous_cap;
pub mod network;
pub mod password_throttle;
pub mod quota_window;
pub mod sms_cap;
