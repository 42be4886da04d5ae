//! The one place that reads the real clock (convention 1). Everything else takes `now`.
//!
//! The server's `Clock` is the system clock; a test's stands still where it started until the
//! test advances it, so a test of a 24-hour lock or a 5-minute TAN moves time instead of
//! rewriting timestamps in the database, and no test depends on how fast the machine is.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use crate::domain::time::Timestamp;

/// The current time of the system clock.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The time the server reads once per request (and its workers once per pass).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// The time of a manual clock; `None` for the system clock, which nothing can move.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that starts at the system time and stands still until `advance` moves it
    /// (tests).
    pub fn manual() -> Self {
        Clock { manual: Some(Arc::new(AtomicI64::new(now().0))) }
    }

    pub fn now(&self) -> Timestamp {
        match &self.manual {
            Some(t) => Timestamp(t.load(Ordering::SeqCst)),
            None => now(),
        }
    }

    /// Moves a manual clock by `secs` (backwards when negative); the system clock stays.
    pub fn advance(&self, secs: i64) {
        if let Some(t) = &self.manual {
            t.fetch_add(secs, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods)]
    fn a_manual_clock_moves_only_when_told_and_the_system_clock_not_at_all() {
        let test = Clock::manual();
        let start = test.now();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(test.now(), start, "it stands still");
        test.advance(86_400);
        assert_eq!(test.now(), start.plus_secs(86_400));
        test.advance(-3600);
        assert_eq!(test.now(), start.plus_secs(86_400 - 3600));
        let system = Clock::system();
        system.advance(86_400);
        assert!(system.now().0 - now().0 <= 1);
    }
}
