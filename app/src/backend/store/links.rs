//! `links`: the single-use e-mail links (invitation, password reset, phone reset), stored
//! under the hash of their token, with their state and expiry.

use super::Conn;
use crate::{backend::db::Flag, domain::time::Timestamp};

/// Voids the account's open links of every kind.
pub async fn void_open_for_user(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE links SET state = 'void' WHERE user_id = $1 AND state = 'open'")
        .bind(user_id)
        .execute(conn)
        .await
        .map(drop)
}

/// Password-reset links made for the account after `since`, whatever became of them.
pub async fn count_password_resets_since(conn: &mut Conn, user_id: i64, since: Timestamp) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM links WHERE user_id = $1 AND kind = 'password_reset' AND created_at > $2")
        .bind(user_id)
        .bind(since.0)
        .fetch_one(conn)
        .await
}

/// Whether the account has an open phone-reset link not expired at `now`.
pub async fn phone_reset_open(conn: &mut Conn, user_id: i64, now: Timestamp) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, Flag>(
        "SELECT EXISTS (SELECT 1 FROM links WHERE user_id = $1 AND kind = 'phone_reset' AND state = 'open' AND expires_at > $2)",
    )
    .bind(user_id)
    .bind(now.0)
    .fetch_one(conn)
    .await?
    .0)
}
