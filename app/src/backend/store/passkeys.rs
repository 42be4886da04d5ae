//! `passkeys`, `passkey_ceremonies`: an account's passkeys (the relying-party library's
//! record of each as JSON, with its counter and backup flags beside it) and the ceremonies
//! begun and not yet finished, one per session and kind; `passkey_login_marks`: the
//! ceremonies of logins with a passkey alone that were answered (the ceremony itself is sealed
//! in the browser).

use super::Conn;
use crate::domain::time::Timestamp;

/// A passkey as stored.
#[derive(sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub credential_id: Vec<u8>,
    pub name: String,
    /// The library's `Passkey`, as JSON.
    pub credential: String,
    /// The authenticator's signature counter at the key's last use (0: none yet, or an
    /// authenticator that keeps none).
    pub sign_count: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, credential_id, name, credential, sign_count, created_at, last_used_at";

/// The account's passkeys, oldest first.
pub async fn of_user(conn: &mut Conn, user_id: i64) -> Result<Vec<PasskeyRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(conn).await
}

/// The account whose passkey has the authenticator's id `credential_id`, if any.
pub async fn owner_of(conn: &mut Conn, credential_id: &[u8]) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM passkeys WHERE credential_id = $1")
        .bind(credential_id)
        .fetch_optional(conn)
        .await
}

/// How many passkeys the account has.
pub async fn count_of_user(conn: &mut Conn, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM passkeys WHERE user_id = $1").bind(user_id).fetch_one(conn).await
}

/// What a new passkey is stored with. Its counter and backup flags are the columns' zeros
/// until its first use: the library keeps the registration's own in `credential`.
pub struct NewPasskey<'a> {
    pub user_id: i64,
    pub credential_id: &'a [u8],
    pub name: &'a str,
    pub credential: &'a str,
}

/// Stores a new passkey; `None` when its credential id is stored already (for any account).
pub async fn insert(conn: &mut Conn, new: NewPasskey<'_>, now: Timestamp) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, credential_id, name, credential, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING RETURNING id",
    )
    .bind(new.user_id)
    .bind(new.credential_id)
    .bind(new.name)
    .bind(new.credential)
    .bind(now.0)
    .fetch_optional(conn)
    .await
}

/// What a passkey's use leaves in its row.
pub struct Use<'a> {
    pub id: i64,
    /// The library's record with the new counter and backup state, as JSON.
    pub credential: &'a str,
    pub sign_count: u32,
    pub backup_eligible: bool,
    pub backed_up: bool,
}

/// After a passkey was used: its record, counter and backup flags, and when.
pub async fn set_used(conn: &mut Conn, used: Use<'_>, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE passkeys SET credential = $1, sign_count = $2, backup_eligible = $3, backed_up = $4, last_used_at = $5
         WHERE id = $6",
    )
    .bind(used.credential)
    .bind(i64::from(used.sign_count))
    .bind(i64::from(used.backup_eligible))
    .bind(i64::from(used.backed_up))
    .bind(now.0)
    .bind(used.id)
    .execute(conn)
    .await
    .map(drop)
}

/// Renames the account's passkey `id`; whether there was one.
pub async fn rename(conn: &mut Conn, user_id: i64, id: i64, name: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND user_id = $3")
        .bind(name)
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes the account's passkey `id`; its name, if there was one.
pub async fn delete(conn: &mut Conn, user_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// A ceremony begun: the library's state as JSON, and an enrolment's name.
#[derive(sqlx::FromRow)]
pub struct CeremonyRow {
    pub state: String,
    pub name: Option<String>,
}

/// Keeps the state of a ceremony the session began, in place of one of the same kind.
pub async fn begin_ceremony(
    conn: &mut Conn,
    session_hash: &[u8],
    kind: &str,
    state: &str,
    name: Option<&str>,
    expires_at: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO passkey_ceremonies (session_hash, kind, state, name, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_hash, kind) DO UPDATE SET state = excluded.state, name = excluded.name,
             expires_at = excluded.expires_at",
    )
    .bind(session_hash)
    .bind(kind)
    .bind(state)
    .bind(name)
    .bind(expires_at.0)
    .execute(conn)
    .await
    .map(drop)
}

/// Takes the session's ceremony of `kind` (it is gone after, whatever comes of it), if it has
/// not expired at `now`.
pub async fn take_ceremony(
    conn: &mut Conn,
    session_hash: &[u8],
    kind: &str,
    now: Timestamp,
) -> Result<Option<CeremonyRow>, sqlx::Error> {
    let row: Option<(String, Option<String>, i64)> = sqlx::query_as(
        "DELETE FROM passkey_ceremonies WHERE session_hash = $1 AND kind = $2 RETURNING state, name, expires_at",
    )
    .bind(session_hash)
    .bind(kind)
    .fetch_optional(conn)
    .await?;
    Ok(row.filter(|r| r.2 > now.0).map(|(state, name, _)| CeremonyRow { state, name }))
}

/// Forgets ceremonies that expired before `now` (housekeeping).
pub async fn delete_expired_ceremonies(conn: &mut Conn, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at <= $1").bind(now.0).execute(conn).await.map(drop)
}

/// Marks the login ceremony whose sealed state hashes to `id_hash` answered; `false` when it
/// was answered before (a replay, or a parallel request got there first).
pub async fn mark_login(conn: &mut Conn, id_hash: &[u8], expires_at: Timestamp) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO passkey_login_marks (id_hash, expires_at) VALUES ($1, $2) ON CONFLICT (id_hash) DO NOTHING",
    )
    .bind(id_hash)
    .bind(expires_at.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the marks of login ceremonies that would have expired by `now` anyway (housekeeping).
pub async fn delete_expired_login_marks(conn: &mut Conn, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM passkey_login_marks WHERE expires_at <= $1").bind(now.0).execute(conn).await.map(drop)
}
