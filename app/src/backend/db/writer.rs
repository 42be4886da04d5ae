//! The write transaction: how a write takes its locks, on each backend.
//!
//! **A write locks what its decision reads.** Every read-modify-write (a quota, a lock, a
//! strike, a one-time link) holds the lock of the key it counts by before it reads ([`WriteTx::lock`],
//! keys and order in [`super::locks`]), so what it read is still true when it writes, across
//! threads and across instances:
//! - SQLite: one writer at a time, on a connection of the writes' own, from `BEGIN IMMEDIATE`
//!   ([`super::sqlite_line`]): a write holds every key.
//! - PostgreSQL: `BEGIN`, then a transaction-scoped advisory lock per key, which PostgreSQL
//!   releases at commit or rollback. Writes for different accounts run side by side, on one
//!   instance or several.
//!
//! A counted read checks that its transaction holds the key ([`WriteTx::holds`]), on both
//! backends: a use case that forgot a lock fails in every test that runs it, instead of
//! counting inexactly under load.
//!
//! A writer that waits longer than [`BUSY_TIMEOUT`] gives up; the API answers 503 with
//! `Retry-After`, so a flood of writes is shed instead of queued without end.

use std::ops::{Deref, DerefMut};

use sqlx::{Any, AnyConnection, AnyPool, Transaction};

use super::{
    Backend,
    batch::{Batch, Row, RowKey, Write},
    locks::{self, LockKey},
    sqlite_line::{SqliteLine, Turn},
};
use crate::backend::{
    metrics::{Count, Metrics},
    tools::clock::Stopwatch,
};

/// The way in for writes.
#[derive(Clone, Debug)]
pub struct Writer {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: this process's writes, one at a time, on their own connection.
    line: Option<SqliteLine>,
    /// Where waits for the turn, and what committed transactions count, are recorded.
    metrics: Metrics,
}

impl Writer {
    /// The writer of `pool`'s database; on SQLite, `line` is its writes' own connection.
    pub(super) fn new(pool: AnyPool, backend: Backend, line: Option<SqliteLine>) -> Self {
        Writer { pool, backend, line, metrics: Metrics::off() }
    }

    /// This writer, recording into `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Writer { metrics, ..self }
    }

    /// Opens a write transaction. On SQLite it holds the database's write lock from its first
    /// statement; on PostgreSQL it holds nothing until [`WriteTx::lock`] takes keys (see the
    /// module header). Locks end when the transaction is committed or dropped. Waiting longer
    /// than [`BUSY_TIMEOUT`] gives `PoolTimedOut`, which the API answers with 503 and
    /// `Retry-After`.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        let waited = Stopwatch::start();
        let tx = self.take_turn().await;
        // With sqlx's statement lines (`RUST_LOG=sqlx::query=debug,riegel::write=debug`) this
        // shows which statements a transaction sent: SQLite logs no `BEGIN` of its own.
        tracing::debug!(target: "riegel::write", "transaction began");
        let gave_up = tx.as_ref().err().is_some_and(super::is_wait_timeout);
        // SQLite's writes wait here, for their turn; PostgreSQL's wait for their keys
        // (`WriteTx::lock`), and only a connection that never came counts here.
        if self.backend == Backend::Sqlite || gave_up {
            self.metrics.write_waited(waited.elapsed(), gave_up);
        }
        tx
    }

    async fn take_turn(&self) -> Result<WriteTx, sqlx::Error> {
        let conn = match &self.line {
            Some(line) => TxConn::Sqlite(line.begin().await?),
            None => TxConn::Postgres(self.pool.begin().await?),
        };
        Ok(WriteTx {
            conn,
            backend: self.backend,
            held: Vec::new(),
            counts: Vec::new(),
            metrics: self.metrics.clone(),
            batch: Batch::default(),
            pending_also: Vec::new(),
        })
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
        let Some(line) = &self.line else {
            return Ok(Truncation::Done);
        };
        let mut turn = line.wait().await?;
        let checkpoint: (i64, i64, i64) = turn
            .without_busy_wait(async |conn| sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(conn).await)
            .await?;
        Ok(match checkpoint.0 {
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

/// A write transaction and the keys it holds. Dereferences to the connection, like sqlx's
/// `Transaction`; dropping it without `commit` rolls back.
pub struct WriteTx {
    conn: TxConn,
    backend: Backend,
    /// The keys taken, sorted.
    held: Vec<LockKey>,
    /// What the transaction decided, counted in `metrics` only once it commits.
    counts: Vec<Count>,
    metrics: Metrics,
    /// Writes sent with the commit, in one round trip (see [`super::batch`]).
    batch: Batch,
    /// Keys taken with a session's account, held once the account is named.
    pending_also: Vec<LockKey>,
}

/// The connection a write transaction runs on.
enum TxConn {
    /// This process's one writer ([`super::sqlite_line`]).
    Sqlite(Turn),
    /// One of the pool's connections, in sqlx's transaction.
    Postgres(Transaction<'static, Any>),
}

impl TxConn {
    fn get(&mut self) -> &mut AnyConnection {
        match self {
            TxConn::Sqlite(turn) => turn.conn(),
            TxConn::Postgres(tx) => tx,
        }
    }
}

/// What [`WriteTx::lock`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    /// Every key was held already, or the backend has one writer (SQLite): what the
    /// transaction read before is still current.
    Nothing,
    /// New keys were taken, perhaps after a wait: rows of those keys read before may have
    /// changed and must be read again.
    Waited,
}

impl WriteTx {
    /// Sends the kept writes, then commits.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(mut turn) => turn.commit(&mut self.batch).await?,
            TxConn::Postgres(mut tx) => {
                self.batch.send(&mut tx, self.backend).await?;
                tx.commit().await?;
            }
        }
        super::note_commit();
        tracing::debug!(target: "riegel::write", "transaction committed");
        self.metrics.committed(&self.counts);
        Ok(())
    }

    /// Keeps `write` to be sent with the commit (see [`super::batch`] for what may be kept).
    pub fn later(&mut self, write: Write) {
        self.batch.push(write);
    }

    /// Keeps `write` for `row`, replacing a write kept for that row before
    /// ([`Batch::push_for`]).
    pub fn later_for(&mut self, row: RowKey, write: Write) {
        self.batch.push_for(row, write);
    }

    /// Sends the kept writes now, and `last` with them (an insert returning its row's id, the
    /// statement's last part): for an id a use case needs, one round trip for all.
    pub async fn send_kept_with(&mut self, last: Write) -> Result<i64, sqlx::Error> {
        self.batch.send_ending(self.conn.get(), self.backend, last).await
    }

    /// Keeps one row of the transaction's multi-row insert (its audit events), in order.
    pub fn later_row(&mut self, row: Row) {
        self.batch.push_row(row);
    }

    /// Locks the account of the session stored under `id_hash`, and then `also` (keys that
    /// sort after accounts), before anything of the session or its account is read.
    /// PostgreSQL: one statement finds the session's account and takes every key; SQLite
    /// holds every key already and runs nothing. The caller reads the session next and names
    /// its account with [`WriteTx::own_session_account`].
    pub async fn lock_session_account(&mut self, id_hash: &[u8], also: &[LockKey]) -> Result<(), sqlx::Error> {
        if !self.held.is_empty() || also.iter().any(|k| matches!(k, LockKey::Account(_))) {
            return Err(sqlx::Error::Protocol("a session's account is the first key a use case takes".into()));
        }
        let mut also = also.to_vec();
        also.sort();
        also.dedup();
        if self.backend == Backend::Postgres {
            let waited = Stopwatch::start();
            let sql = locks::pg_session_statement(&also);
            let locked: Result<Option<i64>, _> =
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id_hash).fetch_one(&mut **self).await;
            self.metrics.write_waited(waited.elapsed(), locked.as_ref().err().is_some_and(super::is_wait_timeout));
            match locked? {
                Some(user_id) => self.held.push(LockKey::Account(user_id)),
                // No session, so nothing was locked.
                None => return Ok(()),
            }
        }
        self.pending_also = also;
        Ok(())
    }

    /// After [`WriteTx::lock_session_account`] and the read of the session: its account,
    /// `user_id`, is held. On PostgreSQL it was locked by the session; on SQLite it is held
    /// by the one writer and recorded now.
    pub fn own_session_account(&mut self, user_id: i64) -> Result<(), sqlx::Error> {
        let key = LockKey::Account(user_id);
        match self.backend {
            Backend::Sqlite if self.held.is_empty() => self.held.push(key),
            _ => self.holds(&key)?,
        }
        self.held.append(&mut self.pending_also);
        self.held.sort();
        Ok(())
    }

    /// Counts `count` in the metrics if, and when, this transaction commits.
    pub fn count(&mut self, count: Count) {
        if self.metrics.is_on() {
            self.counts.push(count);
        }
    }

    /// Takes `keys` (in the module's order, in one statement) and holds them to the end of
    /// the transaction. A key that sorts before one already held is refused as a bug (see
    /// [`super::locks`]): no circle of waits can form.
    pub async fn lock(&mut self, keys: impl IntoIterator<Item = LockKey>) -> Result<Taken, sqlx::Error> {
        let mut next: Vec<LockKey> = keys.into_iter().filter(|k| !self.held.contains(k)).collect();
        next.sort();
        next.dedup();
        if next.is_empty() {
            return Ok(Taken::Nothing);
        }
        if let Some((held, key)) = locks::order_violation(&self.held, &next) {
            return Err(sqlx::Error::Protocol(format!(
                "lock order: {} taken while holding {}",
                key.kind(),
                held.kind()
            )));
        }
        let taken = match self.backend {
            Backend::Sqlite => Taken::Nothing,
            Backend::Postgres => {
                // A wait for a key another transaction holds is a write wait like SQLite's turn.
                let waited = Stopwatch::start();
                let locked = sqlx::query(sqlx::AssertSqlSafe(locks::pg_statement(&next))).execute(&mut **self).await;
                self.metrics.write_waited(waited.elapsed(), locked.as_ref().err().is_some_and(super::is_wait_timeout));
                locked?;
                Taken::Waited
            }
        };
        self.held.extend(next);
        self.held.sort();
        Ok(taken)
    }

    /// Succeeds when the transaction holds `key`: every read of counted rows checks it first,
    /// so a use case without the lock its decision needs fails instead of counting
    /// inexactly.
    pub fn holds(&self, key: &LockKey) -> Result<(), sqlx::Error> {
        if self.held.contains(key) {
            Ok(())
        } else {
            Err(sqlx::Error::Protocol(format!("a counted read without its {} lock", key.kind())))
        }
    }

    /// The keys held, sorted.
    pub fn held(&self) -> &[LockKey] {
        &self.held
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.conn {
            TxConn::Sqlite(turn) => turn.conn_ref(),
            TxConn::Postgres(tx) => tx,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.get()
    }
}
