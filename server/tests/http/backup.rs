//! `server backup FILE` as an operator runs it, beside a server that goes on logging people
//! in: the copy is consistent, a server started on it logs in every account, and the command
//! never replaces a file. The command copies SQLite only, so these tests use an SQLite file
//! in both passes of the suite; for PostgreSQL it names `pg_dump`.

use std::{
    os::unix::fs::PermissionsExt,
    path::Path,
    process::Command,
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    time::Duration,
};

use app::backend::db::{Backend, Location};
use http::header;
use sqlx::Connection as _;

use crate::harness::{Client, PW, TestApp, ip, new_database};

/// `server --database DATABASE backup FILE`, without the secret key or development mode (a
/// backup needs neither); exit code, stdout, stderr.
fn backup(database: &Path, file: &Path) -> (i32, String, String) {
    let binary = std::env::var("RIEGEL_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_server").to_owned());
    let out = Command::new(binary)
        .arg("--database")
        .arg(database)
        .arg("backup")
        .arg(file)
        .env_remove("RIEGEL_DEV")
        .env_remove("RIEGEL_SECRET_KEY")
        .env_remove("RIEGEL_DATABASE")
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

const ACCOUNTS: usize = 50;

fn email(i: usize) -> String {
    format!("supplier{i}@example.org")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_fifty_logins_is_intact_and_logs_in_every_account() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestApp::start_at(new_database(Backend::Sqlite, dir.path()).await).await;
    let Location::Sqlite(database) = t.database.clone() else { unreachable!("an SQLite file") };
    for i in 0..ACCOUNTS {
        t.user(&email(i), PW, "member").await;
    }
    // A session from before the backup, to be used on the restored copy.
    let (_, token) = Client::new(&t, ip(1)).password(&email(0), PW).await;
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let copy = backups.join("riegel-backup.sqlite");

    // Fifty logins at once from the accounts' trusted address (sessions and audit rows:
    // writes), each account again and again from before the backup starts until it ended.
    let done = AtomicBool::new(false);
    let finished = AtomicUsize::new(0);
    let logins = futures::future::join_all((0..ACCOUNTS).map(|i| {
        let c = Client::new(&t, ip(1));
        let (done, finished) = (&done, &finished);
        async move {
            while !done.load(Ordering::SeqCst) {
                let res = c.login(&email(i), PW).await;
                assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "logged in: {res:?}");
                finished.fetch_add(1, Ordering::SeqCst);
            }
        }
    }));
    let run_backup = async {
        // Once the first login is through: the others are under way.
        while finished.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let (db, file) = (database.clone(), copy.clone());
        let out = tokio::task::spawn_blocking(move || backup(&db, &file)).await.unwrap();
        done.store(true, Ordering::SeqCst);
        out
    };
    let (_, (code, out, err)) = tokio::join!(logins, run_backup);
    assert_eq!(code, 0, "{out}{err}");
    let size = std::fs::metadata(&copy).unwrap().len();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [format!(
            "Backup written: {} ({size} bytes). It holds every password hash and secret: keep it as safe as the database, with RIEGEL_SECRET_KEY.",
            copy.display()
        )],
        "one line: {err}"
    );
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600, "the owner's alone");
    assert_eq!(names(&backups), ["riegel-backup.sqlite"], "no temporary file left");

    let mut check = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", copy.display())).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut check).await.unwrap();
    assert_eq!(integrity, "ok");
    // One snapshot: each login wrote its session and its audit event in one transaction, and
    // the copy has both of every login it has, the one before the backup and the first of the
    // fifty among them.
    let pairs =
        "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM audit_events WHERE kind = 'login.succeeded')";
    let (sessions, succeeded): (i64, i64) = sqlx::query_as(pairs).fetch_one(&mut check).await.unwrap();
    assert_eq!(sessions, succeeded, "sessions and login events in the copy");
    assert!(sessions >= 2, "{sessions} logins in the copy");
    check.close().await.unwrap();
    let live: (i64, i64) = sqlx::query_as(pairs).fetch_one(&t.state.pool).await.unwrap();
    assert_eq!(live.0, live.1, "sessions and login events in the database");
    assert_eq!(live.0, 1 + finished.load(Ordering::SeqCst) as i64, "every login in the database");

    // Restored as an operator does: the copy as the database file of a new server.
    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("riegel.sqlite");
    std::fs::copy(&copy, &restored).unwrap();
    let t2 = TestApp::start_at(Location::Sqlite(restored)).await;
    for i in 0..ACCOUNTS {
        let res = Client::new(&t2, ip(1)).login(&email(i), PW).await;
        assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "{} logs in: {res:?}", email(i));
    }
    let before = Client::new(&t2, ip(1)).with_session(&token).me().await;
    assert!(before.contains(&email(0)), "a session from before the backup, with the same key: {before}");
}

#[tokio::test]
async fn a_backup_never_replaces_a_file_and_postgres_is_backed_up_with_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let t = TestApp::start_at(new_database(Backend::Sqlite, dir.path()).await).await;
    let Location::Sqlite(database) = t.database.clone() else { unreachable!("an SQLite file") };
    t.user(&email(0), PW, "member").await;

    let taken = dir.path().join("monday.sqlite");
    std::fs::write(&taken, "last week's backup").unwrap();
    let before = names(dir.path());
    for target in [&taken, &database] {
        let (code, out, err) = backup(&database, target);
        assert_eq!((code, out.as_str()), (1, ""), "{err}");
        assert_eq!(
            err.trim_end(),
            format!("riegel: {} exists already: a backup never replaces a file, name a new one", target.display())
        );
    }
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "last week's backup", "left untouched");
    assert_eq!(names(dir.path()), before, "nothing written beside it");
    let res = Client::new(&t, ip(1)).login(&email(0), PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "the database is untouched: {res:?}");

    // A database that is not there is not created by a backup, nor is the backup.
    let (code, _, err) = backup(&dir.path().join("typo.sqlite"), &dir.path().join("new.sqlite"));
    assert_eq!(code, 1);
    assert_eq!(err.trim_end(), format!("riegel: database {} does not exist", dir.path().join("typo.sqlite").display()));
    let (code, _, err) = backup(&database, &dir.path().join("no-such-folder/new.sqlite"));
    assert_eq!(code, 1);
    assert_eq!(
        err.trim_end(),
        format!("riegel: backup folder {} does not exist", dir.path().join("no-such-folder").display())
    );
    assert_eq!(names(dir.path()), before, "nothing written");

    // PostgreSQL: one line naming pg_dump, without the URL's password, and no connection.
    let (code, out, err) =
        backup(Path::new("postgres://riegel:s3cret@127.0.0.1:9/riegel"), &dir.path().join("pg.dump"));
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("riegel: the database is PostgreSQL: back it up with pg_dump"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    assert_eq!(names(dir.path()), before, "nothing written");
}

/// A long read (a backup's copy) does not hold up writes through the WAL's truncation, which
/// holds every writer's turn: the truncation gives up at once instead of waiting in SQLite's
/// busy handler for the reader (10 s), and empties the WAL once the reader is done.
#[tokio::test]
async fn a_long_read_postpones_the_wal_truncation_instead_of_holding_up_writes() {
    use app::backend::db::Truncation;
    let dir = tempfile::tempdir().unwrap();
    let t = TestApp::start_at(new_database(Backend::Sqlite, dir.path()).await).await;
    let Location::Sqlite(database) = t.database.clone() else { unreachable!("an SQLite file") };
    t.user(&email(0), PW, "member").await;
    let writer = &t.state.writer;

    // A reader in the middle of a long copy: a read transaction on a connection of its own.
    let mut reader = sqlx::SqliteConnection::connect(&format!("sqlite://{}", database.display())).await.unwrap();
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    let _: (i64,) = sqlx::query_as("SELECT count(*) FROM users").fetch_one(&mut reader).await.unwrap();
    let res = Client::new(&t, ip(1)).login(&email(0), PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "a write after the reader began: {res:?}");

    let truncation = tokio::time::timeout(Duration::from_secs(5), writer.truncate_wal()).await;
    let truncation = truncation.expect("the truncation waited for the reader").unwrap();
    assert_eq!(truncation, Truncation::Postponed);
    let res = Client::new(&t, ip(1)).login(&email(0), PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"), "writes go on beside the reader: {res:?}");

    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    assert_eq!(writer.truncate_wal().await.unwrap(), Truncation::Done);
    let wal = std::fs::metadata(format!("{}-wal", database.display())).unwrap().len();
    assert_eq!(wal, 0, "the WAL is empty once the reader is done");
}
