//! The write transaction: how a write takes the database's write lock, on each backend.
//!
//! **Writes are serialised, on both backends.** Every read-modify-write (a quota, a lock, a
//! strike, a one-time link) starts by taking the database's write lock, so what it read is
//! still true when it writes, across threads and across instances:
//! - SQLite: `BEGIN IMMEDIATE` (sqlx's `begin()` is a deferred BEGIN, which fails with
//!   SQLITE_BUSY when two writers upgrade at once). SQLite lets one writer in at a time;
//!   writers that find the lock taken would sleep in SQLite's busy handler in steps of 1, 2,
//!   5 … 100 ms, so [`Writer`] queues them in the process instead, first come first served.
//! - PostgreSQL: `BEGIN` and a transaction-scoped advisory lock, `pg_advisory_xact_lock`,
//!   which every write transaction of every instance takes first and PostgreSQL releases at
//!   commit or rollback. A write transaction is short (the password hash is computed before
//!   it), so one lock keeps the SQLite semantics with no per-use-case reasoning.
//!
//! A writer that waits longer than [`BUSY_TIMEOUT`] gives up; the API answers 503 with
//! `Retry-After`, so a flood of writes is shed instead of queued without end.

use std::{
    ops::{Deref, DerefMut},
    sync::Arc,
};

use sqlx::{Any, AnyConnection, AnyPool, Connection as _, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{BUSY_TIMEOUT, Backend};
use crate::backend::{
    metrics::{Count, Metrics},
    tools::clock::Stopwatch,
};

/// The key of the advisory lock every PostgreSQL write transaction takes ("Riegel").
const WRITE_LOCK_KEY: i64 = 0x5269_6567_656c;

/// The way in for writes: one write transaction at a time.
#[derive(Clone, Debug)]
pub struct Writer {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: the queue of this process's writers.
    turn: Arc<Mutex<()>>,
    /// Where waits for the turn, and what committed transactions count, are recorded.
    metrics: Metrics,
}

impl Writer {
    pub fn new(pool: AnyPool, backend: Backend) -> Self {
        Writer { pool, backend, turn: Arc::new(Mutex::new(())), metrics: Metrics::off() }
    }

    /// This writer, recording into `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Writer { metrics, ..self }
    }

    /// Opens a transaction that holds the database's write lock from its first statement
    /// (see the module header). The lock ends when the transaction is committed or dropped.
    /// Waiting longer than [`BUSY_TIMEOUT`] gives `PoolTimedOut`, which the API answers with
    /// 503 and `Retry-After`.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let waited = Stopwatch::start();
        let tx = self.take_turn().await;
        let gave_up = tx.as_ref().err().is_some_and(super::is_wait_timeout);
        self.metrics.write_waited(waited.elapsed(), gave_up);
        tx
    }

    async fn take_turn(&self) -> Result<WriteTx, sqlx::Error> {
        let counts = Vec::new();
        let metrics = self.metrics.clone();
        match self.backend {
            Backend::Sqlite => {
                let turn = tokio::time::timeout(BUSY_TIMEOUT, self.turn.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(WriteTx { tx, _turn: Some(turn), counts, metrics })
            }
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                // Counted, so the row holds a type the `Any` driver knows (the lock returns `void`).
                sqlx::query("SELECT count(*) FROM (SELECT pg_advisory_xact_lock($1)) AS l")
                    .bind(WRITE_LOCK_KEY)
                    .execute(&mut *tx)
                    .await?;
                Ok(WriteTx { tx, _turn: None, counts, metrics })
            }
        }
    }

    /// SQLite: copies the WAL into the database file and empties it, so the old versions
    /// of a wiped page (a delivered code) leave the WAL too. PostgreSQL keeps no such file
    /// of ours: nothing to do.
    ///
    /// It does not wait for readers. Emptying the WAL needs every reader to have let go of
    /// it, and this holds every writer's turn meanwhile: waiting in SQLite's busy handler, a
    /// long read (`server backup`, a large report) would hold up every write of the process
    /// for the whole busy timeout. A reader only postpones the truncation to a later call.
    pub async fn truncate_wal(&self) -> Result<Truncation, sqlx::Error> {
        if self.backend != Backend::Sqlite {
            return Ok(Truncation::Done);
        }
        let _turn = self.turn.clone().lock_owned().await;
        let mut conn = self.pool.acquire().await?;
        sqlx::query("PRAGMA busy_timeout = 0").execute(&mut *conn).await?;
        let checkpoint: Result<(i64, i64, i64), _> =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await;
        let restore = format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis());
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(restore)).execute(&mut *conn).await {
            // Never hand a connection that gives up at once back to the writers.
            drop(conn.detach().close().await);
            return Err(e);
        }
        Ok(match checkpoint?.0 {
            0 => Truncation::Done,
            _ => Truncation::Postponed,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// What [`Writer::truncate_wal`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truncation {
    /// The WAL is empty (or there is none: PostgreSQL).
    Done,
    /// A reader still uses the WAL: nothing was waited for; call again later.
    Postponed,
}

/// A write transaction holding the write lock. Dereferences to the connection, like sqlx's
/// `Transaction`; dropping it without `commit` rolls back.
pub struct WriteTx {
    // Dropped first: the rollback is queued before the next writer's turn begins.
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
    /// What the transaction decided, counted in `metrics` only once it commits.
    counts: Vec<Count>,
    metrics: Metrics,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        self.metrics.committed(&self.counts);
        Ok(())
    }

    /// Counts `count` in the metrics if, and when, this transaction commits.
    pub fn count(&mut self, count: Count) {
        if self.metrics.is_on() {
            self.counts.push(count);
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
