//! Storage: every SQL statement of the app, behind typed functions grouped by table family
//! (one module per family, named for its tables).
//!
//! - Services and the shared rules above call these functions; they never write SQL and never
//!   see an SQLite or PostgreSQL connection, only [`Conn`] (sqlx's `AnyConnection`, which a
//!   pool connection and a [`WriteTx`](super::db::WriteTx) both dereference to; some older
//!   signatures above still spell it `AnyConnection`). Two statements run on the pool outside
//!   any transaction: the health check ([`ping`]) and [`notify::pg_notify`].
//! - A function here decides nothing: it reads or writes what it is told, and returns rows as
//!   named structs or plain values. Policy (quotas, locks, expiry) is decided above, with the
//!   times passed in; secrets arrive here already hashed or sealed.
//! - Each statement is written once for both backends (`$1` placeholders, times as integer
//!   seconds, `CASE` instead of two-argument `max`, conditions read through
//!   [`Flag`](super::db::Flag)). Where SQLite and PostgreSQL differ, the difference is in
//!   [`db`](super::db): how a connection is set up, which migrations run, how a write
//!   transaction takes its lock. One module is for PostgreSQL alone: [`notify`], the wake-up
//!   that crosses instances (`backend::events` calls it only on PostgreSQL); one for SQLite
//!   alone: [`backup`], the copy `server backup` writes.
//! - Storage imports only `domain` and `backend::db`; the test at the end of this file holds
//!   every layer above to "no SQL outside `backend/store/`".

pub(crate) mod anonymous_requests;
pub(crate) mod audit_events;
pub(crate) mod backup;
pub(crate) mod bank_accounts;
pub(crate) mod challenges;
pub(crate) mod code_sends;
pub(crate) mod email_changes;
pub(crate) mod invoices;
pub(crate) mod links;
pub(crate) mod login_failures;
pub(crate) mod notify;
pub(crate) mod oidc_clients;
pub(crate) mod oidc_grants;
pub(crate) mod oidc_keys;
pub(crate) mod organisations;
pub(crate) mod outbox;
pub(crate) mod passkeys;
pub(crate) mod push;
pub(crate) mod recovery_codes;
pub(crate) mod registrations;
pub(crate) mod sessions;
pub(crate) mod sms_sends;
pub(crate) mod steps;
pub(crate) mod tans;
pub(crate) mod totp;
pub(crate) mod users;
pub(crate) mod web_push;
pub(crate) mod wrong_entries;

/// The connection type storage functions take (a pool connection or a write transaction).
pub type Conn = sqlx::AnyConnection;

/// Whether the database answers (`/healthz`).
pub async fn ping(pool: &sqlx::AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(drop)
}
#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// What a newcomer is promised: SQL is found in `backend/store/` and nowhere else in the
    /// app, and storage names no layer above it.
    #[test]
    fn sql_lives_only_in_the_storage_layer() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let store = src.join("backend/store");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        assert!(files.len() > 50, "found only {} files under {}", files.len(), src.display());
        let mut offences = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let in_store = file.starts_with(&store);
            let shown = file.strip_prefix(&src).unwrap_or(file).display().to_string();
            // The connection setup and the write lock of each backend live in `db/`.
            if !in_store && !file.starts_with(src.join("backend/db")) {
                for needle in ["sqlx::query", "AssertSqlSafe", "query_as(", "query_scalar("] {
                    if text.contains(needle) {
                        offences.push(format!("{shown}: `{needle}` outside backend/store/"));
                    }
                }
            }
            if in_store && file.file_name().is_some_and(|n| n != "mod.rs") {
                // Only `backend::db` and `backend::store` of the backend, and `domain`.
                for (i, _) in text.match_indices("backend::") {
                    let rest = &text[i + "backend::".len()..];
                    if !(rest.starts_with("db") || rest.starts_with("store")) {
                        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        offences.push(format!("{shown}: storage names `backend::{name}`, a layer above it"));
                    }
                }
                // Spelt in two halves, so this file does not itself name the layers it forbids.
                for above in ["wire", "api", "pages"]
                    .map(|m| format!("crate::{m}"))
                    .into_iter()
                    .chain(["backend::services".to_owned(), "AppState".to_owned()])
                {
                    if text.contains(&above) {
                        offences.push(format!("{shown}: storage names `{above}`, a layer above it"));
                    }
                }
            }
        }
        assert!(offences.is_empty(), "{}", offences.join("\n"));
    }
}
