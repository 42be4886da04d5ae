//! Faults injected into the running server, on SQLite: what the user sees (a clear
//! message in their language, 503 with `Retry-After` where a retry helps), that nothing is
//! half-written, and that the server recovers by itself once the fault is gone. (PostgreSQL's
//! own fault, the database gone, is `postgres::`.)

use app::backend::db::Backend;
use http::{StatusCode, header};
use sqlx::Connection as _;

use crate::{
    harness::{Client, TestApp, at_challenge, ip, new_database, tally, tally_after_resends},
    process::{Server, http},
};

/// Another process holds SQLite's write lock for longer than the busy timeout (a backup
/// tool, an operator's `sqlite3` shell left in a transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_holding_the_write_lock_gets_503_and_the_server_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let location = new_database(Backend::Sqlite, dir.path()).await;
    let t = TestApp::start_at(location).await;
    let c = at_challenge(&t).await;
    let before = tally(&t).await;

    // A connection of its own, as another process would open the file.
    let path = dir.path().join("riegel.sqlite");
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.unwrap();
    // The server waits the busy timeout (10 s) for the lock before it gives up.
    let res = c.resend().await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{res:?}");
    assert_eq!(res.header(header::RETRY_AFTER).as_deref(), Some("1"), "{res:?}");
    assert!(res.body.contains("Busy"), "{res:?}");
    // The operator sees it: one write gave up, after waiting the whole timeout.
    assert_eq!(t.metric("riegel_db_write_timeouts_total", &[]).await, 1.0);
    assert!(
        t.metric("riegel_db_write_wait_seconds_bucket", &[("le", "7.5")]).await
            < t.metric("riegel_db_write_wait_seconds_count", &[]).await
    );
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
    assert_eq!(tally(&t).await, before, "nothing half-written");

    let resent = c.resend().await;
    assert_eq!(resent.status, StatusCode::OK, "recovered by itself: {resent:?}");
    assert_eq!(
        tally(&t).await,
        tally_after_resends(&before, 1),
        "rows: code_sends, challenge_codes, outbox, audit_events, ip failures, sessions, sms_sends"
    );
}

/// A small filesystem of its own (tmpfs), unmounted when the test ends, passed or not.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(mounted.success(), "mounting a tmpfs needs root, as ./x test runs");
        SmallDisk { dir }
    }

    /// Fills what is left with a file; returns its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write as _;
        let path = self.dir.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: the server's pool may still hold the files open for a moment.
        let _ = std::process::Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

/// The disk fills up while a code is being sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_gets_503_writes_nothing_and_the_server_recovers_when_space_is_back() {
    let disk = SmallDisk::mount(8 << 20);
    let t = TestApp::start_at(app::backend::db::Location::Sqlite(disk.dir.path().join("riegel.sqlite"))).await;
    let c = at_challenge(&t).await;
    let before = tally(&t).await;

    let filler = disk.fill();
    let mut refused = 0;
    // The WAL may still have room for a page or two: resends until one is refused.
    for _ in 0..20 {
        let res = c.resend().await;
        if res.status == StatusCode::OK {
            t.state.clock.advance(120);
            continue;
        }
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{res:?}");
        assert_eq!(res.header(header::RETRY_AFTER).as_deref(), Some("1"), "{res:?}");
        assert!(res.body.contains("Busy"), "{res:?}");
        refused += 1;
        break;
    }
    assert_eq!(refused, 1, "a full disk refuses the write");
    let during = tally(&t).await;
    std::fs::remove_file(filler).unwrap();
    let after_refusal = tally(&t).await;
    assert_eq!(during, after_refusal);
    // Every row counted before the refusal is whole: sends and codes and messages match.
    let sent = during[0] - before[0];
    assert_eq!(during, tally_after_resends(&before, sent));
    // The metrics count what was committed: the refused write's code is not among them.
    let counted = t.metric("riegel_codes_sent_total", &[]).await as i64;
    assert_eq!(counted, t.audited("code.sent").await);

    t.state.clock.advance(120);
    let resent = c.resend().await;
    assert_eq!(resent.status, StatusCode::OK, "recovered by itself: {resent:?}");
    assert_eq!(tally(&t).await[0], during[0] + 1);
}

/// libfiu's preload libraries (Debian's `fiu-utils`, which `./x test` installs): they make
/// chosen C library calls of the process they are loaded into fail, switched on and off while
/// it runs through a pair of named pipes.
const FIU_PRELOAD: &str = "/usr/lib/fiu/fiu_run_preload.so /usr/lib/fiu/fiu_posix_preload.so";

/// The control pipes of the one process started with [`FIU_PRELOAD`] and `FIU_CTRL_FIFO=<dir>/fiu`.
struct Fiu {
    pipe: std::path::PathBuf,
}

impl Fiu {
    fn of_process_in(dir: &std::path::Path) -> Self {
        let input = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("fiu-"))
                    && p.extension().is_some_and(|e| e == "in")
            })
            .expect("the server's libfiu control pipe");
        Fiu { pipe: input.with_extension("") }
    }

    /// Sends one command ("enable name=…", "disable name=…"); libfiu answers 0 when it took it.
    fn send(&self, command: &str) {
        std::fs::write(self.pipe.with_extension("in"), format!("{command}\n")).unwrap();
        let reply = std::fs::read_to_string(self.pipe.with_extension("out")).unwrap();
        assert_eq!(reply.trim(), "0", "libfiu refused {command:?}");
    }
}

/// The database's filesystem turns read-only under the running server (the kernel remounts
/// it read-only after an I/O error; a network volume's export becomes read-only). Injected into
/// the real binary with libfiu: while on, `pwrite`, the one call SQLite writes its database and
/// WAL with, fails with EROFS as on a read-only filesystem. (A real read-only remount cannot be
/// made under a process that holds the files open for writing, and root ignores file modes.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_gets_503_writes_nothing_and_the_server_recovers() {
    assert!(
        std::path::Path::new("/usr/lib/fiu/fiu_posix_preload.so").exists(),
        "libfiu is missing: apt-get install fiu-utils (./x test installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let t = TestApp::start_at(new_database(Backend::Sqlite, dir.path()).await).await;
    t.user("ute@example.org", "ute-password-1", "member").await;
    let db = dir.path().join("riegel.sqlite");
    let fifo = dir.path().join("fiu");
    let settings = [("LD_PRELOAD", FIU_PRELOAD), ("FIU_CTRL_FIFO", fifo.to_str().unwrap()), ("FIU_ENABLE", "")];
    let server = Server::start_on(db.to_str().unwrap(), &dir.path().join("server.log"), &settings).await;
    let fiu = Fiu::of_process_in(dir.path());
    let addr = server.addr;
    let login = |n: u8| async move {
        let from = format!("10.9.0.{n}");
        let body = "email=ute%40example.org&password=ute-password-1";
        tokio::task::spawn_blocking(move || http(addr, "POST", "/api/login", body, Some(&from), None))
            .await
            .unwrap()
            .unwrap()
    };

    let before = tally(&t).await;
    assert!(login(1).await.challenged());
    let one_login = tally(&t).await;
    assert_ne!(one_login, before, "a login from a new address writes its challenge and code");

    fiu.send("enable name=posix/io/rw/pwrite,failinfo=30"); // EROFS
    for n in 2..5 {
        let refused = login(n).await;
        assert_eq!(refused.status, 503, "{}", refused.body);
        assert!(refused.head.to_ascii_lowercase().contains("retry-after: 1"), "{}", refused.head);
        assert!(refused.body.contains("Busy"), "{}", refused.body);
    }
    assert_eq!(tally(&t).await, one_login, "nothing half-written while the disk was read-only");

    fiu.send("disable name=posix/io/rw/pwrite");
    assert!(login(5).await.challenged(), "recovered by itself");
    let after: Vec<i64> = tally(&t).await;
    let second: Vec<i64> = one_login.iter().zip(&before).map(|(one, b)| one + (one - b)).collect();
    assert_eq!(after, second, "the login after the fault wrote what the first one did, once");
    drop(server);
}

/// A provider that answers garbage: bytes that are neither HTTP nor SMTP, then hangs up.
async fn garbage_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt as _;
            let _ = socket.write_all(b"\x00\xffgarbage \xc3\x28 no protocol\r\n\r\n").await;
            let _ = socket.shutdown().await;
        }
    });
    addr.to_string()
}

/// The SMS gateway and the SMTP server answer garbage: each message waits with a reason
/// support can read, nothing is given up or lost, and the server goes on serving.
#[tokio::test]
async fn providers_answering_garbage_leave_the_messages_waiting_with_a_reason() {
    let addr = garbage_server().await;
    let delivery = server::Delivery {
        smtp: Some(app::backend::delivery::providers::SmtpSettings {
            url: format!("smtp://{addr}"),
            from: "Riegel <no-reply@portal.example>".into(),
        }),
        sms_gateway: Some(app::backend::delivery::providers::SmsGatewaySettings {
            base_url: format!("http://{addr}"),
            account: "AC1".into(),
            token: "token-1".into(),
            from: "Riegel".into(),
        }),
        timeout: std::time::Duration::from_secs(2),
        ..server::Delivery::dev()
    };
    let t = TestApp::start_with_delivery(delivery).await;
    t.user("ute@example.org", "ute-password-1", "member").await;
    let c = Client::new(&t, ip(9));
    let (_, token) = c.password("ute@example.org", "ute-password-1").await;
    let switched = c.with_session(&token).post("/api/mfa/switch", "method=email").await;
    assert_eq!(switched.status, StatusCode::OK, "the user is told a code is on its way: {switched:?}");
    assert_eq!(t.deliver().await, 2, "the SMS and the e-mail were tried");
    #[derive(sqlx::FromRow)]
    struct Row {
        channel: String,
        attempts: i64,
        last_error: Option<String>,
        sent_at: Option<i64>,
        gave_up_at: Option<i64>,
    }
    let rows: Vec<Row> =
        sqlx::query_as("SELECT channel, attempts, last_error, sent_at, gave_up_at FROM outbox ORDER BY channel")
            .fetch_all(&t.state.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for Row { channel, attempts, last_error, sent_at, gave_up_at } in rows {
        assert_eq!((attempts, sent_at, gave_up_at), (1, None, None), "{channel}: waits for the next attempt");
        let error = last_error.unwrap_or_default();
        let expected = if channel == "sms" { "SMS gateway unreachable" } else { "SMTP" };
        assert!(error.starts_with(expected), "{channel}: support reads why: {error}");
        assert!(!error.contains("garbage"), "{channel}: the provider's words are not kept: {error}");
    }
    assert_eq!(Client::new(&t, ip(10)).get("/healthz").await.status, StatusCode::OK);
}

/// SIGTERM during a burst of logins: every request the server took is answered (a send is
/// stored exactly when its answer went out), new connections are refused, the process exits
/// cleanly, the outbox keeps everything, and the restart delivers the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_of_logins_answers_what_it_took_and_the_restart_delivers_the_rest() {
    crate::stop::during_logins(crate::stop::Stop::Term).await;
}
