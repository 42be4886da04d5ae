//! The outbox (SPEC 8.1): a message to send is a row written by the same transaction as the
//! decision to send it. The delivery worker (`worker`) sends it later, with retries.

use sqlx::AnyConnection;

use crate::{
    backend::{db::WriteTx, store},
    domain::{channel::Channel, mfa::Method, time::Timestamp},
};

/// One message for one recipient.
pub struct NewMessage<'a> {
    pub channel: Method,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

pub async fn enqueue(conn: &mut AnyConnection, msg: NewMessage<'_>, now: Timestamp) -> Result<i64, sqlx::Error> {
    store::outbox::enqueue(conn, msg.channel.into(), msg.recipient, msg.subject, msg.body, now).await
}

/// Puts a message in the outbox with the transaction's commit (`db::batch`): for a use case
/// that reads nothing of it afterwards.
pub fn enqueue_later(tx: &mut WriteTx, msg: NewMessage<'_>, now: Timestamp) {
    tx.later(store::outbox::enqueue_later(msg.channel.into(), msg.recipient, msg.subject, msg.body, now));
}

/// Puts a Web Push message for the subscription at `endpoint` in the outbox with the
/// transaction's commit. `body` holds the subscription's keys and the payload (as JSON, see
/// `delivery::web_push`); it is wiped once delivered, like every message's.
pub fn enqueue_web_push_later(tx: &mut WriteTx, endpoint: &str, body: &str, now: Timestamp) {
    tx.later(store::outbox::enqueue_later(Channel::WebPush, endpoint, "", body, now));
}

/// Sends one e-mail through the outbox, inside the caller's transaction.
pub async fn email_to(
    conn: &mut AnyConnection,
    to: &str,
    text: crate::backend::messages::Text,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    enqueue(conn, NewMessage { channel: Method::Email, recipient: to, subject: &text.subject, body: &text.body }, now)
        .await
        .map(|_| ())
}
