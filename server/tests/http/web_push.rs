//! Web Push to the paired device (SPEC 15.1) through a real push service (npm's
//! `web-push-testing`, `harness::PushService`): it checks Riegel's VAPID signature and
//! decrypts each message, so what a test reads is what a phone's service worker would get.
//! Also: a subscription the service reports gone ends, a service that is down is tried again,
//! and endpoints into Riegel's own network are refused at registration.

use http::StatusCode;

use crate::{
    harness::{Client, PushService, Subscription, TestApp, count, ip, serde_urlencoded},
    push::{Device, challenge_at, paired},
};

/// A server whose allowed push services are `service`'s origin, with a short delivery timeout.
async fn app_for(service: &PushService) -> TestApp {
    let delivery = server::Delivery {
        push_services: service.origin(),
        timeout: std::time::Duration::from_secs(1),
        ..server::Delivery::dev()
    };
    TestApp::start_with_delivery(delivery).await
}

async fn register(device: &Device, sub: &Subscription) -> crate::harness::Answer {
    let form = serde_urlencoded(&[("endpoint", &sub.endpoint), ("p256dh", &sub.p256dh), ("auth", &sub.auth)]);
    device.client.post("/api/device/push-subscription", &form).await
}

/// Anna's paired device, subscribed with `service` as its browser would be.
async fn subscribed(t: &TestApp, service: &PushService) -> (Device, Subscription) {
    let device = paired(t).await;
    let vapid: String = serde_json::from_str(&device.client.post("/api/device/vapid-key", "").await.body).unwrap();
    let sub = service.subscribe(&vapid).await;
    let res = register(&device, &sub).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    (device, sub)
}

/// Anna's session at her trusted address (her account exists once paired).
async fn anna(t: &TestApp) -> Client {
    let c = Client::new(t, ip(1));
    let (_, token) = c.password("anna@example.org", crate::harness::PW).await;
    c.with_session(&token)
}

async fn reception(s: &Client) -> String {
    s.post("/api/push/reception", "").await.body
}

#[tokio::test]
async fn a_login_push_reaches_the_device_through_its_push_service_and_names_the_request_only() {
    let service = PushService::start().await;
    let t = app_for(&service).await;
    let (_device, sub) = subscribed(&t, &service).await;
    let anna = anna(&t).await;
    assert!(reception(&anna).await.contains("Receiving"), "{}", reception(&anna).await);

    let login = challenge_at(&t, 7).await;
    let (logs, _logging) = crate::harness::capture_logs();
    let sent = login.post("/api/mfa/push", "").await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?} {:?}", logs.lines());
    let status: serde_json::Value = serde_json::from_str(&login.post("/api/mfa/status", "").await.body).unwrap();
    let number = status["push"]["number"].as_u64().expect("a push is waiting");
    t.deliver().await;

    let got = service.messages(&sub).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    let request: i64 = sqlx::query_scalar("SELECT id FROM push_requests").fetch_one(&t.state.pool).await.unwrap();
    assert_eq!((m["kind"].as_str(), m["id"].as_i64()), (Some("login"), Some(request)), "{m}");
    assert_eq!(m["ip"], ip(7).to_string());
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["at", "id", "ip", "kind"], "the request's id, kind, time and address, nothing else: {m}");
    assert!(!m.to_string().contains(&format!(":{number}")), "never the number the login screen shows: {m}");
    let body: Option<String> =
        sqlx::query_scalar("SELECT body FROM outbox WHERE channel = 'webpush'").fetch_one(&t.state.pool).await.unwrap();
    assert!(body.unwrap_or_default().is_empty(), "the outbox keeps nothing of a delivered push");
}

#[tokio::test]
async fn a_subscription_the_service_reports_gone_ends_and_the_settings_say_so() {
    let service = PushService::start().await;
    let t = app_for(&service).await;
    let (device, sub) = subscribed(&t, &service).await;
    let anna = anna(&t).await;
    service.expire(&sub).await;

    let login = challenge_at(&t, 7).await;
    login.post("/api/mfa/push", "").await;
    t.deliver().await;
    assert!(reception(&anna).await.contains("Ended"), "{}", reception(&anna).await);
    let gave_up = count(&t, "SELECT count(*) FROM outbox WHERE channel = 'webpush' AND gave_up_at IS NOT NULL").await;
    assert_eq!(gave_up, 1, "a gone subscription is not tried again");

    // The next login's push goes nowhere until the device subscribes again.
    let login = challenge_at(&t, 8).await;
    login.post("/api/mfa/push", "").await;
    assert_eq!(count(&t, "SELECT count(*) FROM outbox WHERE channel = 'webpush'").await, 1);
    let vapid: String = serde_json::from_str(&device.client.post("/api/device/vapid-key", "").await.body).unwrap();
    let again = service.subscribe(&vapid).await;
    assert_eq!(register(&device, &again).await.status, StatusCode::OK);
    assert!(reception(&anna).await.contains("Receiving"));
}

#[tokio::test]
async fn a_push_service_that_is_down_is_tried_again_and_the_push_arrives() {
    let mut service = PushService::start().await;
    let t = app_for(&service).await;
    let (_device, sub) = subscribed(&t, &service).await;
    service.pause();
    let login = challenge_at(&t, 7).await;
    login.post("/api/mfa/push", "").await;
    t.deliver().await;
    let waiting = count(
        &t,
        "SELECT count(*) FROM outbox WHERE channel = 'webpush' AND sent_at IS NULL AND gave_up_at IS NULL AND attempts = 1",
    )
    .await;
    let error: Option<String> = sqlx::query_scalar("SELECT last_error FROM outbox WHERE channel = 'webpush'")
        .fetch_one(&t.state.pool)
        .await
        .unwrap();
    assert_eq!(waiting, 1, "kept for the next attempt ({error:?})");
    assert_eq!(error.as_deref(), Some("push service timed out"));

    service.resume();
    t.state.clock.advance(5);
    t.deliver().await;
    assert_eq!(count(&t, "SELECT count(*) FROM outbox WHERE channel = 'webpush' AND sent_at IS NOT NULL").await, 1);
    // The frozen service may still take the first attempt once it thaws: delivery is at least
    // once, and every copy names the same request (the service worker shows it once, by its tag).
    let got = service.messages(&sub).await;
    let request: i64 = sqlx::query_scalar("SELECT id FROM push_requests").fetch_one(&t.state.pool).await.unwrap();
    assert!(!got.is_empty() && got.iter().all(|m| m["id"] == request), "{got:?}");
    service.stop().await;
}

#[tokio::test]
async fn subscriptions_into_riegels_own_network_or_not_of_a_paired_device_are_refused() {
    let service = PushService::start().await;
    let t = app_for(&service).await;
    let device = paired(&t).await;
    let vapid: String = serde_json::from_str(&device.client.post("/api/device/vapid-key", "").await.body).unwrap();
    let good = service.subscribe(&vapid).await;
    let own = &t.state.config.link_origin;
    for endpoint in [
        format!("{own}/api/support/unlock-tan"),
        "http://127.0.0.1:5432/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.7/admin".to_owned(),
        format!("http://user@{}/notify/x", service.origin().trim_start_matches("http://")),
        "https://fcm.googleapis.com.evil.example/x".to_owned(),
    ] {
        let sub = Subscription { endpoint: endpoint.clone(), ..good.clone() };
        let res = register(&device, &sub).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{endpoint}: {res:?}");
        assert!(res.body.contains("PushSubscriptionRefused"), "{}", res.body);
    }
    let bad_key = Subscription { p256dh: "AAAA".into(), ..good.clone() };
    assert_eq!(register(&device, &bad_key).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stranger = Device { key: crate::push::new_key(), client: Client::new(&t, ip(99)) };
    assert_eq!(register(&stranger, &good).await.status, StatusCode::UNAUTHORIZED, "no device cookie");
    assert_eq!(count(&t, "SELECT count(*) FROM push_devices WHERE push_endpoint IS NOT NULL").await, 0);
    assert_eq!(t.audited("push.subscribed").await, 0);
}

#[tokio::test]
async fn a_test_notification_reaches_the_device_once_per_countdown() {
    let service = PushService::start().await;
    let t = app_for(&service).await;
    let (_device, sub) = subscribed(&t, &service).await;
    let anna = anna(&t).await;
    assert_eq!(anna.post("/api/push/test", "").await.status, StatusCode::OK);
    let again = anna.post("/api/push/test", "").await;
    assert!(again.body.contains("Cooldown"), "one per countdown: {again:?}");
    t.deliver().await;
    let got = service.messages(&sub).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["kind"], "test");
    t.state.clock.advance(31);
    assert_eq!(anna.post("/api/push/test", "").await.status, StatusCode::OK);
}
