//! A real Web Push service for the tests: npm's `web-push-testing` (installed with the
//! journeys' packages in `end2end/node_modules`), run on a port of its own for one test. It
//! hands out subscriptions as a browser's push service would, checks each message's VAPID
//! signature, decrypts it, and keeps it for the test to read. Riegel's code does none of that.

use std::time::Duration;

/// A subscription the service handed out: what a browser's `PushSubscription.toJSON()` gives
/// the device page, and the service's id for it.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub client_hash: String,
}

pub struct PushService {
    child: tokio::process::Child,
    port: u16,
    http: reqwest::Client,
}

impl PushService {
    /// Starts the service on a free port and waits until it answers.
    pub async fn start() -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let script = root.join("end2end/node_modules/web-push-testing/src/bin/server.js");
        assert!(script.exists(), "{} is missing: run `npm ci` in end2end/ (./x test does)", script.display());
        let child = tokio::process::Command::new("node")
            .arg(&script)
            .arg(port.to_string())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs web-push-testing");
        let service = PushService { child, port, http: reqwest::Client::new() };
        for _ in 0..100 {
            if service.http.post(service.url("/status")).send().await.is_ok_and(|r| r.status().is_success()) {
                return service;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("web-push-testing did not start on port {port}");
    }

    /// The service's origin, as Riegel's allowed push services name it.
    pub fn origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// A subscription for the VAPID public key `vapid` (base64url), as a browser makes one.
    pub async fn subscribe(&self, vapid: &str) -> Subscription {
        let res = self
            .http
            .post(self.url("/subscribe"))
            .form(&[("userVisibleOnly", "true"), ("applicationServerKey", vapid)])
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap();
        let data = &body["data"];
        let s = |v: &serde_json::Value| v.as_str().unwrap_or_else(|| panic!("no subscription in {body}")).to_owned();
        Subscription {
            endpoint: s(&data["endpoint"]),
            p256dh: s(&data["keys"]["p256dh"]),
            auth: s(&data["keys"]["auth"]),
            client_hash: s(&data["clientHash"]),
        }
    }

    /// The messages the service received for `sub`, decrypted by the service.
    pub async fn messages(&self, sub: &Subscription) -> Vec<serde_json::Value> {
        let res = self
            .http
            .post(self.url("/get-notifications"))
            .json(&serde_json::json!({ "clientHash": sub.client_hash }))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap();
        let messages = body["data"]["messages"].as_array().cloned().unwrap_or_default();
        messages
            .iter()
            .map(|m| {
                let text = m.as_str().unwrap_or_else(|| panic!("a message is text: {m}"));
                serde_json::from_str(text).unwrap_or_else(|_| panic!("a message is Riegel's JSON: {text}"))
            })
            .collect()
    }

    /// Ends `sub` as a browser's unsubscribing would: the service answers 410 from then on.
    pub async fn expire(&self, sub: &Subscription) {
        let res = self.http.post(self.url(&format!("/expire-subscription/{}", sub.client_hash))).send().await.unwrap();
        assert!(res.status().is_success(), "{res:?}");
    }

    /// Freezes the service (SIGSTOP): it takes connections and answers nothing, as a push
    /// service that is down behind its load balancer does.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen service go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        let pid = self.child.id().expect("the service runs").to_string();
        let ok = std::process::Command::new("kill").args([which, &pid]).status().unwrap().success();
        assert!(ok, "kill {which} {pid}");
    }

    /// Stops the service (a push service that is down).
    pub async fn stop(&mut self) {
        self.child.kill().await.unwrap();
    }
}
