//! Writes sent with the commit: one round trip for all of a use case's closing writes.
//!
//! A write whose result no later statement of its transaction reads (an audit event, a wrong
//! entry, a challenge's new state, a session's last-seen time) need not cost a round trip of
//! its own. The store builds it as a [`Write`]; [`super::WriteTx::later`] keeps it, and
//! [`super::WriteTx::commit`] sends every kept write as one statement before `COMMIT`:
//! - PostgreSQL: one statement, the writes as data-modifying `WITH` parts of the last one;
//! - SQLite: the writes as one script of statements, run by one call on its worker thread.
//!
//! The rules a kept write follows:
//! - Nothing in its transaction reads what it writes: a read runs before the commit sends it.
//! - No two kept writes touch the same row, and none reads what another writes: PostgreSQL
//!   runs a statement's parts side by side, on one snapshot. A write that says a row's whole
//!   last state is kept for its row ([`Batch::push_for`]) and replaces the one kept before
//!   (a session's end replaces its new last-seen time). (A login's end resets the quotas
//!   from the newest counted rows; it is kept only where the transaction keeps no such row.)
//! - It cannot fail on good data (no unique key it may hit): its error would come at commit.
//!
//! [`super::WriteTx::send_kept_with`] sends the kept writes early, with an insert whose id the
//! use case needs as the statement's last part; PostgreSQL checks foreign keys at the
//! statement's end, so that insert may refer to a row a kept write makes.
//!
//! Audit events keep their order: all of a transaction's events are one multi-row `INSERT`,
//! in the order they were recorded.

use sqlx::{Any, AnyConnection, query::Query};

use super::Backend;

/// One value a kept write binds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Blob(Vec<u8>),
}

/// One write to send with the commit: its statement (with `$1`, `$2` … for its own values)
/// and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub sql: &'static str,
    pub values: Vec<Value>,
}

impl Write {
    /// Runs the write now, on its own: for a use case whose later statements need its row.
    pub async fn run(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        bound(self.sql, self.values).execute(conn).await.map(drop)
    }
}

/// One row of a multi-row `INSERT`: its `VALUES` tuple for `$1` … and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `INSERT INTO t (columns) VALUES`, the same for every row of the insert.
    pub insert: &'static str,
    /// `($1, $2, …)`, the row's own placeholders.
    pub tuple: &'static str,
    pub values: Vec<Value>,
}

/// A row a kept write is for, where a later write for it replaces the earlier one: its table
/// and key.
pub type RowKey = (&'static str, Vec<u8>);

/// The writes a transaction keeps for its commit.
#[derive(Debug, Default)]
pub struct Batch {
    writes: Vec<Write>,
    /// The row of each write kept with [`Batch::push_for`], by position in `writes`.
    rows_of: Vec<Option<RowKey>>,
    /// The rows of one table's insert (audit events), sent as one statement, last.
    rows: Vec<Row>,
}

impl Batch {
    pub fn push(&mut self, w: Write) {
        self.writes.push(w);
        self.rows_of.push(None);
    }

    /// Keeps `w` for `row`, in place of a write kept for that row before (a session's end
    /// after its last-seen time): two writes of one row must not share a statement.
    pub fn push_for(&mut self, row: RowKey, w: Write) {
        if let Some(i) = self.rows_of.iter().position(|r| r.as_ref() == Some(&row)) {
            self.writes.remove(i);
            self.rows_of.remove(i);
        }
        self.writes.push(w);
        self.rows_of.push(Some(row));
    }

    pub fn push_row(&mut self, r: Row) {
        self.rows.push(r);
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.rows.is_empty()
    }

    /// The statement that makes every kept write, and its values in placeholder order.
    pub fn statement(&self, backend: Backend) -> (String, Vec<Value>) {
        self.statement_ending(backend, None)
    }

    /// [`Batch::statement`], ending with `last` (whose result the caller reads).
    fn statement_ending(&self, backend: Backend, last: Option<&Write>) -> (String, Vec<Value>) {
        let mut values = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        for w in &self.writes {
            parts.push(renumber(w.sql, values.len()));
            values.extend(w.values.iter().cloned());
        }
        if let Some(first) = self.rows.first() {
            let mut insert = String::from(first.insert);
            for (i, r) in self.rows.iter().enumerate() {
                insert.push_str(if i == 0 { " " } else { ", " });
                insert.push_str(&renumber(r.tuple, values.len()));
                values.extend(r.values.iter().cloned());
            }
            parts.push(insert);
        }
        if let Some(w) = last {
            parts.push(renumber(w.sql, values.len()));
            values.extend(w.values.iter().cloned());
        }
        let sql = match backend {
            Backend::Sqlite => parts.join(";\n"),
            Backend::Postgres => match parts.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => {
                    let with: Vec<String> = rest.iter().enumerate().map(|(i, p)| format!("w{i} AS ({p})")).collect();
                    format!("WITH {} {last}", with.join(", "))
                }
                None => String::new(),
            },
        };
        (sql, values)
    }

    /// Sends every kept write in one round trip; the batch is empty after.
    pub async fn send(&mut self, conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
        if self.is_empty() {
            return Ok(());
        }
        let (sql, values) = std::mem::take(self).statement(backend);
        bound(&sql, values).execute(conn).await.map(drop)
    }

    /// SQLite: sends every kept write and `COMMIT`, in one call; the batch is empty after. A
    /// write that fails stops the script before its `COMMIT`.
    pub async fn send_committing(&mut self, conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
        let (sql, values) = match self.is_empty() {
            true => (String::from("COMMIT"), Vec::new()),
            false => {
                let (sql, values) = std::mem::take(self).statement(backend);
                (format!("{sql};\nCOMMIT"), values)
            }
        };
        bound(&sql, values).execute(conn).await.map(drop)
    }

    /// Sends every kept write and then `last`, an insert that returns its row's id, in one
    /// round trip; the batch is empty after. `last` may refer to rows the kept writes make
    /// (a new session's challenge): PostgreSQL checks foreign keys at the statement's end.
    pub async fn send_ending(
        &mut self,
        conn: &mut AnyConnection,
        backend: Backend,
        last: Write,
    ) -> Result<i64, sqlx::Error> {
        let (sql, values) = std::mem::take(self).statement_ending(backend, Some(&last));
        // `fetch_all`: SQLite's driver answers `fetch_one` from the script's first statement.
        let rows = bound(&sql, values).fetch_all(conn).await?;
        let row = rows.first().ok_or(sqlx::Error::RowNotFound)?;
        sqlx::Row::try_get(row, 0)
    }
}

/// The statement with its values bound in order. It is put together from this module's
/// numbers and the store's fixed statements, never from input: every value is a parameter.
fn bound(sql: &str, values: Vec<Value>) -> Query<'_, Any, sqlx::any::AnyArguments> {
    let mut q: Query<'_, Any, _> = sqlx::query(sqlx::AssertSqlSafe(sql));
    for v in values {
        q = match v {
            Value::Int(i) => q.bind(i),
            Value::OptInt(i) => q.bind(i),
            Value::Text(s) => q.bind(s),
            Value::OptText(s) => q.bind(s),
            Value::Blob(b) => q.bind(b),
        };
    }
    q
}

/// `sql` with each placeholder `$n` written as `$(n + offset)`.
fn renumber(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut n = 0usize;
        let mut digits = false;
        while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
            n = n * 10 + d as usize;
            digits = true;
            chars.next();
        }
        if digits {
            out.push_str(&(n + offset).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Batch {
        let mut b = Batch::default();
        b.push(Write { sql: "UPDATE t SET a = $1 WHERE id = $2", values: vec![Value::Int(5), Value::Int(1)] });
        b.push(Write { sql: "INSERT INTO u (x) VALUES ($1)", values: vec![Value::Text("x".into())] });
        for kind in ["first", "second"] {
            b.push_row(Row {
                insert: "INSERT INTO audit (kind, at) VALUES",
                tuple: "($1, $2)",
                values: vec![Value::Text(kind.into()), Value::Int(9)],
            });
        }
        b
    }

    #[test]
    fn placeholders_are_numbered_across_the_writes_and_events_keep_their_order() {
        let (sql, values) = batch().statement(Backend::Sqlite);
        assert_eq!(
            sql,
            "UPDATE t SET a = $1 WHERE id = $2;\nINSERT INTO u (x) VALUES ($3);\n\
             INSERT INTO audit (kind, at) VALUES ($4, $5), ($6, $7)"
        );
        assert_eq!(values.len(), 7);
        assert_eq!(values[3], Value::Text("first".into()));
        assert_eq!(values[5], Value::Text("second".into()));
    }

    #[test]
    fn on_postgres_the_writes_are_parts_of_one_statement() {
        let (sql, _) = batch().statement(Backend::Postgres);
        assert_eq!(
            sql,
            "WITH w0 AS (UPDATE t SET a = $1 WHERE id = $2), w1 AS (INSERT INTO u (x) VALUES ($3)) \
             INSERT INTO audit (kind, at) VALUES ($4, $5), ($6, $7)"
        );
        let mut one = Batch::default();
        one.push(Write { sql: "DELETE FROM t WHERE id = $1", values: vec![Value::Int(1)] });
        assert_eq!(one.statement(Backend::Postgres).0, "DELETE FROM t WHERE id = $1");
    }

    #[test]
    fn a_write_kept_for_a_row_replaces_the_one_kept_for_it_before() {
        let mut b = Batch::default();
        let session = || ("sessions", vec![1u8]);
        b.push_for(session(), Write { sql: "UPDATE s SET seen = $1", values: vec![Value::Int(1)] });
        b.push(Write { sql: "INSERT INTO a VALUES ($1)", values: vec![Value::Int(2)] });
        b.push_for(session(), Write { sql: "DELETE FROM s", values: vec![] });
        assert_eq!(b.statement(Backend::Sqlite).0, "INSERT INTO a VALUES ($1);\nDELETE FROM s");
    }

    #[test]
    fn a_dollar_without_digits_is_left_alone() {
        assert_eq!(renumber("SELECT '$' || $1 || $12", 3), "SELECT '$' || $4 || $15");
    }
}
