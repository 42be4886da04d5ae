//! The support console's own limits (SPEC 6.4): an agent never acts on their own account
//! (another agent does, or an operator on the command line, with a reason on record), and
//! searching and looking at an account are audited.

use std::process::Command;

use app::backend::db::Location;
use http::StatusCode;

use crate::harness::{Client, PW, TestApp, count, ip, logged_in, serde_urlencoded};

const REASON: &str = "reason=customer%20called%20from%20office";

async fn id_of(t: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&t.state.pool).await.unwrap()
}

/// The account's 24-hour lock and TAN lock: (locked_until, tan_locked_at).
async fn locks(t: &TestApp, user_id: i64) -> (Option<i64>, Option<i64>) {
    sqlx::query_as("SELECT locked_until, tan_locked_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&t.state.pool)
        .await
        .unwrap()
}

type AuditRow<D> = (String, Option<i64>, Option<i64>, Option<String>, D);

/// Audit rows with their detail read as JSON.
fn parsed(rows: Vec<AuditRow<String>>) -> Vec<AuditRow<serde_json::Value>> {
    rows.into_iter().map(|(k, u, a, ip, d)| (k, u, a, ip, serde_json::from_str(&d).unwrap())).collect()
}

async fn lock_for_a_day(t: &TestApp, user_id: i64) {
    sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
        .bind(t.state.clock.now().0 + 86_400)
        .bind(user_id)
        .execute(&t.state.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_agent_cannot_unlock_their_own_tan_system_or_lift_their_own_lock_and_another_agent_can() {
    let t = TestApp::start().await;
    let agent = t.support_agent().await;
    let me = id_of(&t, "agent@riegel.example").await;

    // The agent's own TAN system locks after three wrong TANs (a password change asks for one).
    let change = |tan: &str| {
        serde_urlencoded(&[("current", "agent-password-1"), ("new", "a new long passphrase"), ("tan", tan)])
    };
    assert_eq!(agent.post("/api/password", &change("")).await.status, StatusCode::PRECONDITION_REQUIRED);
    for _ in 0..3 {
        agent.post("/api/password", &change("ZZZZZZ")).await;
    }
    assert!(agent.post("/api/password", &change("ZZZZZZ")).await.body.contains("TanLocked"));
    lock_for_a_day(&t, me).await;
    let before = locks(&t, me).await;
    assert!(before.0.is_some() && before.1.is_some(), "{before:?}");

    // The console refuses every action on the agent's own account.
    for path in ["/api/support/unlock-tan", "/api/support/lift-lock", "/api/support/phone-reset"] {
        let res = agent.post(path, &format!("user_id={me}&{REASON}")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {res:?}");
        assert!(res.body.contains("OwnAccount"), "{path}: {}", res.body);
    }
    assert_eq!(locks(&t, me).await, before, "both locks hold");
    assert!(agent.post("/api/password", &change("ZZZZZZ")).await.body.contains("TanLocked"), "no new guess");
    for kind in ["tan.unlocked", "account.lock_lifted", "phone_reset.link_sent"] {
        assert_eq!(t.audited(kind).await, 0, "{kind}");
    }
    assert_eq!(count(&t, "SELECT count(*) FROM links").await, 0);
    // Its page says so (and offers no action).
    let view = agent.post("/api/support/account", &format!("id={me}")).await;
    assert!(view.body.contains("\"own_account\":true"), "{}", view.body);

    // Another agent can, and the audit log names them.
    let other = t.user("kim@riegel.example", PW, "support").await;
    let (_, token) = Client::new(&t, ip(1)).password("kim@riegel.example", PW).await;
    let kim = Client::new(&t, ip(1)).with_session(&token);
    let view = kim.post("/api/support/account", &format!("id={me}")).await;
    assert!(view.body.contains("\"own_account\":false"), "{}", view.body);
    for path in ["/api/support/unlock-tan", "/api/support/lift-lock"] {
        assert_eq!(kim.post(path, &format!("user_id={me}&{REASON}")).await.status, StatusCode::OK, "{path}");
    }
    assert_eq!(locks(&t, me).await, (None, None));
    let by: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT actor_id FROM audit_events WHERE kind IN ('tan.unlocked', 'account.lock_lifted') ORDER BY id",
    )
    .fetch_all(&t.state.pool)
    .await
    .unwrap();
    assert_eq!(by, vec![Some(other), Some(other)]);
}

/// The server binary as an operator runs it, on the test's database; exit code, stdout, stderr.
fn server(t: &TestApp, args: &[&str]) -> (i32, String, String) {
    let database = match &t.database {
        Location::Sqlite(path) => path.to_string_lossy().into_owned(),
        Location::Postgres(url) => url.clone(),
    };
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--database", &database, "--public-origin", "https://portal.example"])
        .args(args)
        .env_remove("RIEGEL_DEV")
        .env("RIEGEL_SECRET_KEY", "2a".repeat(32))
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[tokio::test]
async fn an_operator_lifts_the_lock_and_unlocks_the_tan_system_on_the_command_line_with_a_reason() {
    let t = TestApp::start().await;
    let sam = t.user("sam@riegel.example", PW, "support").await;
    sqlx::query("UPDATE users SET tan_locked_at = 1 WHERE id = $1").bind(sam).execute(&t.state.pool).await.unwrap();
    lock_for_a_day(&t, sam).await;
    let reason = "agent locked out, ticket 4711";

    // What an operator gets wrong is one line and exit code 1; nothing changes.
    let (code, _, err) = server(&t, &["account", "unlock-tan", "--email", "sam@riegel.example", "--reason", "oops"]);
    assert_eq!((code, err.trim()), (1, "riegel: --reason needs 10 to 500 characters"));
    let (code, _, err) = server(&t, &["account", "lift-lock", "--email", "nobody@riegel.example", "--reason", reason]);
    assert_eq!((code, err.trim()), (1, "riegel: no account has the address nobody@riegel.example"));
    assert!(locks(&t, sam).await.0.is_some() && locks(&t, sam).await.1.is_some());

    let (code, out, err) = server(&t, &["account", "unlock-tan", "--email", "Sam@Riegel.example", "--reason", reason]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("TAN system unlocked"), "{out}");
    let (code, out, err) = server(&t, &["account", "lift-lock", "--email", "sam@riegel.example", "--reason", reason]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("lock lifted"), "{out}");
    assert_eq!(locks(&t, sam).await, (None, None));
    // Again: nothing to do, and it says so.
    let (code, _, err) = server(&t, &["account", "lift-lock", "--email", "sam@riegel.example", "--reason", reason]);
    assert_eq!((code, err.trim()), (1, "riegel: the account sam@riegel.example is not locked"));

    // The audit log has both, with the operator as the actor (no account, no IP) and the reason.
    let rows: Vec<AuditRow<String>> = sqlx::query_as(
        "SELECT kind, user_id, actor_id, ip, detail FROM audit_events
         WHERE kind IN ('tan.unlocked', 'account.lock_lifted') ORDER BY id",
    )
    .fetch_all(&t.state.pool)
    .await
    .unwrap();
    let detail = serde_json::json!({ "actor": "operator", "reason": reason });
    assert_eq!(
        parsed(rows),
        vec![
            ("tan.unlocked".into(), Some(sam), None, None, detail.clone()),
            ("account.lock_lifted".into(), Some(sam), None, None, detail),
        ]
    );
    // Sam sees who it was in the security activity, in his language.
    let (_, token) = Client::new(&t, ip(1)).password("sam@riegel.example", PW).await;
    let activity = Client::new(&t, ip(1)).with_session(&token).post("/api/activity", "").await;
    assert!(activity.body.contains("Betrieb (Kommandozeile)"), "{}", activity.body);
    let english = Client::new(&t, ip(1)).with_cookie(&format!("riegel_session={token}; i18n_pref_locale=en"));
    let activity = english.post("/api/activity", "").await;
    assert!(activity.body.contains("operator (command line)"), "{}", activity.body);
}

#[tokio::test]
async fn support_searches_and_account_views_are_audited_with_the_agent_and_the_account() {
    let t = TestApp::start().await;
    let anna = logged_in(&t, "anna@example.org", "member").await;
    let uid = id_of(&t, "anna@example.org").await;
    // Someone who is not an agent: refused, and nothing is recorded.
    assert_eq!(anna.post("/api/support/search", "q=anna").await.status, StatusCode::FORBIDDEN);
    assert_eq!(anna.post("/api/support/account", &format!("id={uid}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&t, "SELECT count(*) FROM audit_events WHERE kind LIKE 'support.%'").await, 0);

    let agent = t.support_agent().await;
    let me = id_of(&t, "agent@riegel.example").await;
    let hits = agent.post("/api/support/search", "q=Anna%40Example.org").await;
    assert!(hits.body.contains("anna@example.org"), "{}", hits.body);
    assert_eq!(agent.post("/api/support/search", "q=muster").await.status, StatusCode::OK);
    let detail = agent.post("/api/support/account", &format!("id={uid}")).await;
    assert_eq!(detail.status, StatusCode::OK);

    let rows: Vec<AuditRow<String>> = sqlx::query_as(
        "SELECT kind, user_id, actor_id, ip, detail FROM audit_events WHERE kind LIKE 'support.%' ORDER BY id",
    )
    .fetch_all(&t.state.pool)
    .await
    .unwrap();
    let at = Some(ip(250).to_string());
    assert_eq!(
        parsed(rows),
        vec![
            // An address searched for is kept masked: it may be someone's without an account.
            (
                "support.searched".into(),
                None,
                Some(me),
                at.clone(),
                serde_json::json!({ "hits": 1, "query": "a•••@example.org" })
            ),
            (
                "support.searched".into(),
                None,
                Some(me),
                at.clone(),
                serde_json::json!({ "hits": 1, "query": "muster" })
            ),
            ("support.viewed".into(), Some(uid), Some(me), at, serde_json::json!({})),
        ]
    );
    // Anna sees that support looked at her account, and who.
    let activity = anna.post("/api/activity", "").await;
    assert!(activity.body.contains("support.viewed") && activity.body.contains("(support)"), "{}", activity.body);
}
