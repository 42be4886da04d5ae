//! HTTP-level tests of the whole router against a fresh database each, SQLite or PostgreSQL
//! (one test binary; see `harness`).
//! They assert what a browser or an attacker sees: statuses, headers, bodies, cookies, and
//! the messages that reach the development outbox.

mod accounts;
mod assets;
mod attack_list;
mod attacks;
mod backup;
mod bounds;
mod concurrency;
mod delivery;
mod docs_links;
mod faults;
mod harness;
mod instances;
mod locked_instances;
mod locks_on_postgres;
mod login;
mod metrics;
mod mfa;
mod oidc;
mod oidc_waiting;
mod passkey_login;
mod passkey_tan;
mod passkeys;
mod postgres;
mod process;
mod prometheus;
mod providers;
mod push;
mod recovery_codes;
mod render_runtimes;
mod request_ids;
mod schema;
mod secrets;
mod settings;
mod slow_clients;
mod startup;
mod statements;
mod stop;
mod support;
mod tan;
mod totp;
mod web_push;
mod wrong_entries;
