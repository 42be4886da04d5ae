//! SPEC 6.5: no secret (password, code, TAN, token) is ever written to a log or the audit
//! table. A full journey runs with every log level captured in the JSON log format; then, with
//! the server still running, the logs and what the database holds are searched for every
//! secret the journey used: on SQLite the database file, its WAL and its shared memory, byte
//! for byte; on PostgreSQL every row of every table, as text (blobs as hex). Every log line
//! must be JSON, and every response line carry its request's id, route, method, status and
//! latency, and no query string.

use http::header;

use app::backend::db::Location;

use crate::harness::{Client, TestApp, capture_logs, ip, serde_urlencoded as form};

/// Whether `needle` stands in `text` as a word of its own: not inside a longer run of letters,
/// digits, `-` and `_` (a six-digit code inside a ten-digit timestamp or a 32-digit request id
/// is no leak).
fn holds_token(text: &[u8], needle: &[u8]) -> bool {
    let word = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_');
    text.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle && !word(i.checked_sub(1).and_then(|j| text.get(j))) && !word(text.get(i + needle.len()))
    })
}

fn token_of(res: &crate::harness::Answer) -> String {
    res.session_token().unwrap_or_else(|| panic!("no session: {res:?}"))
}

#[tokio::test]
async fn a_full_journey_leaves_no_secret_in_the_database_or_the_logs() {
    let (logs, _logging) = capture_logs();
    let t = TestApp::start().await;
    let mut secrets: Vec<String> = Vec::new();
    let phone = "+4915112340001";
    let (pw1, pw2, pw3) = ("Kiefer-Wolke-Laterne-73", "Ampel-Tunnel-Drossel-58", "Segel-Kompass-Birke-41");
    secrets.extend([pw1, pw2, pw3].map(String::from));

    // Registration, e-mail code, MFA setup.
    let c = Client::new(&t, ip(60));
    let body = form(&[
        ("company", "Dach & Fach KG"),
        ("full_name", "Ute Zimmer"),
        ("email", "ute@dachfach.de"),
        ("password", pw1),
    ]);
    let res = c.post("/api/register", &body).await;
    let reg_token = res.registration_token().unwrap();
    secrets.push(reg_token.clone());
    let reg = c.with_cookie(&format!("riegel_registration={reg_token}"));
    let code = t.code_for("ute@dachfach.de").await;
    secrets.push(code.clone());
    let s = token_of(&reg.post("/api/register/verify", &format!("code={code}")).await);
    secrets.push(s.clone());
    let setup = c.with_session(&s);
    setup.post("/api/mfa/setup", &form(&[("phone", phone)])).await;
    let code = t.code_for(phone).await;
    secrets.push(code.clone());
    let s = token_of(&setup.verify(&code).await);
    secrets.push(s.clone());
    let me = c.with_session(&s);

    // A TAN-protected change.
    let bank = [("holder", "Dach & Fach KG"), ("iban", "DE89370400440532013000"), ("bic", "")];
    me.post("/api/bank/change", &form(&[&bank[..], &[("tan", "")]].concat())).await;
    let (tan, _) = t.tan_for(phone).await;
    secrets.push(tan.clone());
    let done = me.post("/api/bank/change", &form(&[&bank[..], &[("tan", tan.as_str())]].concat())).await;
    assert_eq!(done.status, http::StatusCode::OK, "{}", done.body);

    // An invitation, accepted.
    let invite = [("full_name", "Max Dach"), ("email", "max@dachfach.de")];
    me.post("/api/team/invite", &form(&[&invite[..], &[("tan", "")]].concat())).await;
    let (tan, _) = t.tan_for(phone).await;
    secrets.push(tan.clone());
    me.post("/api/team/invite", &form(&[&invite[..], &[("tan", tan.as_str())]].concat())).await;
    let link = t.link_token("max@dachfach.de").await;
    secrets.push(link.clone());
    let accepted =
        Client::new(&t, ip(61)).post("/api/invitation/accept", &form(&[("token", &link), ("password", pw3)])).await;
    secrets.push(token_of(&accepted));

    // Forgotten password from another IP, then a login with the challenge.
    let other = Client::new(&t, ip(62));
    other.post("/api/password/forgot", "email=ute%40dachfach.de").await;
    let link = t.link_token("ute@dachfach.de").await;
    secrets.push(link.clone());
    let s = token_of(&other.post("/api/password/reset", &form(&[("token", &link)])).await);
    secrets.push(s.clone());
    let code = t.code_for(phone).await;
    secrets.push(code.clone());
    let s = token_of(&other.with_session(&s).verify(&code).await);
    secrets.push(s.clone());
    let res = other.with_session(&s).post("/api/password/new", &form(&[("password", pw2)])).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/login?reset=done"), "{res:?}");
    let (_, s) = other.password("ute@dachfach.de", pw2).await;
    secrets.push(s.clone());
    let code = t.code_for(phone).await;
    secrets.push(code.clone());
    let res = other.with_session(&s).verify(&code).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "{res:?}");
    let s = token_of(&res);
    secrets.push(s.clone());

    // An application logs Ute in through OpenID Connect: its secret, the code and the access
    // token are secrets too.
    let new = app::backend::oidc::clients::NewClient {
        id: "portal",
        name: "Rechnungsportal",
        public: false,
        redirect_uris: &["https://rp.example/cb".to_owned()],
        post_logout_uris: &[],
    };
    let client_secret = app::backend::services::oidc_tokens::add_client(&t.state, t.state.clock.now(), &new)
        .await
        .unwrap()
        .unwrap()
        .expose()
        .clone();
    secrets.push(client_secret.clone());
    let authorize = form(&[
        ("response_type", "code"),
        ("client_id", "portal"),
        ("redirect_uri", "https://rp.example/cb"),
        ("scope", "openid email"),
        ("nonce", "n-1"),
    ]);
    let res = other.with_session(&s).get(&format!("/oidc/authorize?{authorize}")).await;
    let authorize_id = res.header(header::HeaderName::from_static("x-request-id")).unwrap();
    let authorize_status = res.status.as_u16();
    let location = res.header(header::LOCATION).unwrap_or_else(|| panic!("{res:?}"));
    let code = url::Url::parse(&location).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    secrets.push(code.clone());
    let redeem = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "https://rp.example/cb"),
        ("client_id", "portal"),
        ("client_secret", &client_secret),
    ]);
    let tokens: serde_json::Value =
        serde_json::from_str(&Client::new(&t, ip(63)).raw_post("/oidc/token", &redeem, &[]).await.body).unwrap();
    secrets.push(tokens["access_token"].as_str().unwrap().to_owned());

    // Read while the server still runs.
    t.deliver().await;
    let stored = match &t.database {
        Location::Sqlite(_) => {
            let mut stored = Vec::new();
            let mut files = Vec::new();
            for entry in std::fs::read_dir(t.dir()).unwrap() {
                let path = entry.unwrap().path();
                files.push(path.file_name().unwrap().to_string_lossy().into_owned());
                stored.extend(std::fs::read(&path).unwrap());
            }
            files.sort();
            assert_eq!(files, ["riegel.sqlite", "riegel.sqlite-shm", "riegel.sqlite-wal"]);
            stored
        }
        Location::Postgres(_) => crate::harness::every_row(&t).await.into_values().collect::<String>().into_bytes(),
    };
    assert!(stored.len() > 5_000, "the database was read ({} bytes)", stored.len());
    let lines = logs.lines();
    let logged = logged_without_time(&lines);
    assert!(logged.len() > 1000, "the logs were captured ({} bytes)", logged.len());
    let authorize_lines = logs.of_request(&authorize_id);
    assert!(
        authorize_lines.iter().any(|l| l["message"] == "response"
            && l["span"]["route"] == "/oidc/authorize"
            && l["span"]["method"] == "GET"
            && l["status"] == authorize_status),
        "the authorize request's response line: {authorize_lines:?}"
    );
    assert!(!holds_token(&logged, b"response_type=code"), "the logs hold an authorize query string");
    assert!(secrets.len() >= 20, "{}", secrets.len());
    for secret in &secrets {
        let needle = secret.as_bytes();
        assert!(!stored.windows(needle.len()).any(|w| w == needle), "the database holds a secret: {secret}");
        // A secret written as bytes shows as hex in PostgreSQL's text.
        let hex = hex::encode(needle).into_bytes();
        assert!(
            !stored.windows(hex.len()).any(|w| w == hex.as_slice()),
            "the database holds a secret as bytes: {secret}"
        );
        assert!(!holds_token(&logged, needle), "the logs hold a secret: {secret}");
    }
}

/// Every line checked for the fields of the JSON format, and written out again without its
/// timestamp (whose microseconds are six digits like a code), one line each.
fn logged_without_time(lines: &[serde_json::Value]) -> Vec<u8> {
    let mut responses = 0;
    let mut text = Vec::new();
    for line in lines {
        let raw = line.to_string();
        let mut line = line.clone();
        let fields = line.as_object_mut().unwrap_or_else(|| panic!("a log line is no object: {raw}"));
        let time = fields.remove("timestamp");
        assert!(time.as_ref().is_some_and(serde_json::Value::is_string), "no timestamp: {raw}");
        assert!(line["level"].is_string() && line["target"].is_string(), "level and target: {raw}");
        if line["target"] == "server::logs" && line["message"] == "response" {
            responses += 1;
            let span = &line["span"];
            let id = span["request_id"].as_str().unwrap_or_default();
            let route = span["route"].as_str().unwrap_or_default();
            assert!(!id.is_empty() && span["method"].is_string(), "request id and method: {raw}");
            assert!(route.starts_with('/') && !route.contains('?'), "a route, never a query string: {raw}");
            assert!(line["status"].is_u64() && line["latency_ms"].is_f64(), "status and latency: {raw}");
        }
        text.extend(serde_json::to_vec(&line).unwrap());
        text.push(b'\n');
    }
    assert!(responses >= 20, "a response line for each request ({responses})");
    text
}

#[test]
fn a_secret_counts_where_it_stands_as_a_word_of_its_own() {
    assert!(holds_token(b"code=123456 sent", b"123456"));
    assert!(holds_token(b"\"Kiefer-Wolke-Laterne-73\"", b"Kiefer-Wolke-Laterne-73"));
    assert!(holds_token(b"123456", b"123456"));
    // Inside a longer number or token it is another value.
    assert!(!holds_token(b"at=1764912345678", b"912345"));
    assert!(!holds_token(b"id=x123456", b"123456"));
    assert!(!holds_token(b"tok=abc-123456", b"123456"));
}
