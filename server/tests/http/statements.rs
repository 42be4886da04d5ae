//! What the hot use cases cost the database: the statements each sends between `BEGIN` and
//! `COMMIT`, as sqlx logs them in the request's span (the reads, and the writes kept for the
//! commit as one; on PostgreSQL the lock is one more). At most three on SQLite (four with
//! PostgreSQL's lock) for a wrong and a right code, a resend, a wrong TAN, and the password
//! throttle's transaction; the login's transaction after the hash takes one more on
//! PostgreSQL.

use app::backend::db::Backend;
use http::{HeaderName, StatusCode, header};

use crate::harness::{
    Answer, Capture, Client, PHONE, PW, TestApp, backend_under_test, capture_logs, change_bank, ip, no_cooldown,
    statements_everywhere,
};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The statements of `res`'s request, one list a write transaction (from its "transaction
/// began" to its "transaction committed", or to the next one's start), connection set-up
/// aside; a statement outside any transaction is a list of its own. Lines come from the
/// test's thread and from SQLite's worker thread: in time order, a transaction's start before
/// its statements and its end after them when their times are equal.
fn transactions(logs: &(Capture, Capture), res: &Answer) -> Vec<Vec<String>> {
    let id = res.header(X_REQUEST_ID).expect("every answer has a request id");
    let (own, everywhere) = logs;
    let mut lines = own.of_request(&id);
    lines.extend(everywhere.of_request(&id));
    let rank = |l: &serde_json::Value| match l["message"].as_str() {
        Some("transaction began") => 0,
        Some("transaction committed") => 2,
        _ => 1,
    };
    lines.retain(|l| l["target"] == "sqlx::query" || l["target"] == "riegel::write");
    lines.sort_by(|a, b| (a["timestamp"].as_str(), rank(a)).cmp(&(b["timestamp"].as_str(), rank(b))));
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut open: Option<Vec<String>> = None;
    for l in lines {
        match rank(&l) {
            0 => out.extend(open.replace(Vec::new())),
            2 => out.extend(open.take()),
            _ => {
                let sql = l["db.statement"].as_str().filter(|s| !s.trim().is_empty()).or(l["summary"].as_str());
                let sql = sql.unwrap_or_default().trim().to_owned();
                let head = sql.to_uppercase();
                // A new connection's set-up, and PostgreSQL's own transaction statements.
                if ["PRAGMA", "SET ", "BEGIN", "COMMIT", "ROLLBACK"].iter().any(|p| head.starts_with(p)) {
                    continue;
                }
                match open.as_mut() {
                    Some(tx) => tx.push(sql),
                    None => out.push(vec![sql]),
                }
            }
        }
    }
    out.extend(open);
    out.retain(|tx| !tx.is_empty());
    out
}

/// Every transaction of `res`'s request sends at most `most` statements.
/// Three, and PostgreSQL's lock statement.
fn most() -> usize {
    match backend_under_test() {
        Backend::Sqlite => 3,
        Backend::Postgres => 4,
    }
}

fn at_most(what: &str, logs: &(Capture, Capture), res: &Answer, most: usize) {
    let txs = transactions(logs, res);
    let counts: Vec<usize> = txs.iter().map(Vec::len).collect();
    println!("{what}: statements a transaction {counts:?}");
    assert!(!txs.is_empty(), "{what}: no statement logged, so nothing was counted: {res:?}");
    for tx in txs {
        assert!(tx.len() <= most, "{what}: {} statements, at most {most}:\n{}", tx.len(), tx.join("\n---\n"));
    }
}

#[tokio::test]
async fn codes_resends_and_the_password_step_send_three_statements_a_transaction_and_the_lock() {
    let t = TestApp::start_with(no_cooldown(), TestApp::cheap_argon2()).await;
    t.user("anna@example.org", PW, "member").await;
    let c = Client::new(&t, ip(9));
    let (own, _logging) = capture_logs();
    let (everywhere, _counting) = statements_everywhere();
    let logs = (own, everywhere);

    let (res, token) = c.password("anna@example.org", PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    // The account's read, the throttle's transaction before the hash, and the login's after
    // it: the last takes one more than the goal on PostgreSQL, whose lock is a statement of
    // its own (docs/performance.md).
    let password_step = transactions(&logs, &res);
    println!("password step: statements a transaction {:?}", password_step.iter().map(Vec::len).collect::<Vec<_>>());
    assert_eq!(password_step.len(), 3, "{password_step:#?}");
    assert!(password_step[1].len() <= most(), "the throttle's transaction: {:#?}", password_step[1]);
    assert!(password_step[2].len() <= most(), "the login's transaction: {:#?}", password_step[2]);
    let c = c.with_session(&token);
    let code = t.code_for(PHONE).await;

    let wrong = c.verify("000000").await;
    assert!(wrong.body.contains("CodeWrong"), "{wrong:?}");
    at_most("wrong code", &logs, &wrong, most());

    let resent = c.resend().await;
    assert_eq!(resent.status, StatusCode::OK, "{resent:?}");
    at_most("resend", &logs, &resent, most());

    let right = c.verify(&code).await;
    assert!(right.session_token().is_some(), "{right:?}");
    at_most("right code", &logs, &right, most());
}

#[tokio::test]
async fn a_wrong_tan_sends_three_statements_and_the_lock() {
    let t = TestApp::start().await;
    let c = crate::harness::logged_in(&t, "anna@example.org", "member").await;
    let (own, _logging) = capture_logs();
    let (everywhere, _counting) = statements_everywhere();
    let logs = (own, everywhere);
    let iban = "DE89 3704 0044 0532 0130 00";
    let asked = change_bank(&c, iban, "").await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED, "{asked:?}");
    // Sending a TAN takes one more: the TAN's hash is keyed with its row's id, so the row is
    // written before the rest; on PostgreSQL also the network's lock (the account's is taken
    // before the use case knows it will send an SMS).
    let extra = match backend_under_test() {
        Backend::Sqlite => 1,
        Backend::Postgres => 2,
    };
    at_most("TAN sent", &logs, &asked, most() + extra);
    let wrong = change_bank(&c, iban, "ZZZZZZ").await;
    assert!(wrong.body.contains("TanWrong"), "{wrong:?}");
    at_most("wrong TAN", &logs, &wrong, most());
}
