//! A session at an MFA step (setup or login challenge) with its account and its challenge
//! row, and the challenge's state as stored (SPEC 3.3): `open` with its failures, `verified`,
//! or `exhausted` after `code_max_failures` (5) wrong entries, when a new code must be
//! requested. A lock in force (4.1) stops every MFA step.

use sqlx::AnyConnection;

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{self, LockKey},
        factor::wrong_entries::{self, Admission},
        limits::{account_lock, network::network_of},
        login::sessions::{self, Session, Upkeep},
        request::RequestCtx,
        state::AppState,
        store::challenges::ChallengeRow,
        store::{self, users::MfaAccountRow},
    },
    domain::{
        login::LoginState,
        mfa::{self, ChallengeEvent, ChallengeState, Factor, Method, Purpose},
        quota::{self, Usage},
    },
    wire::{AppError, InputError},
};

/// The account facts an MFA step decides on.
pub struct Account {
    pub id: i64,
    pub email: String,
    pub phone_e164: Option<String>,
    /// The factor of the last successful login; `None` for an account that never passed one.
    pub last_factor: LastFactor,
    pub origin: String,
    pub locked_until: Option<i64>,
}

/// `users.last_mfa_method` as read: a factor, or nothing usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastFactor(pub Option<Factor>);

/// Never fails: an unknown name is no factor.
impl From<String> for LastFactor {
    fn from(s: String) -> Self {
        LastFactor(Factor::parse(&s))
    }
}

impl From<MfaAccountRow> for Account {
    fn from(r: MfaAccountRow) -> Self {
        Account {
            id: r.id,
            email: r.email,
            phone_e164: r.phone_e164,
            last_factor: LastFactor::from(r.last_factor),
            origin: r.origin,
            locked_until: r.locked_until,
        }
    }
}

/// The challenge as stored: its state and channel, read as the domain's types.
impl ChallengeRow {
    pub fn state(&self) -> ChallengeState {
        match self.state.as_str() {
            "verified" => ChallengeState::Verified,
            "exhausted" => ChallengeState::Exhausted,
            _ => ChallengeState::Open { failures: u32::try_from(self.failures).unwrap_or(u32::MAX) },
        }
    }

    /// The channel the challenge sends its codes on.
    pub fn method(&self) -> Method {
        Method::parse(&self.method).unwrap_or(Method::Sms)
    }
}

/// Stores a challenge's new state, with the transaction's commit.
pub fn set_state(tx: &mut db::WriteTx, challenge_id: i64, next: ChallengeState) {
    tx.later(store::challenges::set_state(challenge_id, next));
}

/// A session at one of the MFA steps, with its account and challenge.
pub struct Step {
    pub session: Session,
    pub purpose: Purpose,
    pub account: Account,
    pub challenge: Option<ChallengeRow>,
    /// The account's wrong second-factor entries in the rolling window (SPEC 4.6).
    pub wrong_entries: Usage,
}

impl Step {
    /// The step's challenge, or the page the session belongs on.
    pub fn challenge(&self) -> Result<&ChallengeRow, AppError> {
        self.challenge.as_ref().ok_or_else(|| AppError::WrongStep { home: self.session.stage.home().to_owned() })
    }
}

/// The step of the session stored under `hash`, read in one statement.
async fn step_of(
    conn: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
    hash: Vec<u8>,
) -> Result<(Step, Upkeep), AppError> {
    let policy = &state.config.policy;
    let window_start = quota::window_start(ctx.now, policy.quota_window_secs);
    let row = store::steps::of_session(conn, &hash, window_start.0).await?.ok_or(AppError::NotAuthenticated)?;
    let (account, challenge) = (Account::from(row.account()), row.challenge());
    let wrong_entries = Usage::counted(row.wrong_entries, row.oldest_wrong_entry);
    let (session, upkeep) = sessions::judge_row(hash, row.session, ctx.now, policy);
    let session = session.ok_or(AppError::NotAuthenticated)?;
    let purpose = match session.stage {
        LoginState::SetupRequired | LoginState::PhoneReset => Purpose::Setup,
        LoginState::ChallengeRequired | LoginState::ResetChallenge => Purpose::Login,
        other => return Err(AppError::WrongStep { home: other.home().to_owned() }),
    };
    // A lock stops every login in progress, not only the one that exceeded the quota.
    if let Some(until) = account_lock::in_force(account.locked_until, ctx.now) {
        return Err(account_lock::locked_error(state, ctx, until));
    }
    Ok((Step { session, purpose, account, challenge, wrong_entries }, upkeep))
}

fn session_hash(state: &AppState, ctx: &RequestCtx) -> Result<Vec<u8>, AppError> {
    let token = ctx.session_token.as_ref().ok_or(AppError::NotAuthenticated)?;
    Ok(sessions::id_hash(&state.keys, token))
}

/// The request's MFA step, in a use case that writes: its account locked first (on
/// PostgreSQL one statement), then the session, account, challenge and wrong entries in one
/// read; the session's upkeep goes with the commit.
pub async fn load(tx: &mut db::WriteTx, state: &AppState, ctx: &RequestCtx) -> Result<Step, AppError> {
    load_locking(tx, state, ctx, &[]).await
}

/// [`load`] for a step that may send an SMS: the network's SMS cap is locked with the
/// account, in the same statement.
pub async fn load_to_send(tx: &mut db::WriteTx, state: &AppState, ctx: &RequestCtx) -> Result<Step, AppError> {
    load_locking(tx, state, ctx, &[LockKey::SmsNetwork(network_of(ctx.ip))]).await
}

async fn load_locking(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    also: &[LockKey],
) -> Result<Step, AppError> {
    let hash = session_hash(state, ctx)?;
    tx.lock_session_account(&hash, also).await?;
    let (step, upkeep) = step_of(tx, state, ctx, hash).await?;
    tx.own_session_account(step.account.id)?;
    sessions::keep(tx, &step.session.id_hash, upkeep, ctx.now);
    Ok(step)
}

/// The request's MFA step, for a request that only reads; the session's upkeep, when one is
/// due, is a write transaction of its own.
pub async fn load_reading(conn: &mut AnyConnection, state: &AppState, ctx: &RequestCtx) -> Result<Step, AppError> {
    let (step, upkeep) = step_of(conn, state, ctx, session_hash(state, ctx)?).await?;
    if upkeep != Upkeep::Nothing {
        let mut tx = state.writer.begin().await?;
        sessions::keep(&mut tx, &step.session.id_hash, upkeep, ctx.now);
        tx.commit().await?;
    }
    Ok(step)
}

/// The challenge of the session stored under `session_hash`, if it has one.
pub async fn challenge_of(conn: &mut AnyConnection, session_hash: &[u8]) -> Result<Option<ChallengeRow>, sqlx::Error> {
    store::challenges::of_session(conn, session_hash).await
}

/// The login challenge of this session, open for another factor than a sent code (an app's
/// code, a recovery code, a push): the transaction, the step, the challenge's id and state.
/// A forgotten password's challenge is refused: it needs the phone (or support).
pub async fn login_challenge(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<(db::WriteTx, Step, i64, ChallengeState), AppError> {
    let mut tx = state.writer.begin().await?;
    let step = load(&mut tx, state, ctx).await?;
    let challenge = step.challenge()?;
    if step.session.stage != LoginState::ChallengeRequired {
        return Err(AppError::Input(InputError::MethodUnavailable));
    }
    let (challenge_id, current) = (challenge.id, challenge.state());
    if current == ChallengeState::Exhausted {
        return Err(AppError::ChallengeExhausted);
    }
    Ok((tx, step, challenge_id, current))
}

/// The login challenge of this session, for an entry of another factor than a sent code (an
/// app's code, a recovery code, an approved push): as [`login_challenge`], and past the
/// account's bound on wrong entries (SPEC 4.6) the entry is refused unchecked and the account
/// locks.
pub async fn login_entry(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<(db::WriteTx, Step, i64, ChallengeState), AppError> {
    let (mut tx, step, challenge_id, current) = login_challenge(state, ctx).await?;
    match wrong_entries::admit(&mut tx, state, ctx, step.account.id, step.wrong_entries).await? {
        Admission::Check => Ok((tx, step, challenge_id, current)),
        Admission::Locked(refusal) => state.refuse(tx, refusal).await,
    }
}

/// One failed try of a challenge, recorded and audited in the caller's transaction (a wrong
/// code, or a push the device denied). At a login challenge it counts for the account too
/// (SPEC 4.6). Returns what the user is told.
pub async fn count_failure(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    purpose: Purpose,
    challenge_id: i64,
    current: ChallengeState,
) -> Result<AppError, AppError> {
    let policy = &state.config.policy;
    let next = mfa::transition(current, ChallengeEvent::CodeRejected, policy).map_err(AppError::internal)?;
    set_state(tx, challenge_id, next);
    match purpose {
        Purpose::Login => wrong_entries::record(tx, ctx, user_id)?,
        Purpose::Setup => {}
    }
    let failures_now = match next {
        ChallengeState::Open { failures } => failures,
        _ => policy.code_max_failures,
    };
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::CodeRefused { user_id, purpose, failures: failures_now })
        .await?;
    if next == ChallengeState::Exhausted {
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::ChallengeExhausted { user_id, purpose }).await?;
        return Ok(AppError::ChallengeExhausted);
    }
    Ok(AppError::CodeWrong { tries_left: policy.code_max_failures.saturating_sub(failures_now) })
}

/// A wrong code (one-time, app or recovery): counts one failure, commits, and answers with
/// what the user is told.
pub async fn refuse_code<T>(
    state: &AppState,
    ctx: &RequestCtx,
    mut tx: db::WriteTx,
    step: &Step,
    challenge_id: i64,
    current: ChallengeState,
) -> Result<T, AppError> {
    let refusal = count_failure(&mut tx, state, ctx, step.account.id, step.purpose, challenge_id, current).await?;
    tx.commit().await?;
    Err(refusal)
}

/// A factor other than a sent code passed the login challenge: the session gets a new id,
/// logged in, from this IP as the trusted one. Returns the new token; the caller commits.
pub async fn pass_login_challenge(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    step: &Step,
    current: ChallengeState,
    proof: crate::domain::oidc::Proof,
) -> Result<crate::backend::tools::crypto::Secret<String>, AppError> {
    mfa::transition(current, ChallengeEvent::CodeAccepted, &state.config.policy).map_err(AppError::internal)?;
    let stage = crate::domain::login::transition(step.session.stage, crate::domain::login::LoginEvent::ChallengePassed)
        .map_err(AppError::internal)?;
    crate::backend::login::completion::complete(
        tx,
        state,
        ctx,
        step.account.id,
        &step.session.id_hash,
        stage,
        proof,
        false,
    )
    .await
}
