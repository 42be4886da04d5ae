//! The outbox (SPEC 8.1): nothing is lost when the worker dies mid-batch.

use std::sync::Arc;

use app::{
    backend::delivery::{
        dev_outbox::DevOutbox,
        outbox::{self, NewMessage},
        providers::{Provider, Providers},
        worker,
    },
    domain::mfa::Method,
};

use crate::harness::TestApp;

#[tokio::test]
async fn a_worker_killed_mid_batch_loses_no_message_and_the_restart_sends_each_once() {
    let t = TestApp::start().await;
    let now = t.state.clock.now();
    for i in 0..200 {
        let mut conn = t.state.pool.acquire().await.unwrap();
        let to = format!("+49151000{i:05}");
        let msg = NewMessage { channel: Method::Sms, recipient: &to, subject: "", body: "Riegel test" };
        outbox::enqueue(&mut conn, msg, now).await.unwrap();
    }
    // First worker: killed as soon as it has delivered a few messages.
    let first = Arc::new(DevOutbox::default());
    let providers = Providers {
        sms: Provider::Dev(first.clone()),
        email: Provider::Dev(first.clone()),
        web_push: Provider::Unconfigured,
    };
    let worker = tokio::spawn(worker::run_worker(
        t.state.writer.clone(),
        providers,
        Arc::new(tokio::sync::Notify::new()),
        t.state.clock.clone(),
        worker::DEFAULT_CLAIM_SECS,
    ));
    while first.list().len() < 5 {
        tokio::task::yield_now().await;
    }
    worker.abort();
    let _ = worker.await;
    let sent_before: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert!(sent_before < 200, "the worker died mid-batch ({sent_before} sent)");

    // The killed pass's rows stay claimed for a minute; a restart releases the claims, then
    // every message is delivered, and counted once.
    let second = Arc::new(DevOutbox::default());
    let providers = Providers {
        sms: Provider::Dev(second.clone()),
        email: Provider::Dev(second.clone()),
        web_push: Provider::Unconfigured,
    };
    worker::release_claims(&t.state.writer, t.state.clock.now()).await.unwrap();
    while worker::deliver_due(&t.state.writer, &providers, t.state.clock.now(), 50).await.unwrap() > 0 {}
    let (sent, attempts): (i64, i64) =
        sqlx::query_as("SELECT count(*), CAST(sum(attempts) AS BIGINT) FROM outbox WHERE sent_at IS NOT NULL")
            .fetch_one(&t.state.pool)
            .await
            .unwrap();
    assert_eq!(sent, 200);
    assert_eq!(attempts, 200, "each row marked sent exactly once");
    let mut delivered: Vec<i64> = first.list().iter().chain(second.list().iter()).map(|m| m.outbox_id).collect();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 200, "every message reached the provider");
}

#[tokio::test]
async fn a_failing_provider_retries_with_backoff_and_keeps_the_message() {
    let t = TestApp::start().await;
    let now = t.state.clock.now();
    let mut conn = t.state.pool.acquire().await.unwrap();
    let msg = NewMessage { channel: Method::Email, recipient: "a@b.de", subject: "s", body: "b" };
    outbox::enqueue(&mut conn, msg, now).await.unwrap();
    drop(conn);
    let broken =
        Providers { sms: Provider::Unconfigured, email: Provider::Unconfigured, web_push: Provider::Unconfigured };
    assert_eq!(worker::deliver_due(&t.state.writer, &broken, now, 10).await.unwrap(), 1);
    let (attempts, next, body, err): (i64, i64, String, Option<String>) =
        sqlx::query_as("SELECT attempts, next_attempt_at, body, last_error FROM outbox")
            .fetch_one(&t.state.pool)
            .await
            .unwrap();
    assert_eq!((attempts, next - now.0, body.as_str()), (1, 1, "b"));
    assert!(err.unwrap().contains("no email provider"));
    assert_eq!(worker::deliver_due(&t.state.writer, &broken, now, 10).await.unwrap(), 0, "not due before the backoff");
    assert_eq!(t.deliver().await, 0, "still waiting");
    let later = now.plus_secs(1);
    assert_eq!(
        worker::deliver_due(&t.state.writer, &server::providers(&t.state), later, 10).await.unwrap(),
        1,
        "delivered once a provider works"
    );
}
