//! The two sets of migrations build the same schema: every table, column (type, nullability,
//! default), primary key, foreign key, unique constraint, index (columns, unique, partial) and
//! the number of CHECK constraints per table agree between SQLite and PostgreSQL.
//!
//! Needs PostgreSQL: `./x test` runs it inside a throwaway cluster, with `RIEGEL_TEST_POSTGRES`
//! set, and leaves it out of the SQLite pass.

use std::collections::BTreeSet;

use app::backend::db::{self, Backend, Location};
use sqlx::AnyPool;

use crate::harness::new_database;

/// One fact about the schema, in words both backends share.
type Facts = BTreeSet<String>;

/// SQLite's declared types as PostgreSQL names them.
fn pg_type(sqlite: &str) -> &'static str {
    match sqlite {
        "INTEGER" => "bigint",
        "TEXT" => "text",
        "BLOB" => "bytea",
        other => panic!("a column type the PostgreSQL migrations do not map: {other}"),
    }
}

async fn rows(pool: &AnyPool, sql: &str) -> Vec<Vec<String>> {
    use sqlx::Row;
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).fetch_all(pool).await.unwrap();
    rows.iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    r.try_get::<Option<String>, _>(i)
                        .map(Option::unwrap_or_default)
                        .or_else(|_| r.try_get::<i64, _>(i).map(|n| n.to_string()))
                        .unwrap()
                })
                .collect()
        })
        .collect()
}

async fn sqlite_facts(pool: &AnyPool) -> Facts {
    let mut facts = Facts::new();
    let tables = rows(
        pool,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_sqlx_migrations'",
    )
    .await;
    for t in &tables {
        let (table, sql) = (&t[0], &t[1]);
        facts.insert(format!("table {table}"));
        facts.insert(format!("{table}: {} checks", sql.matches("CHECK (").count()));
        let cols =
            rows(pool, &format!("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')"))
                .await;
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in &cols {
            let not_null = c[2] == "1" || c[4] != "0";
            // An `id INTEGER PRIMARY KEY` is SQLite's row id, numbered by the database.
            let row_id = c[0] == "id" && c[4] == "1" && c[1].eq_ignore_ascii_case("INTEGER");
            let default = if row_id { "(numbered)".to_owned() } else { c[3].clone() };
            facts.insert(format!("{table}.{} {} {} default {default}", c[0], pg_type(&c[1]), null_word(not_null)));
            if c[4] != "0" {
                pk.push((c[4].parse().unwrap(), c[0].clone()));
            }
        }
        pk.sort();
        facts.insert(format!(
            "{table}: primary key ({})",
            pk.into_iter().map(|(_, c)| c).collect::<Vec<_>>().join(", ")
        ));
        let fks = rows(
            pool,
            &format!("SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"),
        )
        .await;
        for f in fks {
            facts.insert(format!("{table}.{} references {}({}) on delete {}", f[1], f[0], f[2], f[3]));
        }
        let indexes =
            rows(pool, &format!("SELECT name, \"unique\", origin, partial FROM pragma_index_list('{table}')")).await;
        for i in indexes {
            let cols = rows(pool, &format!("SELECT name FROM pragma_index_info('{}') ORDER BY seqno", i[0])).await;
            let cols = cols.into_iter().map(|c| c[0].clone()).collect::<Vec<_>>().join(", ");
            match i[2].as_str() {
                "u" => facts.insert(format!("{table}: unique ({cols})")),
                "c" => facts.insert(format!(
                    "{table}: index {} ({cols}){}{}",
                    i[0],
                    if i[1] == "1" { " unique" } else { "" },
                    if i[3] == "1" { " partial" } else { "" }
                )),
                _ => true, // the primary key's own index, already a fact above
            };
        }
    }
    facts
}

fn null_word(not_null: bool) -> &'static str {
    if not_null { "not null" } else { "null" }
}

async fn postgres_facts(pool: &AnyPool) -> Facts {
    let mut facts = Facts::new();
    let tables = rows(
        pool,
        "SELECT c.relname::text, (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c')
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname != '_sqlx_migrations'",
    )
    .await;
    for t in &tables {
        let table = &t[0];
        facts.insert(format!("table {table}"));
        facts.insert(format!("{table}: {} checks", t[1]));
        let cols = rows(
            pool,
            &format!(
                "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text, is_identity::text
                 FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = '{table}'"
            ),
        )
        .await;
        for c in cols {
            let default =
                if c[4] == "YES" { "(numbered)".to_owned() } else { c[3].trim_end_matches("::text").to_owned() };
            facts.insert(format!("{table}.{} {} {} default {default}", c[0], c[1], null_word(c[2] == "NO")));
        }
        let keys = rows(
            pool,
            &format!(
                "SELECT k.contype::text, (SELECT string_agg(a.attname, ', ' ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(n, ord)
                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n),
                        coalesce(k.confrelid::regclass::text, ''),
                        coalesce((SELECT string_agg(a.attname, ', ') FROM unnest(k.confkey) u(n)
                                  JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n), ''),
                        k.confdeltype::text
                 FROM pg_constraint k WHERE k.conrelid = '{table}'::regclass AND k.contype IN ('p', 'u', 'f')"
            ),
        )
        .await;
        for k in keys {
            let on_delete = match k[4].as_str() {
                "c" => "CASCADE",
                "n" => "SET NULL",
                _ => "NO ACTION",
            };
            facts.insert(match k[0].as_str() {
                "p" => format!("{table}: primary key ({})", k[1]),
                "u" => format!("{table}: unique ({})", k[1]),
                _ => format!("{table}.{} references {}({}) on delete {on_delete}", k[1], k[2], k[3]),
            });
        }
        let indexes = rows(
            pool,
            &format!(
                "SELECT c.relname::text, i.indisunique::text, (i.indpred IS NOT NULL)::text,
                        (SELECT string_agg(a.attname, ', ' ORDER BY u.ord) FROM unnest(i.indkey) WITH ORDINALITY u(n, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n)
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 WHERE i.indrelid = '{table}'::regclass
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u'))"
            ),
        )
        .await;
        for i in indexes {
            facts.insert(format!(
                "{table}: index {} ({}){}{}",
                i[0],
                i[3],
                if i[1] == "true" { " unique" } else { "" },
                if i[2] == "true" { " partial" } else { "" }
            ));
        }
    }
    facts
}

#[tokio::test]
async fn both_sets_of_migrations_build_the_same_schema() {
    assert!(
        std::env::var_os("RIEGEL_TEST_POSTGRES").is_some(),
        "this test needs PostgreSQL: run `./x test`, or `pg_virtualenv env RIEGEL_TEST_POSTGRES=1 cargo test -p server schema`"
    );
    assert_eq!(
        db::SQLITE_MIGRATOR.iter().map(|m| (m.version, m.description.to_string())).collect::<Vec<_>>(),
        db::POSTGRES_MIGRATOR.iter().map(|m| (m.version, m.description.to_string())).collect::<Vec<_>>(),
        "the same numbered migrations for both backends"
    );
    let dir = tempfile::tempdir().unwrap();
    let sqlite = db::open(&new_database(Backend::Sqlite, dir.path()).await, &Default::default()).await.unwrap();
    let location = new_database(Backend::Postgres, dir.path()).await;
    assert!(matches!(location, Location::Postgres(_)));
    let postgres = db::open(&location, &Default::default()).await.unwrap();
    let (s, p) = (sqlite_facts(&sqlite.pool).await, postgres_facts(&postgres.pool).await);
    assert!(s.len() > 150, "the schema was read: {s:#?}");
    let only_sqlite: Vec<_> = s.difference(&p).collect();
    let only_postgres: Vec<_> = p.difference(&s).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ.\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
}
