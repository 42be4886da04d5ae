//! The server's log as a test reads it: the server's own layer (`server::logs::layer`, as
//! `main.rs` builds it) in the JSON format at every level, writing into a buffer of the test.
//!
//! A process has one global subscriber, and every test of this binary shares it. It is
//! installed once, at the first test that asks, and writes only on the threads of tests that
//! capture, each into its own buffer: a `#[tokio::test]` runs every task of its runtime on its
//! thread, so a buffer holds exactly the lines of its test's requests, each in its request's
//! span from the start. Other tests' events are not even formatted. (A subscriber of the
//! test's thread alone would not do: tracing remembers whether a log statement is enabled from
//! when it first ran, on whichever thread, and on another test's thread nobody listened.)

use std::{
    cell::RefCell,
    io::Write,
    sync::{
        Arc, Mutex, Once,
        atomic::{AtomicUsize, Ordering},
    },
};

use server::logs::LogFormat;
use tracing_subscriber::{Layer, filter::dynamic_filter_fn, layer::SubscriberExt, util::SubscriberInitExt};

#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Every line so far, each parsed as JSON; a line that is not JSON fails the test.
    pub fn lines(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().unwrap().clone();
        let text = String::from_utf8(bytes).expect("the log is UTF-8");
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}")))
            .collect()
    }

    /// The lines logged in the span of the request with this id.
    pub fn of_request(&self, id: &str) -> Vec<serde_json::Value> {
        self.lines().into_iter().filter(|l| l["span"]["request_id"] == id).collect()
    }
}

thread_local! {
    /// The buffer of the test running on this thread, while it captures.
    static CAPTURING: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

/// SQLite runs statements on a worker thread of its own (in the request's span), so their
/// lines go to one buffer for every thread while a test counts statements; the test picks
/// its requests' lines by request id.
static STATEMENTS_WANTED: AtomicUsize = AtomicUsize::new(0);
static STATEMENTS: std::sync::LazyLock<Capture> = std::sync::LazyLock::new(Capture::default);

/// While it lives, sqlx's statement lines of every thread go to [`statements_everywhere`]'s
/// buffer too.
pub struct CountingStatements(());

impl Drop for CountingStatements {
    fn drop(&mut self) {
        STATEMENTS_WANTED.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Captures sqlx's statement lines of every thread (its own requests' lines included) into
/// one process-wide buffer, until the guard is dropped.
pub fn statements_everywhere() -> (Capture, CountingStatements) {
    install();
    STATEMENTS_WANTED.fetch_add(1, Ordering::SeqCst);
    (STATEMENTS.clone(), CountingStatements(()))
}

/// While it lives, the log of the test's thread goes to its [`Capture`].
pub struct Capturing(());

impl Drop for Capturing {
    fn drop(&mut self) {
        CAPTURING.with(|c| c.borrow_mut().take());
    }
}

/// Captures the log of the calling test, at every level, until the guard is dropped.
pub fn capture_logs() -> (Capture, Capturing) {
    install();
    let capture = Capture::default();
    CAPTURING.with(|c| *c.borrow_mut() = Some(capture.clone()));
    (capture, Capturing(()))
}

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let writer = || match CAPTURING.with(|c| c.borrow().clone()) {
            Some(capture) => capture,
            None if STATEMENTS_WANTED.load(Ordering::SeqCst) > 0 => STATEMENTS.clone(),
            None => Capture::default(),
        };
        // Asked at every event and span (a plain `filter_fn` is asked once a statement and
        // remembered, on whichever thread that was). A statement on SQLite's worker thread is
        // logged in the span of its request, made on the test's thread.
        let wanted = dynamic_filter_fn(|meta, _| {
            CAPTURING.with(|c| c.borrow().is_some())
                || (meta.target() == "sqlx::query" && STATEMENTS_WANTED.load(Ordering::SeqCst) > 0)
        });
        tracing_subscriber::registry()
            .with(server::logs::layer(LogFormat::Json, writer).with_filter(wanted))
            .try_init()
            .expect("this test binary installs one log subscriber");
    });
}
