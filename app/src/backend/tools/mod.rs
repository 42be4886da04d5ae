//! Tools: what every part of the backend uses and no rule decides with: the clock, keyed
//! hashes and secrets, password hashing, and times as people read them. None of them knows a
//! use case, a table or a policy rule.
//!
//! - `clock`: the one place that reads the real clock (clippy.toml bans it everywhere else;
//!   its `#[allow]`s are in this file only); everything else takes `now`;
//! - `crypto`: keyed hashes of tokens, random codes, TANs and tokens, and `Secret`, which
//!   never prints or serialises its value;
//! - `hasher`: argon2id on its own threads behind a bounded admission gate;
//! - `timefmt`: times to the minute in the portal's zone, and dates as typed.
//!
//! Not here: anything that reads or writes the database (`store/`, `db`), and rules.

pub mod clock;
pub mod crypto;
pub mod hasher;
pub mod timefmt;
