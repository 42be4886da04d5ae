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
//! A transaction dropped without its commit is rolled back before the next write begins, and
//! soon even when none comes (another process cannot write meanwhile). A `ROLLBACK` that fails (SQLite ended the
//! transaction itself on a full disk or an I/O error, or the connection broke) replaces the
//! connection with a new one.

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
    /// A transaction may be open: its `BEGIN` was sent and no `COMMIT` or `ROLLBACK` was seen
    /// to succeed.
    open: bool,
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
        Ok(SqliteLine { slot: Arc::new(Mutex::new(Slot { conn, open: false, options, setup })) })
    }

    /// Waits for this process's earlier writes (at most [`BUSY_TIMEOUT`], then
    /// `PoolTimedOut`), without beginning a transaction.
    pub async fn wait(&self) -> Result<Turn, sqlx::Error> {
        let mut slot = tokio::time::timeout(BUSY_TIMEOUT, self.slot.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        slot.roll_back().await;
        Ok(Turn { slot, line: self.slot.clone() })
    }

    /// Waits for the turn, then `BEGIN IMMEDIATE`: the transaction holds SQLite's write lock
    /// from its start.
    pub async fn begin(&self) -> Result<Turn, sqlx::Error> {
        let mut turn = self.wait().await?;
        let slot = &mut *turn.slot;
        // Open before the `BEGIN` is sent: a request dropped while it runs still rolls back.
        slot.open = true;
        let begun = sqlx::query("BEGIN IMMEDIATE").execute(&mut slot.conn).await;
        if begun.is_err() {
            // A `BEGIN` that fails (another process held the lock past the busy timeout)
            // began nothing.
            slot.open = false;
        }
        begun.map(|_| turn)
    }
}

impl Slot {
    /// Ends an open transaction without its writes.
    async fn roll_back(&mut self) {
        if !self.open {
            return;
        }
        if sqlx::query("ROLLBACK").execute(&mut self.conn).await.is_ok() {
            self.open = false;
            return;
        }
        if let Ok(new) = connect(&self.options, &self.setup).await {
            let old = std::mem::replace(&mut self.conn, new);
            drop(old.close().await);
            self.open = false;
        }
        // Otherwise the next write tries again, and fails until the database is back.
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
        slot.open = false;
        Ok(())
    }

    /// Runs `f` on the connection with SQLite's busy timeout at 0 (it gives up at once where
    /// another process holds a lock), then sets it back. A connection whose busy timeout
    /// cannot be set back is replaced: the writes never run on one that gives up at once.
    pub async fn without_busy_wait<T>(
        &mut self,
        f: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let slot = &mut *self.slot;
        sqlx::query("PRAGMA busy_timeout = 0").execute(&mut slot.conn).await?;
        let out = f(&mut slot.conn).await;
        let restore = format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis());
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(restore)).execute(&mut slot.conn).await {
            let new = connect(&slot.options, &slot.setup).await?;
            drop(std::mem::replace(&mut slot.conn, new).close().await);
            return Err(e);
        }
        out
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if !self.slot.open {
            return;
        }
        // The next write rolls back first, whoever comes first; this task does it soon even
        // when no write comes (while the transaction is open, another process cannot write).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let line = self.line.clone();
            runtime.spawn(async move { line.lock_owned().await.roll_back().await });
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
        drop(other);
        database.pool.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
