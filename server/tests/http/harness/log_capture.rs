//! The server's log as the tests read it: the server's own subscriber
//! (`server::logs::subscriber`, as `main.rs` builds it) in the JSON format at every level,
//! writing into a buffer. A process has one global subscriber, so the first test that asks
//! installs it for the whole binary; from then on it holds the lines of every test running.

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use server::logs::LogFormat;
use tracing_subscriber::{EnvFilter, util::SubscriberInitExt};

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

/// The log of this test binary, captured from the first call on.
pub fn captured_logs() -> Capture {
    static LOGS: OnceLock<Capture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let capture = Capture::default();
        let sink = capture.clone();
        server::logs::subscriber(LogFormat::Json, EnvFilter::new("trace"), move || sink.clone())
            .try_init()
            .expect("this test binary installs one log subscriber");
        capture
    })
    .clone()
}
