//! Opening the SQLite database and the transaction helper (convention 6).
//!
//! WAL mode, `synchronous=NORMAL`, a busy timeout, foreign keys and `secure_delete` on every
//! connection.
//! Every read-modify-write starts with `BEGIN IMMEDIATE`: sqlx's `begin()` is a deferred
//! BEGIN, which fails with SQLITE_BUSY when two writers upgrade at once, whatever the timeout.
//!
//! SQLite lets one writer in at a time. Writers that find the lock taken sleep in SQLite's
//! busy handler in steps of 1, 2, 5, 10 … 100 ms and retry, so under contention most of a
//! write's latency is sleeping while the lock is free. [`Writer`] queues the writers in the
//! process instead, first come first served, and hands the lock on the moment it is free.

use std::{
    ops::{Deref, DerefMut},
    path::Path,
    sync::Arc,
    time::Duration,
};

use sqlx::{
    Sqlite, SqliteConnection, SqlitePool, Transaction,
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// How long a write waits for its turn, in the process or in SQLite.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

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
        .busy_timeout(BUSY_TIMEOUT)
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

/// The way in for writes: one write transaction at a time, in the order they asked.
#[derive(Clone, Debug)]
pub struct Writer {
    pool: SqlitePool,
    turn: Arc<Mutex<()>>,
}

impl Writer {
    pub fn new(pool: SqlitePool) -> Self {
        Writer { pool, turn: Arc::new(Mutex::new(())) }
    }

    /// Waits for this writer's turn, then opens a transaction that holds SQLite's write lock
    /// from its first statement. The turn ends when the transaction is committed or dropped.
    /// Waiting longer than SQLite's busy timeout gives `PoolTimedOut`, which the API answers
    /// with 503 and `Retry-After`, so a flood of writes is shed instead of queued without end.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let turn = tokio::time::timeout(BUSY_TIMEOUT, self.turn.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// The turn alone, for a statement that writes outside a transaction (a checkpoint).
    pub async fn turn(&self) -> OwnedMutexGuard<()> {
        self.turn.clone().lock_owned().await
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// A write transaction in its turn. Dereferences to the connection, like sqlx's
/// `Transaction`; dropping it without `commit` rolls back.
pub struct WriteTx {
    // Dropped first: the rollback is queued before the next writer's turn begins.
    tx: Transaction<'static, Sqlite>,
    _turn: OwnedMutexGuard<()>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// Database failures as the user meets them: no free connection or write turn in time is
/// "busy, try again"; anything else is logged in full and shown as an internal error.
impl From<sqlx::Error> for crate::wire::AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // No connection or no turn to write within the timeout: the server is overloaded.
            sqlx::Error::PoolTimedOut => {
                tracing::warn!("database busy: request shed");
                crate::wire::AppError::Busy { retry_after_secs: 1 }
            }
            e => crate::wire::AppError::internal(e),
        }
    }
}
