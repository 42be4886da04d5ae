//! SQLite's writes: one connection of their own, one transaction at a time.
//!
//! SQLite lets one writer in at a time, so this process's writes queue for one connection,
//! first come first served, instead of for the database's lock in SQLite's busy handler (which
//! sleeps in steps of 1, 2, 5 … 100 ms). The connection is the writes' own, never taken from
//! the pool: sqlx's pool tests a connection when it is taken and again when it is handed
//! back, one round trip to sqlx's worker thread each, on top of a write's three or four.
//!
//! This module sends `BEGIN IMMEDIATE` (sqlx's `begin()` is a deferred `BEGIN`, which fails
//! with SQLITE_BUSY when two writers upgrade at once) and the `COMMIT` together with the
//! transaction's kept writes, in one call ([`super::batch`]).
//!
//! A write that did not end cleanly (dropped without its commit, a `BEGIN` or `COMMIT` that
//! failed, a setting not set back) leaves the connection unsettled. It is settled before the
//! next write begins, and soon even when none comes (another process cannot write while a
//! transaction is open): a `ROLLBACK`, or, where that fails (SQLite ended the transaction
//! itself on a full disk or an I/O error, there was none, or the connection broke), a new
//! connection. A write that finds it cannot be settled fails, and the next one tries again.

use std::sync::Arc;

use sqlx::{AnyConnection, Connection as _, Executor as _, any::AnyConnectOptions};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{BUSY_TIMEOUT, Backend, batch::Batch};

/// The queue of this process's SQLite writes and the connection they run on.
#[derive(Clone)]
pub(super) struct SqliteLine {
    slot: Arc<Mutex<Slot>>,
}

struct Slot {
    conn: AnyConnection,
    /// The last write did not end cleanly: a transaction or a setting of it may be left.
    unsettled: bool,
    options: AnyConnectOptions,
    /// What a new connection runs first (WAL, busy timeout, `secure_delete`).
    setup: String,
}

/// One write's turn on the line: the connection, in a transaction once begun.
pub(super) struct Turn {
    slot: OwnedMutexGuard<Slot>,
    line: Arc<Mutex<Slot>>,
}

impl std::fmt::Debug for SqliteLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteLine")
    }
}

async fn connect(options: &AnyConnectOptions, setup: &str) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = AnyConnection::connect_with(options).await?;
    conn.execute(sqlx::AssertSqlSafe(setup.to_owned())).await?;
    Ok(conn)
}

impl SqliteLine {
    pub async fn open(options: AnyConnectOptions, setup: String) -> Result<Self, sqlx::Error> {
        let conn = connect(&options, &setup).await?;
        Ok(SqliteLine { slot: Arc::new(Mutex::new(Slot { conn, unsettled: false, options, setup })) })
    }

    /// Waits for this process's earlier writes (at most [`BUSY_TIMEOUT`], then
    /// `PoolTimedOut`), without beginning a transaction.
    pub async fn wait(&self) -> Result<Turn, sqlx::Error> {
        let mut slot = tokio::time::timeout(BUSY_TIMEOUT, self.slot.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        slot.settle().await?;
        Ok(Turn { slot, line: self.slot.clone() })
    }

    /// Waits for the turn, then `BEGIN IMMEDIATE`: the transaction holds SQLite's write lock
    /// from its start.
    pub async fn begin(&self) -> Result<Turn, sqlx::Error> {
        let mut turn = self.wait().await?;
        let slot = &mut *turn.slot;
        // Unsettled until its commit: a request dropped while the `BEGIN` runs, or a `BEGIN`
        // that fails, is settled before the next write.
        slot.unsettled = true;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut slot.conn).await?;
        Ok(turn)
    }
}

impl Slot {
    /// Ends whatever the last write left: its transaction without its writes, or the
    /// connection. Fails only when no new connection can be made.
    async fn settle(&mut self) -> Result<(), sqlx::Error> {
        if !self.unsettled {
            return Ok(());
        }
        if sqlx::query("ROLLBACK").execute(&mut self.conn).await.is_err() {
            let new = connect(&self.options, &self.setup).await?;
            drop(std::mem::replace(&mut self.conn, new).close().await);
        }
        self.unsettled = false;
        Ok(())
    }
}

impl Turn {
    /// The connection, for the transaction's statements.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.slot.conn
    }

    pub fn conn_ref(&self) -> &AnyConnection {
        &self.slot.conn
    }

    /// Sends the kept writes and `COMMIT`, in one call.
    pub async fn commit(&mut self, batch: &mut Batch) -> Result<(), sqlx::Error> {
        let slot = &mut *self.slot;
        batch.send_committing(&mut slot.conn, Backend::Sqlite).await?;
        slot.unsettled = false;
        Ok(())
    }

    /// Runs `f` on the connection with SQLite's busy timeout at 0 (it gives up at once where
    /// another process holds a lock), then sets it back. A connection whose busy timeout
    /// cannot be set back stays unsettled, so it is replaced before the next write: the writes
    /// never run on one that gives up at once.
    pub async fn without_busy_wait<T>(
        &mut self,
        f: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let slot = &mut *self.slot;
        slot.unsettled = true;
        sqlx::query("PRAGMA busy_timeout = 0").execute(&mut slot.conn).await?;
        let out = f(&mut slot.conn).await;
        let restore = format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis());
        sqlx::query(sqlx::AssertSqlSafe(restore)).execute(&mut slot.conn).await?;
        slot.unsettled = false;
        out
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if !self.slot.unsettled {
            return;
        }
        // The next write settles it first, whoever comes first; this task does it soon even
        // when no write comes (while a transaction is open, another process cannot write).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let line = self.line.clone();
            runtime.spawn(async move {
                if let Err(e) = line.lock_owned().await.settle().await {
                    tracing::warn!(error = %e, "the SQLite write connection could not be settled; the next write tries again");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection as _;

    use crate::backend::db::{
        self,
        batch::{Value, Write},
    };

    async fn count(pool: &sqlx::AnyPool) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM kept").fetch_one(pool).await.unwrap()
    }

    fn kept(x: i64) -> Write {
        Write { sql: "INSERT INTO kept (x) VALUES ($1)", values: vec![Value::Int(x)] }
    }

    #[tokio::test]
    async fn a_dropped_write_is_rolled_back_and_frees_the_database_for_the_next_writer_and_other_processes() {
        let (database, dir) = db::tests::temporary("sqlite-line").await;
        let writer = &database.writer;
        let mut tx = writer.begin().await.unwrap();
        sqlx::query("CREATE TABLE kept (x INTEGER NOT NULL UNIQUE)").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();

        // Dropped with a write run and one kept: neither lands.
        let mut tx = writer.begin().await.unwrap();
        kept(1).run(&mut tx).await.unwrap();
        tx.later(kept(2));
        drop(tx);
        // Another process can write as soon as the rollback ran, without a write of ours.
        let path = dir.join("riegel.sqlite");
        let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.unwrap();
        sqlx::query("INSERT INTO kept (x) VALUES (10)").execute(&mut other).await.unwrap();
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();
        assert_eq!(count(&database.pool).await, 1, "only the other process's row");

        // A kept write that fails stops the script before its `COMMIT`: the write before it in
        // the script and the one run earlier are gone, and the next write goes through.
        let mut tx = writer.begin().await.unwrap();
        kept(3).run(&mut tx).await.unwrap();
        tx.later(kept(4));
        tx.later(kept(10));
        assert!(tx.commit().await.is_err(), "the duplicate fails the commit");
        let mut tx = writer.begin().await.unwrap();
        tx.later(kept(5));
        tx.commit().await.unwrap();
        let rows: Vec<i64> =
            sqlx::query_scalar("SELECT x FROM kept ORDER BY x").fetch_all(&database.pool).await.unwrap();
        assert_eq!(rows, [5, 10]);

        // A commit with nothing kept commits what ran.
        let mut tx = writer.begin().await.unwrap();
        kept(6).run(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&database.pool).await, 3);

        // A write whose transaction ended behind the line's back (as SQLite ends one on a full
        // disk): its `ROLLBACK` fails, the connection is replaced, and the next write works.
        let mut tx = writer.begin().await.unwrap();
        kept(7).run(&mut tx).await.unwrap();
        sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
        drop(tx);
        let mut tx = writer.begin().await.unwrap();
        kept(8).run(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let rows: Vec<i64> =
            sqlx::query_scalar("SELECT x FROM kept ORDER BY x").fetch_all(&database.pool).await.unwrap();
        assert_eq!(rows, [5, 6, 8, 10]);
        drop(other);
        database.pool.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
