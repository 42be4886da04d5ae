//! Single-use e-mail links (SPEC 6.1–6.3; rules in `domain::links`): issue, look up, use.

use sqlx::AnyConnection;

use crate::{
    backend::{
        state::AppState,
        store,
        tools::crypto::{Keys, Purpose, Secret, random_token},
    },
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
    store::links::void_open(conn, user_id, kind).await?;
    let token = random_token();
    let hash = token_hash(&state.keys, kind, token.expose());
    let expires_at = now.plus_secs(kind.ttl_secs(&state.config.policy));
    store::links::insert_open(conn, kind, user_id, &hash, by, now, expires_at).await?;
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
    let row = store::links::by_token_hash(conn, &token_hash(keys, kind, token.trim()), kind).await?;
    match row {
        Some(r)
            if LinkState::parse(&r.state)
                .is_some_and(|s| links::usable(s, Timestamp(r.expires_at), r.user_id, presenter, now)) =>
        {
            Ok(OpenLink { id: r.id, user_id: r.user_id })
        }
        _ => Err(AppError::LinkInvalid),
    }
}

/// Marks a link used. Only the first of two racing requests succeeds.
pub async fn use_once(conn: &mut AnyConnection, link: OpenLink) -> Result<(), AppError> {
    let done = store::links::mark_used(conn, link.id).await?;
    if done == 1 { Ok(()) } else { Err(AppError::LinkInvalid) }
}
