//! Every response carries its request's id in `X-Request-Id`, and every log line of the request
//! carries it too. The id a client sends is taken only from the trusted proxy (the rule of
//! `X-Forwarded-For`) and only when it is a plain token; otherwise the server makes one.

use http::{HeaderName, StatusCode};

use crate::harness::{Answer, Client, TestApp, capture_logs, ip};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn id_of(res: &Answer) -> String {
    res.header(X_REQUEST_ID).unwrap_or_else(|| panic!("no X-Request-Id: {res:?}"))
}

/// An id the server made: 32 hex digits.
fn is_made(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test]
async fn every_response_has_a_new_id_that_its_log_lines_carry() {
    let (logs, _logging) = capture_logs();
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(70));
    let (a, b) = (c.get("/livez").await, c.get("/livez").await);
    let (a, b) = (id_of(&a), id_of(&b));
    assert!(is_made(&a) && is_made(&b) && a != b, "{a} {b}");
    let lines = logs.of_request(&a);
    let response = lines.iter().find(|l| l["message"] == "response").unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(response["span"]["route"], "/livez");
    assert_eq!(response["span"]["method"], "GET");
    assert_eq!(response["status"], 200);
    assert!(response["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{response}");

    // A refused request: its warning and its response line both carry its id; the route is
    // the path without the query string.
    let res = c.raw_post("/oidc/authorize?state=state-not-for-logs&x=1", "", &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let lines = logs.of_request(&id_of(&res));
    assert!(lines.iter().any(|l| l["message"] == "cross-origin request refused"), "{lines:?}");
    let response = lines.iter().find(|l| l["message"] == "response").unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(response["span"]["route"], "/oidc/authorize");
    assert_eq!(response["status"], 403);
    assert!(!logs.lines().iter().any(|l| l.to_string().contains("state-not-for-logs")), "a query string was logged");
}

#[tokio::test]
async fn a_request_id_is_taken_only_from_the_trusted_proxy_and_only_when_plain() {
    let (logs, _logging) = capture_logs();
    let t = TestApp::start().await;
    let proxy = ip(250);
    let behind = t.router_behind(proxy);
    let forged = [("x-request-id", "forged-by-a-client-1")];

    // No proxy configured, or a peer that is not the proxy: the client's id is replaced.
    let direct = Client::new(&t, ip(71)).get_with("/livez", &forged).await;
    let stranger = Client::on(behind.clone(), ip(72)).get_with("/livez", &forged).await;
    for res in [&direct, &stranger] {
        assert!(is_made(&id_of(res)), "{res:?}");
    }

    // Through the proxy: its id is kept, and logged.
    let via_proxy = Client::on(behind, proxy);
    let res = via_proxy.get_with("/livez", &[("x-request-id", "nginx-7f3a9c01-Root=1:ab+/_.")]).await;
    assert_eq!(id_of(&res), "nginx-7f3a9c01-Root=1:ab+/_.");
    let lines = logs.of_request("nginx-7f3a9c01-Root=1:ab+/_.");
    assert!(lines.iter().any(|l| l["message"] == "response" && l["status"] == 200), "{lines:?}");

    // Through the proxy but not a plain token, or none: a new one.
    let too_long = "a".repeat(65);
    for sent in ["two words", "a\"quote", "semi;colon", "", too_long.as_str()] {
        let res = via_proxy.get_with("/livez", &[("x-request-id", sent)]).await;
        assert!(is_made(&id_of(&res)), "{sent:?} → {res:?}");
    }
    assert!(is_made(&id_of(&via_proxy.get("/livez").await)));
    assert_eq!(id_of(&via_proxy.get_with("/livez", &[("x-request-id", &"b".repeat(64))]).await), "b".repeat(64));
}
