//! What the pages learn of Web Push (SPEC 15.1).

use serde::{Deserialize, Serialize};

/// Whether the paired device receives push notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PushReception {
    NoDevice,
    /// Paired, but its browser registered no subscription (notifications not allowed, or no
    /// push service in that browser): requests show only while its page is open.
    NotSubscribed,
    /// Since when (Unix seconds).
    Receiving {
        since: i64,
    },
    /// The push service reported the subscription gone at `at`: open the device page again.
    Ended {
        at: i64,
    },
}
