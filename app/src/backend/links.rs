//! Single-use e-mail links (SPEC 6.1–6.3; rules in `domain::links`): issue, look up, use.

use sqlx::AnyConnection;

use super::{
    AppState,
    crypto::{Keys, Purpose, Secret, random_token},
};
use crate::{
    domain::{
        links::{self, LinkKind, LinkState},
        time::Timestamp,
    },
    wire::AppError,
};

fn token_hash(keys: &Keys, kind: LinkKind, token: &str) -> Vec<u8> {
    keys.keyed_hash(Purpose::Link, format!("{}:{token}", kind.as_str()).as_bytes())
}

/// A new link for `user_id`; older open links of the same kind for the account become void.
/// Returns the full URL to e-mail.
pub async fn issue(
    conn: &mut AnyConnection,
    state: &AppState,
    kind: LinkKind,
    user_id: i64,
    by: Option<i64>,
    now: Timestamp,
) -> Result<Secret<String>, sqlx::Error> {
    sqlx::query("UPDATE links SET state = 'void' WHERE user_id = $1 AND kind = $2 AND state = 'open'")
        .bind(user_id)
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    let token = random_token();
    sqlx::query(
        "INSERT INTO links (kind, user_id, token_hash, created_by, created_at, expires_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, 'open')",
    )
    .bind(kind.as_str())
    .bind(user_id)
    .bind(token_hash(&state.keys, kind, token.expose()))
    .bind(by)
    .bind(now.0)
    .bind(now.plus_secs(kind.ttl_secs(&state.config.policy)).0)
    .execute(&mut *conn)
    .await?;
    Ok(Secret::new(format!("{}{}?token={}", state.config.link_origin, kind.path(), token.expose())))
}

/// An open link's id and account.
#[derive(Clone, Copy, Debug)]
pub struct OpenLink {
    pub id: i64,
    pub user_id: i64,
}

/// The link behind `token` if it may be used now (by `presenter`, when given); otherwise
/// `AppError::LinkInvalid`, the same for unknown, used, void, expired and foreign links.
pub async fn find(
    conn: &mut AnyConnection,
    keys: &Keys,
    kind: LinkKind,
    token: &str,
    presenter: Option<i64>,
    now: Timestamp,
) -> Result<OpenLink, AppError> {
    let row: Option<(i64, i64, i64, String)> =
        sqlx::query_as("SELECT id, user_id, expires_at, state FROM links WHERE token_hash = $1 AND kind = $2")
            .bind(token_hash(keys, kind, token.trim()))
            .bind(kind.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some((id, user_id, expires_at, state))
            if LinkState::parse(&state)
                .is_some_and(|s| links::usable(s, Timestamp(expires_at), user_id, presenter, now)) =>
        {
            Ok(OpenLink { id, user_id })
        }
        _ => Err(AppError::LinkInvalid),
    }
}

/// Marks a link used. Only the first of two racing requests succeeds.
pub async fn use_once(conn: &mut AnyConnection, link: OpenLink) -> Result<(), AppError> {
    let done = sqlx::query("UPDATE links SET state = 'used' WHERE id = $1 AND state = 'open'")
        .bind(link.id)
        .execute(conn)
        .await?
        .rows_affected();
    if done == 1 { Ok(()) } else { Err(AppError::LinkInvalid) }
}
