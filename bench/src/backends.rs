//! The databases the figures are measured on: a new SQLite file, or a new database on the
//! PostgreSQL server the `PG*` variables name (`./x bench` runs inside `pg_virtualenv`, which
//! sets them).

use std::path::Path;

use app::backend::db::Location;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite always; PostgreSQL when a server is named.
    pub fn available() -> Vec<Backend> {
        let mut all = vec![Backend::Sqlite];
        if std::env::var_os("PGHOST").is_some() || std::env::var_os("PGPORT").is_some() {
            all.push(Backend::Postgres);
        } else {
            eprintln!("bench: no PostgreSQL named (PGHOST): its figures are left out; `./x bench` runs them");
        }
        all
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// A new, empty database: the value of `RIEGEL_DATABASE` for it.
    pub async fn new_database(self, dir: &Path) -> String {
        match self {
            Backend::Sqlite => dir.join("riegel.sqlite").to_string_lossy().into_owned(),
            Backend::Postgres => {
                match app::backend::db::new_postgres_database("riegel_bench").await.expect("the PostgreSQL server") {
                    Location::Postgres(url) => url,
                    Location::Sqlite(_) => unreachable!("a PostgreSQL database"),
                }
            }
        }
    }
}

/// The database a `RIEGEL_DATABASE` value names, opened (and migrated) from the bench.
pub async fn open(database: &str) -> sqlx::AnyPool {
    let location: Location = database.parse().expect("a database");
    app::backend::db::open(&location, &Default::default()).await.expect("the database").pool
}
