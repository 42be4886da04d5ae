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
    sync::{Arc, Mutex, Once},
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

/// While it lives, the log of the test's thread goes to its [`Capture`].
pub struct Capturing(());

impl Drop for Capturing {
    fn drop(&mut self) {
        CAPTURING.with(|c| c.borrow_mut().take());
    }
}

/// Captures the log of the calling test, at every level, until the guard is dropped.
pub fn capture_logs() -> (Capture, Capturing) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let writer = || CAPTURING.with(|c| c.borrow().clone()).unwrap_or_default();
        // Asked at every event and span (a plain `filter_fn` is asked once a statement and
        // remembered, on whichever thread that was).
        let on_capturing_thread = dynamic_filter_fn(|_, _| CAPTURING.with(|c| c.borrow().is_some()));
        tracing_subscriber::registry()
            .with(server::logs::layer(LogFormat::Json, writer).with_filter(on_capturing_thread))
            .try_init()
            .expect("this test binary installs one log subscriber");
    });
    let capture = Capture::default();
    CAPTURING.with(|c| *c.borrow_mut() = Some(capture.clone()));
    (capture, Capturing(()))
}
