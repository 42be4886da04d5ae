//! Points in time as whole seconds since the Unix epoch (UTC).
//!
//! Rules compare and add seconds; only the server's clock module creates a `Timestamp` from the
//! real clock, and tests write literal ones.

use serde::{Deserialize, Serialize};

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn plus_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs))
    }

    pub const fn minus_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_sub(secs))
    }

    /// Whole seconds from `self` until `later`, never negative.
    pub const fn secs_until(self, later: Timestamp) -> i64 {
        let d = later.0.saturating_sub(self.0);
        if d < 0 { 0 } else { d }
    }
}
