//! Opening the SQLite database and the transaction helper (convention 6).
//!
//! WAL mode, `synchronous=NORMAL`, a busy timeout, foreign keys and `secure_delete` on every
//! connection.
//! Every read-modify-write starts with `BEGIN IMMEDIATE`: sqlx's `begin()` is a deferred
//! BEGIN, which fails with SQLITE_BUSY when two writers upgrade at once, whatever the timeout.

use std::{path::Path, time::Duration};

use sqlx::{
    Sqlite, SqlitePool, Transaction,
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Opens (creating the file if its folder exists) and migrates the database.
/// The error is one line meant for the operator.
pub async fn open(path: &Path) -> Result<SqlitePool, String> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(format!("database folder {} does not exist", parent.display()));
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // Deleted and overwritten content is zeroed, so a wiped outbox body (a code) or a
        // deleted session leaves no bytes behind in the file (SPEC 6.5).
        .pragma("secure_delete", "ON");
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", path.display()))?;
    MIGRATOR.run(&pool).await.map_err(|e| format!("migrating database {} failed: {e}", path.display()))?;
    Ok(pool)
}

/// A write transaction that holds the write lock from its first statement.
pub async fn begin(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}
