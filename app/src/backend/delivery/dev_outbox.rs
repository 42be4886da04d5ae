//! The development provider: it delivers nowhere and keeps the newest messages in memory, so
//! `/dev/outbox` shows the codes a developer or a test would have received. It exists only in
//! development mode.

use std::{
    collections::VecDeque,
    sync::{Mutex, OnceLock},
};

use serde::{Deserialize, Serialize};

/// A message as the development provider delivered it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delivered {
    pub outbox_id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub delivered_at: i64,
}

/// The development provider's mailbox: the newest `CAPACITY` messages, in memory only. With
/// several instances each one's deliveries are shared with the others (`events`), so every
/// instance lists them all.
pub struct DevOutbox {
    messages: Mutex<VecDeque<Delivered>>,
    /// Tells the messages of this instance apart from the others'.
    instance: u64,
    /// Sends a delivered message, as JSON, to the other instances.
    share: OnceLock<Box<dyn Fn(String) + Send + Sync>>,
}

impl Default for DevOutbox {
    fn default() -> Self {
        DevOutbox { messages: Mutex::default(), instance: rand::random(), share: OnceLock::new() }
    }
}

impl std::fmt::Debug for DevOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevOutbox").field("instance", &self.instance).finish_non_exhaustive()
    }
}

/// A delivered message on its way to the other instances.
#[derive(Serialize, Deserialize)]
struct Shared {
    from: u64,
    message: Delivered,
}

impl DevOutbox {
    const CAPACITY: usize = 1000;

    /// From now on, hands every message this instance delivers to `send` as well.
    pub fn share(&self, send: impl Fn(String) + Send + Sync + 'static) {
        let _ = self.share.set(Box::new(send));
    }

    /// A message shared by an instance (this one's own come back too and are skipped).
    pub fn receive(&self, json: &str) {
        match serde_json::from_str::<Shared>(json) {
            Ok(shared) if shared.from != self.instance => self.keep(shared.message),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "a shared development message could not be read"),
        }
    }

    pub(super) fn push(&self, message: Delivered) {
        if let Some(send) = self.share.get()
            && let Ok(json) = serde_json::to_string(&Shared { from: self.instance, message: message.clone() })
        {
            send(json);
        }
        self.keep(message);
    }

    fn keep(&self, message: Delivered) {
        if let Ok(mut m) = self.messages.lock() {
            if m.len() == Self::CAPACITY {
                m.pop_front();
            }
            m.push_back(message);
        }
    }

    /// Newest first.
    pub fn list(&self) -> Vec<Delivered> {
        self.messages.lock().map(|m| m.iter().rev().cloned().collect()).unwrap_or_default()
    }
}
