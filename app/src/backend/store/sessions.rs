//! `sessions`: the login sessions (SPEC 1.7), each at a stage of the login, stored under the
//! hash of its id.

use super::Conn;
use crate::domain::login::LoginState;

/// Ends the account's sessions at any stage but `kept`; the rows affected.
pub async fn delete_for_user_except_stage(conn: &mut Conn, user_id: i64, kept: LoginState) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND stage <> $2")
        .bind(user_id)
        .bind(kept.as_str())
        .execute(conn)
        .await?
        .rows_affected())
}
