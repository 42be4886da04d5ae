//! Opening the database and the write transaction, for both backends.
//!
//! One binary serves both: an SQLite file (the embedded default) or a PostgreSQL server
//! (several instances). Every query runs through sqlx's `Any` driver, so each SQL statement
//! is written once in the dialect both understand (`$1` placeholders, integer times, `CASE`
//! instead of two-argument `max`); the differences live here: how a connection is set up,
//! which migrations apply, and how a write transaction takes its lock.
//!
//! Writes lock what they decide on: [`writer`] says how, on each backend, and [`locks`] which
//! keys there are and in which order they are taken.

use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use sqlx::{
    Any, AnyConnection, AnyPool, ConnectOptions, Connection as _, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    sqlite::SqliteConnectOptions,
};

pub mod batch;
mod locks;
mod sqlite_line;
mod writer;
pub use locks::LockKey;
pub use writer::{Taken, Truncation, WriteTx, Writer};

/// The SQLite migrations (numbered files in `migrations/`).
pub static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("../migrations");
/// The PostgreSQL migrations: the same numbers, each the same change in PostgreSQL's words.
pub static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// How long a write waits for its turn, in the process or in the database.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Which database server the data lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives: `--database` / `RIEGEL_DATABASE`.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file, created if its folder exists.
    Sqlite(PathBuf),
    /// A PostgreSQL URL, `postgres://user:password@host:port/database`.
    Postgres(String),
}

impl Location {
    pub fn backend(&self) -> Backend {
        match self {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }
}

impl FromStr for Location {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            url::Url::parse(s).map_err(|e| format!("not a PostgreSQL URL ({e})"))?;
            Ok(Location::Postgres(s.to_owned()))
        } else if s.is_empty() {
            Err("empty database path".to_owned())
        } else {
            Ok(Location::Sqlite(PathBuf::from(s)))
        }
    }
}

/// For logs and the start line: the file, or the URL without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "SQLite {}", path.display()),
            Location::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "PostgreSQL {u}")
                }
                Err(_) => write!(f, "PostgreSQL"),
            },
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A pooled connection used this recently is handed out without a test (see [`open`]).
const RECENTLY_USED: Duration = Duration::from_secs(1);

/// Connection settings (`--db-*` flags).
#[derive(Clone, Debug)]
pub struct PoolSettings {
    /// Connections this instance opens at most.
    pub max_connections: u32,
    /// How long connecting to the server may take (PostgreSQL).
    pub connect_timeout: Duration,
    /// How long one statement may run before the server cancels it (PostgreSQL).
    pub statement_timeout: Duration,
    /// How long a transaction may sit between two statements before the server ends it and
    /// releases its locks (PostgreSQL): an instance that freezes inside a write transaction
    /// (a paused VM, a stalled host) holds up the others for this long at most.
    pub idle_in_transaction: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 8,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            idle_in_transaction: Duration::from_secs(2),
        }
    }
}

/// The database: its pool for reads and its writer.
#[derive(Clone, Debug)]
pub struct Database {
    pub backend: Backend,
    pub pool: AnyPool,
    pub writer: Writer,
}

/// Opens (creating an SQLite file if its folder exists) and migrates the database.
/// The error is one line meant for the operator.
pub async fn open(location: &Location, settings: &PoolSettings) -> Result<Database, String> {
    sqlx::any::install_default_drivers();
    let backend = location.backend();
    let options = match location {
        Location::Sqlite(path) => sqlite_options(path)?,
        Location::Postgres(url) => AnyConnectOptions::from_str(url).map_err(|e| format!("{location}: {e}"))?,
    };
    if backend == Backend::Postgres {
        // One connection first, so an unreachable server is named with its reason (refused,
        // unknown host, wrong password) rather than as a pool that timed out.
        use sqlx::Connection;
        match tokio::time::timeout(settings.connect_timeout, AnyConnection::connect_with(&options)).await {
            Ok(Ok(conn)) => drop(conn.close().await),
            Ok(Err(e)) => return Err(format!("cannot reach database {location}: {e}")),
            Err(_) => {
                return Err(format!(
                    "cannot reach database {location}: no answer within {} s",
                    settings.connect_timeout.as_secs()
                ));
            }
        }
    }
    let statement_timeout_ms = settings.statement_timeout.as_millis();
    let idle_in_transaction_ms = settings.idle_in_transaction.as_millis();
    let pool = AnyPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(match backend {
            Backend::Sqlite => Duration::from_secs(30),
            Backend::Postgres => settings.connect_timeout,
        })
        // A connection is tested with a round trip only where that can find something
        // (sqlx's own test pings every time, one round trip more for each read and write):
        // - One idle for a while may have been closed by the server (a restart, a proxy's
        //   idle timeout): one used within the last second is taken as it is, as HikariCP
        //   does (its `aliveBypassWindowMs`, 500 ms).
        // - One handed back still counting an open transaction is closed, not reused: SQLite
        //   ends a transaction by itself on a full disk or an I/O error, sqlx's queued
        //   rollback then fails, and its count stays at one, so every later `BEGIN` on that
        //   connection would fail ("non-zero transaction depth"). The ping first lets a
        //   queued rollback run; only a connection still in a transaction after it is dropped.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if !conn.is_in_transaction() && meta.idle_for < RECENTLY_USED {
                    return Ok(true);
                }
                Ok(conn.ping().await.is_ok() && !conn.is_in_transaction())
            })
        })
        .after_connect(move |conn, _| {
            let setup = setup_statement(backend, statement_timeout_ms, idle_in_transaction_ms);
            Box::pin(async move {
                conn.execute(sqlx::AssertSqlSafe(setup)).await?;
                Ok(())
            })
        })
        .connect_with(options.clone())
        .await
        .map_err(|e| format!("cannot open database {location}: {e}"))?;
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATOR,
        Backend::Postgres => &POSTGRES_MIGRATOR,
    };
    migrator.run(&pool).await.map_err(|e| format!("migrating database {location} failed: {e}"))?;
    let line = match backend {
        Backend::Sqlite => Some(
            sqlite_line::SqliteLine::open(options, setup_statement(backend, 0, 0))
                .await
                .map_err(|e| format!("cannot open database {location}: {e}"))?,
        ),
        Backend::Postgres => None,
    };
    Ok(Database { backend, writer: Writer::new(pool.clone(), backend, line), pool })
}

/// What every new connection runs first.
/// - SQLite: WAL, a busy timeout, and `secure_delete`: deleted and overwritten content is
///   zeroed, so a wiped outbox body (a code) or a deleted session leaves no bytes behind in the
///   file (SPEC 6.5). Foreign keys are on by sqlx's default.
/// - PostgreSQL: the statement, lock and idle-in-transaction timeouts.
fn setup_statement(backend: Backend, statement_timeout_ms: u128, idle_in_transaction_ms: u128) -> String {
    match backend {
        Backend::Sqlite => format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {};
             PRAGMA secure_delete = ON;",
            BUSY_TIMEOUT.as_millis()
        ),
        Backend::Postgres => format!(
            "SET statement_timeout = {statement_timeout_ms}; SET lock_timeout = {};
             SET idle_in_transaction_session_timeout = {idle_in_transaction_ms}",
            BUSY_TIMEOUT.as_millis()
        ),
    }
}

fn sqlite_options(path: &Path) -> Result<AnyConnectOptions, String> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(format!("database folder {} does not exist", parent.display()));
    }
    sqlite_url(path, true)
}

/// The `Any` driver's options for the SQLite file at `path`.
fn sqlite_url(path: &Path, create_if_missing: bool) -> Result<AnyConnectOptions, String> {
    let url = SqliteConnectOptions::new().filename(path).create_if_missing(create_if_missing).to_url_lossy();
    AnyConnectOptions::from_url(&url).map_err(|e| format!("cannot open database {}: {e}", path.display()))
}

/// One connection to an existing SQLite file, as it is: not created when missing, not
/// migrated, its journal mode left alone (a running server has set WAL). For `server backup`,
/// beside the running server.
pub async fn open_existing_sqlite(path: &Path) -> Result<AnyConnection, String> {
    sqlx::any::install_default_drivers();
    if !path.is_file() {
        return Err(format!("database {} does not exist", path.display()));
    }
    let options = sqlite_url(path, false)?;
    let mut conn = AnyConnection::connect_with(&options)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", path.display()))?;
    conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis())))
        .await
        .map_err(|e| format!("cannot open database {}: {e}", path.display()))?;
    Ok(conn)
}

/// A new, empty PostgreSQL database named `<prefix>_<random>` on the server the `PG*`
/// variables name (as `pg_virtualenv` sets them), for the tests and the bench.
pub async fn new_postgres_database(prefix: &str) -> Result<Location, sqlx::Error> {
    use sqlx::Connection;
    let url = |name: &str| {
        let var = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_owned());
        format!(
            "postgres://{}:{}@{}:{}/{name}",
            var("PGUSER", "postgres"),
            var("PGPASSWORD", ""),
            var("PGHOST", "localhost"),
            var("PGPORT", "5432")
        )
    };
    let name = format!("{prefix}_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&url("postgres")).await?;
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
    drop(admin.close().await);
    Ok(Location::Postgres(url(&name)))
}

/// Whether an error means "the database could not be reached, was too busy in time, or
/// cannot be written just now", which a retry can cure once the fault is mended: no free
/// connection, no write turn, PostgreSQL's lock timeout or statement timeout, a connection
/// that broke, SQLite's file locked by another process or its disk full.
pub fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        // SQLite: the file is locked by another process beyond the busy timeout (BUSY,
        // LOCKED), or cannot be written now (READONLY, IOERR, FULL, CANTOPEN): the operator
        // can mend it and the request can be repeated. Nothing was written.
        sqlx::Error::Database(db) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
            let primary = db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
            matches!(primary, Some(5 | 6 | 8 | 10 | 13 | 14))
        }
        // PostgreSQL: 55P03 lock_not_available, 57014 query_canceled (statement timeout),
        // 57P01 admin_shutdown, 08xxx connection exceptions, 40P01 deadlock_detected (a rare
        // circle of two accounts' locks, see `locks`) and 40001 serialization_failure.
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            c == "55P03" || c == "57014" || c == "57P01" || c.starts_with("08") || c.starts_with("40")
        }),
        _ => false,
    }
}

/// Whether a write gave up waiting for its turn: the process's queue or the pool timed out,
/// SQLite's file stayed locked by another process past the busy timeout (BUSY, LOCKED), or
/// PostgreSQL's lock timeout ended the wait for the write lock (55P03).
pub fn is_wait_timeout(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
            let primary = db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
            matches!(primary, Some(5 | 6))
        }
        sqlx::Error::Database(db) => db.code().is_some_and(|c| c == "55P03"),
        _ => false,
    }
}

/// Whether PostgreSQL ended the transaction to break a conflict with another one: 40P01
/// deadlock_detected (a rare circle of two accounts' locks, see `locks`) or 40001
/// serialization_failure. Nothing of it was written, so the whole request may run again.
pub fn is_conflict(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("40")))
}

/// What a request's transactions came to, as far as running it once more is concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Writes {
    /// One ended in a conflict ([`is_conflict`]).
    conflicted: bool,
    /// One committed (before or after): the request changed something, and must not run
    /// again.
    committed: bool,
}

tokio::task_local! {
    static WRITES: std::cell::Cell<Writes>;
}

/// Runs a request's future and tells whether it may run once more: one of its transactions
/// ended in a conflict, and none committed (`server::retry`).
pub async fn noting_conflicts<F: std::future::Future>(request: F) -> (F::Output, bool) {
    WRITES
        .scope(std::cell::Cell::new(Writes::default()), async {
            let out = request.await;
            let writes = WRITES.with(std::cell::Cell::get);
            (out, writes.conflicted && !writes.committed)
        })
        .await
}

/// Notes, for [`noting_conflicts`], that a transaction of the request committed.
fn note_commit() {
    // Outside a request (a command, a test) there is nothing to note.
    let _outside_a_request = WRITES.try_with(|w| w.set(Writes { committed: true, ..w.get() }));
}

/// Database failures as the user meets them: unreachable or too busy in time is "busy, try
/// again"; anything else is logged in full and shown as an internal error. A conflict is
/// noted for the request's one retry (see [`noting_conflicts`]).
impl From<sqlx::Error> for crate::wire::AppError {
    fn from(e: sqlx::Error) -> Self {
        if is_conflict(&e) {
            // Outside a request (a command, a test) there is nothing to note.
            let _outside_a_request = WRITES.try_with(|w| w.set(Writes { conflicted: true, ..w.get() }));
        }
        if is_transient(&e) {
            tracing::warn!("database busy or unreachable, request shed: {e}");
            crate::wire::AppError::Busy { retry_after_secs: 1 }
        } else {
            crate::wire::AppError::internal(e)
        }
    }
}

/// A yes/no read from the database: PostgreSQL answers a condition (`EXISTS …`,
/// `x IS NOT NULL`, `a = b`) with a boolean, SQLite with 0 or 1. Decodes both, so such SQL is
/// written once. Read it into a `bool` with `.0` or `#[sqlx(try_from = "Flag")]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl sqlx::Type<Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <bool as sqlx::Type<Any>>::compatible(ty) || <i64 as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        use sqlx::ValueRef;
        if <bool as sqlx::Type<Any>>::compatible(&value.type_info()) {
            <bool as sqlx::Decode<Any>>::decode(value).map(Flag)
        } else {
            <i64 as sqlx::Decode<Any>>::decode(value).map(|n| Flag(n != 0))
        }
    }
}

/// What the app's unit tests share.
#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use super::{Database, Location, PoolSettings, open};

    /// A new SQLite database in a folder of its own under the system's temporary folder, for
    /// the unit tests that need a real write transaction; the caller removes the folder.
    pub(crate) async fn temporary(name: &str) -> (Database, PathBuf) {
        let dir = std::env::temp_dir().join(format!("riegel-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let database = open(&Location::Sqlite(dir.join("riegel.sqlite")), &PoolSettings::default()).await.unwrap();
        (database, dir)
    }
}
