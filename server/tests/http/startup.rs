//! The binary refuses to start with one clear line on stderr and exit code 1 when its
//! database or a setting is bad.

use std::process::Command;

fn start(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.args(args).arg("--bind").arg("127.0.0.1:0").env_remove("RIEGEL_DEV").env_remove("RIEGEL_SECRET_KEY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn assert_one_line(stderr: &str, expected: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr:?}");
    assert!(lines[0].starts_with("riegel: ") && lines[0].contains(expected), "{stderr:?}");
}

#[test]
fn bad_databases_and_settings_stop_the_start_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = |name: &str| dir.path().join(name).to_string_lossy().into_owned();

    let (code, err) = start(&["--dev", "--database", "/no/such/folder/riegel.sqlite"], &[]);
    assert_eq!(code, 1);
    assert_one_line(&err, "database folder /no/such/folder does not exist");

    std::fs::write(db("garbage.sqlite"), vec![b'x'; 8192]).unwrap();
    let (code, err) = start(&["--dev", "--database", &db("garbage.sqlite")], &[]);
    assert_eq!(code, 1);
    assert_one_line(&err, "garbage.sqlite");

    // A PostgreSQL server that does not answer: one line naming it without its password.
    let url = "postgres://riegel:s3cret@127.0.0.1:9/riegel";
    let (code, err) = start(&["--dev", "--database", url, "--db-connect-timeout-secs", "1"], &[]);
    assert_eq!(code, 1);
    assert_one_line(&err, "cannot reach database PostgreSQL postgres://riegel:***@127.0.0.1:9/riegel");
    assert!(!err.contains("s3cret"), "{err}");

    let (code, err) = start(&["--database", &db("a.sqlite")], &[]);
    assert_eq!(code, 1);
    assert_one_line(&err, "RIEGEL_SECRET_KEY is required outside development mode");

    let (code, err) = start(&["--database", &db("a.sqlite")], &[("RIEGEL_SECRET_KEY", "abcd")]);
    assert_eq!(code, 1);
    assert_one_line(&err, "at least 32 bytes");

    let (code, err) = start(&["--dev", "--database", &db("a.sqlite"), "--argon2-m-kib", "1"], &[]);
    assert_eq!(code, 1);
    assert_one_line(&err, "invalid argon2 parameters");

    let (code, err) = start(&["--database", &db("a.sqlite"), "--seed-demo"], &[]);
    assert_eq!(code, 1);
    assert_one_line(&err, "--seed-demo is allowed only with --dev");

    // A wrong provider setting stops the start, and never prints the SMTP password.
    let (code, err) =
        start(&["--dev", "--database", &db("a.sqlite")], &[("RIEGEL_SMTP_URL", "ftp://mailer:s3cret@mail.example")]);
    assert_eq!(code, 1);
    assert_one_line(&err, "invalid SMTP URL");
    assert!(!err.contains("s3cret"), "{err}");
    let (code, err) = start(&["--dev", "--database", &db("a.sqlite")], &[("RIEGEL_SMS_GATEWAY_URL", "api.twilio.com")]);
    assert_eq!(code, 1);
    assert_one_line(&err, "invalid SMS gateway URL");
    let (code, err) = start(
        &["--dev", "--database", &db("a.sqlite")],
        &[("RIEGEL_SMS_GATEWAY_URL", "https://api.twilio.com"), ("RIEGEL_SMS_ACCOUNT", "AC1")],
    );
    assert_eq!(code, 1);
    assert_one_line(&err, "the SMS gateway needs an account, a token and a sender");

    // Outside development mode the SMTP password and the gateway token travel over TLS only.
    let prod = [("RIEGEL_SECRET_KEY", "ab".repeat(32)), ("RIEGEL_PUBLIC_ORIGIN", "https://portal.example".into())];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut env: Vec<(&str, String)> = prod.iter().map(|(k, v)| (*k, v.clone())).collect();
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        env
    };
    let env = with(&[("RIEGEL_SMTP_URL", "smtp://mailer:s3cret@mail.example:587")]);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, err) = start(&["--database", &db("a.sqlite")], &env);
    assert_eq!(code, 1);
    assert_one_line(&err, "the SMTP password must travel over TLS");
    assert!(!err.contains("s3cret"), "{err}");
    let env = with(&[
        ("RIEGEL_SMS_GATEWAY_URL", "http://sms.example"),
        ("RIEGEL_SMS_ACCOUNT", "AC1"),
        ("RIEGEL_SMS_TOKEN", "t"),
    ]);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, err) = start(&["--database", &db("a.sqlite")], &env);
    assert_eq!(code, 1);
    assert_one_line(&err, "invalid SMS gateway URL: it must start with https://");
}

#[test]
fn a_migration_changed_after_it_was_applied_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("riegel.sqlite");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = app::backend::db::open(&app::backend::db::Location::Sqlite(path.clone()), &Default::default())
            .await
            .unwrap()
            .pool;
        sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1").execute(&pool).await.unwrap();
        pool.close().await;
    });
    let (code, err) = start(&["--dev", "--database", &path.to_string_lossy()], &[]);
    assert_eq!(code, 1);
    assert_one_line(&err, "migrating database");
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_remove("RIEGEL_DEV")
        .env("RIEGEL_SECRET_KEY", "ab".repeat(32))
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_command_line_creates_an_organisation_and_a_support_agent_with_invitation_links() {
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(help.contains("create-organisation") && help.contains("create-support-agent"), "{help}");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("riegel.sqlite").to_string_lossy().into_owned();
    let base = ["--database", db.as_str(), "--public-origin", "https://portal.example"];
    let org = [
        "create-organisation",
        "--name",
        "Nordholz AG",
        "--admin-email",
        "Clara@Nordholz.example",
        "--admin-name",
        "Clara Chef",
    ];
    let (code, out, err) = run(&[&base[..], &org[..]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("https://portal.example/invitation?token="), "{out}");
    let (code, _, err) = run(&[&base[..], &org[..]].concat());
    assert_eq!(code, 1);
    assert_one_line(&err, "an account with clara@nordholz.example exists already");
    let agent = ["create-support-agent", "--email", "agent@riegel.example", "--name", "Sam Support"];
    let (code, out, err) = run(&[&base[..], &agent[..]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("/invitation?token="), "{out}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = app::backend::db::open(&app::backend::db::Location::Sqlite(db.clone().into()), &Default::default())
            .await
            .unwrap()
            .pool;
        let rows: Vec<(String, String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT u.email, u.role, o.name, u.password_hash, u.origin FROM users u
             LEFT JOIN organisations o ON o.id = u.organisation_id ORDER BY u.id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    "clara@nordholz.example".into(),
                    "admin".into(),
                    Some("Nordholz AG".into()),
                    String::new(),
                    "command_line".into()
                ),
                ("agent@riegel.example".into(), "support".into(), None, String::new(), "command_line".into()),
            ]
        );
        let open: i64 = sqlx::query_scalar("SELECT count(*) FROM links WHERE kind = 'invitation' AND state = 'open'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(open, 2);
    });
}

#[test]
fn the_log_format_is_text_or_json_one_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("riegel.sqlite").to_string_lossy().into_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--database", &db, "--public-origin", "https://portal.example"])
        .args(["create-support-agent", "--email", "agent@riegel.example", "--name", "Sam Support"])
        .env_remove("RIEGEL_DEV")
        .env_remove("RUST_LOG")
        .env("RIEGEL_SECRET_KEY", "ab".repeat(32))
        .env("RIEGEL_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The log and the command's own output (the invitation link) share standard output.
    let logged: Vec<serde_json::Value> =
        stdout.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        logged.iter().any(|l| l["level"] == "INFO"
            && l["target"] == "server"
            && l["message"].as_str().is_some_and(|m| m.starts_with("database: "))
            && l["timestamp"].is_string()),
        "{stdout}"
    );

    let (code, _, err) = run(&["--log-format", "xml", "--help"]);
    assert_eq!(code, 2);
    assert!(err.contains("[possible values: text, json]"), "{err}");
}
