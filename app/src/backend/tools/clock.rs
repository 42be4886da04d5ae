//! The one place that reads the real clock (clippy.toml bans it elsewhere). Everything else
//! takes `now`.
//!
//! The server's `Clock` counts real time: it reads the system clock once, at start, and from
//! then on adds the monotonic clock's elapsed time. A step of the system clock (an operator's
//! `date -s`, NTP correcting a wrong start, a virtual machine resumed) is logged and not
//! followed, so a 24-hour lock lasts 24 hours and a code lives its 10 minutes, whichever way
//! the system clock jumps; a restart takes the system clock's time again. (Linux slews the
//! monotonic clock with NTP's small corrections, so the two do not drift apart otherwise.)
//!
//! A test's clock stands still where it started until the test advances it, so a test of a
//! 24-hour lock or a 5-minute TAN moves time instead of rewriting timestamps in the database,
//! and no test depends on how fast the machine is.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Instant,
};

use crate::domain::time::Timestamp;

/// How far the system clock may be from Riegel's before the step is logged (seconds).
const STEP_LOGGED_SECS: i64 = 30;

/// The current time of the system clock.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The time the server reads once per request (and its workers once per pass).
#[derive(Clone, Debug)]
pub struct Clock {
    source: Source,
}

#[derive(Clone, Debug)]
enum Source {
    /// Real time: see the module header.
    Steady(Arc<Steady>),
    /// A test's clock: moves only when told.
    Manual(Arc<AtomicI64>),
}

/// The system clock's reading at start plus the monotonic time since.
struct Steady {
    start: Timestamp,
    started: Instant,
    /// The system clock (a test's stand-in can jump).
    wall: Box<dyn Fn() -> Timestamp + Send + Sync>,
    /// The last step logged, so one step is logged once.
    logged_step: AtomicI64,
}

impl std::fmt::Debug for Steady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Steady").field("start", &self.start).finish_non_exhaustive()
    }
}

impl Steady {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> Timestamp {
        let elapsed = i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX);
        let now = self.start.plus_secs(elapsed);
        let step = (self.wall)().0 - now.0;
        let last = self.logged_step.load(Ordering::Relaxed);
        if (step - last).abs() > STEP_LOGGED_SECS && self.logged_step.swap(step, Ordering::Relaxed) == last {
            tracing::warn!(
                step_secs = step,
                "the system clock moved {step} s away from real time; Riegel keeps counting real time (a restart takes the system clock's time)"
            );
        }
        now
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    /// Real time, starting at the system clock's reading now.
    pub fn system() -> Self {
        Clock::steady(now)
    }

    /// Real time as [`Clock::system`], its steps checked against `wall` (tests make it jump).
    #[allow(clippy::disallowed_methods)]
    pub fn steady(wall: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        let start = wall();
        let steady = Steady { start, started: Instant::now(), wall: Box::new(wall), logged_step: AtomicI64::new(0) };
        Clock { source: Source::Steady(Arc::new(steady)) }
    }

    /// A clock that starts at the system time and stands still until `advance` moves it
    /// (tests).
    pub fn manual() -> Self {
        Clock { source: Source::Manual(Arc::new(AtomicI64::new(now().0))) }
    }

    pub fn now(&self) -> Timestamp {
        match &self.source {
            Source::Manual(t) => Timestamp(t.load(Ordering::SeqCst)),
            Source::Steady(s) => s.now(),
        }
    }

    /// Moves a manual clock by `secs` (backwards when negative); real time stays.
    pub fn advance(&self, secs: i64) {
        if let Source::Manual(t) = &self.source {
            t.fetch_add(secs, Ordering::SeqCst);
        }
    }
}

/// How long something took, on the monotonic clock: for the metrics' durations (a request,
/// the wait for the write turn), never for a rule.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Self {
        Stopwatch(Instant::now())
    }

    pub fn elapsed(&self) -> std::time::Duration {
        self.0.elapsed()
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

    #[test]
    #[allow(clippy::disallowed_methods)]
    fn real_time_goes_on_whichever_way_the_system_clock_jumps() {
        let jump = Arc::new(AtomicI64::new(0));
        let wall = {
            let jump = jump.clone();
            move || now().plus_secs(jump.load(Ordering::SeqCst))
        };
        let clock = Clock::steady(wall);
        let start = clock.now();
        jump.store(86_400, Ordering::SeqCst); // a day forwards
        assert!(clock.now().0 - start.0 <= 1, "a lock does not end early");
        jump.store(-3600, Ordering::SeqCst); // an hour backwards
        assert!(clock.now().0 >= start.0, "a code does not live longer");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert!(clock.now().0 > start.0, "and real time passes");
    }
}
