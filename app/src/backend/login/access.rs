//! The gate of every request that needs a login: the request's live session (SPEC 1.7) and,
//! for the portal, the logged-in account (the member, the admin, the support agent).
//!
//! Rules:
//! - A session is live until `session_idle_secs` without a request or `session_absolute_secs`
//!   after it began; a look refreshes its last-seen time at most every `session_touch_secs`
//!   and ends an expired one. Both writes go through the write path: inside the caller's
//!   write transaction, or (for a read-only request) a short write transaction of their own.
//! - The portal needs the `Authenticated` stage and an account that is not disabled.
//! - Only an organisation's `admin` manages colleagues (6.1); only a `support` agent opens
//!   the support console (6.4); the portal area needs an organisation.

use sqlx::{AnyConnection, pool::PoolConnection};

use super::sessions::{self, Session, Upkeep};
use crate::{
    backend::{db, request::RequestCtx, state::AppState, store},
    domain::{login::LoginState, role::Role},
    wire::AppError,
};

/// The logged-in account: who it is, and the facts the TAN system decides on.
pub type Member = store::users::MemberRow;

impl Member {
    /// The member's organisation, for the portal area.
    pub fn organisation_id(&self) -> Result<i64, AppError> {
        self.organisation_id.ok_or(AppError::NoOrganisation)
    }

    /// The organisation an admin manages (SPEC 6.1).
    pub fn admin_of(&self) -> Result<i64, AppError> {
        match self.organisation_id {
            Some(org) if self.role == Role::Admin => Ok(org),
            _ => Err(AppError::Forbidden),
        }
    }

    /// A support agent's id (SPEC 6.4).
    pub fn agent_id(&self) -> Result<i64, AppError> {
        if self.role == Role::Support { Ok(self.id) } else { Err(AppError::Forbidden) }
    }
}

/// The request's live session at any stage, with its account locked (everything counted per
/// account, see `db::locks`) and its upkeep done in the caller's write transaction.
pub async fn session(tx: &mut db::WriteTx, state: &AppState, ctx: &RequestCtx) -> Result<Session, AppError> {
    let token = ctx.session_token.as_ref().ok_or(AppError::NotAuthenticated)?;
    let hash = sessions::id_hash(&state.keys, token);
    // The account is locked before the session is read: what is read is then current.
    tx.lock_session_account(&hash, &[]).await?;
    let (session, upkeep) = sessions::look(tx, &state.keys, token, ctx.now, &state.config.policy).await?;
    if let Some(s) = &session {
        tx.own_session_account(s.user_id)?;
    }
    sessions::keep(tx, &hash, upkeep, ctx.now);
    session.ok_or(AppError::NotAuthenticated)
}

/// The request's live session at any stage, for a request that only reads; its upkeep, when
/// one is due, is a write transaction of its own.
pub async fn session_reading(
    conn: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Session, AppError> {
    let token = ctx.session_token.as_ref().ok_or(AppError::NotAuthenticated)?;
    let (session, upkeep) = sessions::look(conn, &state.keys, token, ctx.now, &state.config.policy).await?;
    if upkeep != Upkeep::Nothing {
        let mut tx = state.writer.begin().await?;
        sessions::keep(&mut tx, &sessions::id_hash(&state.keys, token), upkeep, ctx.now);
        tx.commit().await?;
    }
    session.ok_or(AppError::NotAuthenticated)
}

/// The session behind the request's token with its account, in one read, and the look's
/// upkeep (due even when the session is no longer live).
async fn session_and_member(
    conn: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
    hash: &[u8],
) -> Result<(Upkeep, Result<(Session, Member), AppError>), AppError> {
    let Some(row) = store::users::member_of_session(conn, hash).await? else {
        return Ok((Upkeep::Nothing, Err(AppError::NotAuthenticated)));
    };
    let (session, upkeep) = sessions::judge_row(hash.to_vec(), row.session, ctx.now, &state.config.policy);
    let member = match session {
        Some(s) if s.stage == LoginState::Authenticated && row.disabled_at.is_none() => Ok((s, row.member)),
        _ => Err(AppError::NotAuthenticated),
    };
    Ok((upkeep, member))
}

fn token_hash(state: &AppState, ctx: &RequestCtx) -> Result<Vec<u8>, AppError> {
    let token = ctx.session_token.as_ref().ok_or(AppError::NotAuthenticated)?;
    Ok(sessions::id_hash(&state.keys, token))
}

/// The logged-in account of a use case that writes, in its transaction: the account locked
/// first, then the session and the account in one read; the session's upkeep goes with the
/// commit.
pub async fn member(tx: &mut db::WriteTx, state: &AppState, ctx: &RequestCtx) -> Result<(Session, Member), AppError> {
    let hash = token_hash(state, ctx)?;
    tx.lock_session_account(&hash, &[]).await?;
    let (upkeep, found) = session_and_member(tx, state, ctx, &hash).await?;
    let (session, member) = found?;
    tx.own_session_account(member.id)?;
    sessions::keep(tx, &hash, upkeep, ctx.now);
    Ok((session, member))
}

/// The logged-in account of a request that only reads, with a read connection to go on with.
pub async fn member_reading(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<(PoolConnection<sqlx::Any>, Session, Member), AppError> {
    let mut conn = state.pool.acquire().await?;
    let hash = token_hash(state, ctx)?;
    let (upkeep, found) = session_and_member(&mut conn, state, ctx, &hash).await?;
    if upkeep != Upkeep::Nothing {
        let mut tx = state.writer.begin().await?;
        sessions::keep(&mut tx, &hash, upkeep, ctx.now);
        tx.commit().await?;
    }
    let (session, member) = found?;
    Ok((conn, session, member))
}
