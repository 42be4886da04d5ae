//! PostgreSQL notifications (`pg_notify`): the wake-ups that reach every instance's listener.

/// Sends `payload` on `channel`. On the pool, outside any transaction: a wake-up follows a
/// commit. PostgreSQL only.
pub async fn pg_notify(pool: &sqlx::AnyPool, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    // Counted, so the row holds a type the `Any` driver knows (`pg_notify` returns `void`).
    sqlx::query("SELECT count(*) FROM (SELECT pg_notify($1, $2)) AS n")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await
        .map(drop)
}
