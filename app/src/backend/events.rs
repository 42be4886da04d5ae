//! Wake-ups of the push event streams, within one instance or across several.
//!
//! After a commit that changed an account's push requests, every open event stream of that
//! account (its device's, its login screens') reads them again. Streams also re-read every
//! few seconds, so a lost wake-up delays a screen, it never stalls it.
//!
//! - SQLite (one instance): a broadcast channel in the process carries the wake-ups.
//! - PostgreSQL (several instances): each wake-up is sent as `NOTIFY riegel_push, '<account>'`,
//!   and every instance's listener (`LISTEN riegel_push`) feeds its own broadcast channel, so
//!   a device answering through instance B wakes the login screen streaming from instance A.
//!   A listener that lost its connection connects again and then wakes every stream
//!   ([`RESYNC`]): wake-ups sent meanwhile are lost, a re-read is not.
//!
//! In development mode the same way carries each message the development provider delivered
//! (`riegel_dev_outbox`), so `/dev/outbox` lists them on every instance. Message bodies
//! (codes) pass through PostgreSQL's notification queue only in development mode, never in
//! production, where the development provider does not exist.

use std::{sync::Arc, time::Duration};

use sqlx::{AnyPool, postgres::PgListener};
use tokio::sync::{broadcast, mpsc};

use super::{delivery::dev_outbox::DevOutbox, store};

/// Sent to every stream when the server shuts down: each ends, so a graceful shutdown does not
/// wait for devices that keep theirs open.
pub const CLOSING: i64 = -1;
/// Sent to every stream after wake-ups may have been lost: each reads again.
pub const RESYNC: i64 = -2;

const PUSH_CHANNEL: &str = "riegel_push";
const DEV_OUTBOX_CHANNEL: &str = "riegel_dev_outbox";

/// What goes out to the other instances.
#[derive(Debug)]
enum Note {
    Push(i64),
    Delivered(String),
}

/// The wake-ups of this instance's event streams.
#[derive(Clone, Debug)]
pub struct PushEvents {
    local: broadcast::Sender<i64>,
    /// PostgreSQL: the queue of the task that sends NOTIFYs.
    remote: Option<mpsc::UnboundedSender<Note>>,
}

impl PushEvents {
    /// For one instance: wake-ups stay in the process.
    pub fn in_process() -> Self {
        PushEvents { local: broadcast::channel(256).0, remote: None }
    }

    /// For several instances on PostgreSQL: starts the task that sends wake-ups and the
    /// listener that receives them (its own included), on the database at `url`. With a
    /// development outbox, delivered messages are shared the same way.
    pub fn through_postgres(url: String, pool: AnyPool, dev_outbox: Option<Arc<DevOutbox>>) -> Self {
        let local = broadcast::channel(256).0;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(send_notes(pool, rx));
        tokio::spawn(listen(url, local.clone(), dev_outbox.clone()));
        if let Some(outbox) = &dev_outbox {
            let tx = tx.clone();
            outbox.share(move |json| {
                let _ = tx.send(Note::Delivered(json));
            });
        }
        PushEvents { local, remote: Some(tx) }
    }

    /// Wakes every open stream of the account, on every instance. Call after the commit.
    pub fn publish(&self, user_id: i64) {
        match &self.remote {
            // The listener brings it back to this instance too.
            Some(remote) => {
                let _ = remote.send(Note::Push(user_id));
            }
            // No stream listening is not an error.
            None => {
                let _ = self.local.send(user_id);
            }
        }
    }

    /// Ends every stream of this instance (graceful shutdown).
    pub fn close(&self) {
        let _ = self.local.send(CLOSING);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.local.subscribe()
    }
}

/// Sends the queued notes as NOTIFYs, in order. One that fails (the database unreachable) is
/// logged and dropped: the streams' own re-reads cover it.
async fn send_notes(pool: AnyPool, mut rx: mpsc::UnboundedReceiver<Note>) {
    while let Some(note) = rx.recv().await {
        let (channel, payload) = match note {
            Note::Push(user_id) => (PUSH_CHANNEL, user_id.to_string()),
            Note::Delivered(json) => (DEV_OUTBOX_CHANNEL, json),
        };
        let sent = store::notify::pg_notify(&pool, channel, &payload).await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, channel, "a wake-up could not be sent");
        }
    }
}

/// Receives the NOTIFYs of every instance until the process ends, connecting again (once a
/// second) whenever the connection is lost.
async fn listen(url: String, local: broadcast::Sender<i64>, dev_outbox: Option<Arc<DevOutbox>>) {
    let mut lost = false;
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                if !lost {
                    tracing::warn!(error = %e, "the wake-up listener cannot connect; trying every second");
                    lost = true;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen_all([PUSH_CHANNEL, DEV_OUTBOX_CHANNEL]).await {
            tracing::warn!(error = %e, "the wake-up listener cannot listen");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if lost {
            tracing::info!("the wake-up listener is connected again");
        }
        // Listening again: whatever was sent while it was not, every stream reads anew.
        let _ = local.send(RESYNC);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) if n.channel() == PUSH_CHANNEL => {
                    if let Ok(user_id) = n.payload().parse::<i64>() {
                        let _ = local.send(user_id);
                    }
                }
                Ok(Some(n)) => {
                    if let Some(outbox) = &dev_outbox {
                        outbox.receive(n.payload());
                    }
                }
                // The connection was lost: connect and listen again.
                Ok(None) | Err(_) => {
                    tracing::warn!("the wake-up listener lost its connection");
                    lost = true;
                    break;
                }
            }
        }
    }
}
