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
    tx.lock_session_account(&hash).await?;
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

async fn member_of(conn: &mut AnyConnection, session: Session) -> Result<(Session, Member), AppError> {
    if session.stage != LoginState::Authenticated {
        return Err(AppError::NotAuthenticated);
    }
    let member = store::users::member(conn, session.user_id).await?;
    Ok((session, member.ok_or(AppError::NotAuthenticated)?))
}

/// The logged-in account of a use case that writes, in its transaction.
pub async fn member(tx: &mut db::WriteTx, state: &AppState, ctx: &RequestCtx) -> Result<(Session, Member), AppError> {
    let s = session(tx, state, ctx).await?;
    member_of(tx, s).await
}

/// The logged-in account of a request that only reads, with a read connection to go on with.
pub async fn member_reading(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<(PoolConnection<sqlx::Any>, Session, Member), AppError> {
    let mut conn = state.pool.acquire().await?;
    let s = session_reading(&mut conn, state, ctx).await?;
    let (s, m) = member_of(&mut conn, s).await?;
    Ok((conn, s, m))
}
