//! Delivery: every message that leaves the server, from the decision to send it to the
//! provider that sends it (SPEC 8). Imports within the group point one way:
//! `worker` → `providers` → `dev_outbox`; `outbox` only writes rows.
//!
//! - `outbox`: a message to send is a row written in the transaction of the decision to send it;
//! - `worker`: every instance's loop that claims due rows, hands each to its channel's
//!   provider, and marks it sent, failed (retried with backoff) or given up;
//! - `providers`: where a channel's messages go (SMTP, an SMS gateway, the development
//!   outbox, or none) and why an attempt failed (`Failure`);
//! - `dev_outbox`: the development provider's in-memory mailbox behind `/dev/outbox`.
//!
//! Not here: the texts of the messages (`messages/`), the outbox's SQL (`store::outbox`), the
//! wake-ups that share the development outbox between instances (`events`).

pub mod dev_outbox;
pub mod outbox;
pub mod providers;
pub mod web_push;
pub mod worker;
