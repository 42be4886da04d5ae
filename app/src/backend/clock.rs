//! The one place that reads the real clock (convention 1). Everything else takes `now`.

use crate::domain::time::Timestamp;

/// The current time, read once per request by the caller and passed down.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}
