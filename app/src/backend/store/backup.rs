//! A copy of the whole SQLite database (`server backup`). SQLite only: PostgreSQL's copy is
//! `pg_dump`, outside the server.

use super::Conn;

/// Writes a consistent copy of the database to `target`, which must not exist or be an empty
/// file. SQLite reads the copy in one read transaction, so writers go on meanwhile (WAL), and
/// the copy holds every transaction committed before it began and none after.
pub(crate) async fn vacuum_into(conn: &mut Conn, target: &str) -> Result<(), sqlx::Error> {
    sqlx::query("VACUUM INTO $1").bind(target).execute(conn).await.map(drop)
}
