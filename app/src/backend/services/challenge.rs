//! One-time-code challenges: MFA setup (SPEC 2.2–2.4) and the login challenge (3, 4).
//!
//! Every use case is one `BEGIN IMMEDIATE` transaction: load the session and its challenge,
//! let the domain decide (state machine, quota, cooldown), write the code, the quota count,
//! the outbox row and the audit event, commit, then wake the delivery worker.

use sqlx::SqliteConnection;

use super::RequestCtx;
use crate::{
    backend::{
        AppState,
        audit::{self, AuditEvent},
        crypto::{Purpose as HashPurpose, Secret, hashes_equal, random_code},
        db, messages,
        outbox::{self, NewMessage},
        phone::{self, PhoneError},
        sessions::{self, Session},
        timefmt,
    },
    domain::{
        login::{LoginEvent, LoginState, transition as login_transition},
        mask,
        mfa::{self, ChallengeEvent, ChallengeState, Method, Purpose},
        quota::{self, QuotaDecision, Usage},
        time::Timestamp,
    },
    wire::{
        AppError, InputError,
        mfa::{MfaFlow, MfaStatus},
    },
};

#[derive(sqlx::FromRow)]
pub(super) struct Account {
    pub(super) id: i64,
    pub(super) email: String,
    phone_e164: Option<String>,
    last_mfa_method: String,
    pub(super) quota_reset_at: i64,
    origin: String,
    locked_until: Option<i64>,
}

const ACCOUNT_COLUMNS: &str =
    "SELECT id, email, phone_e164, last_mfa_method, quota_reset_at, origin, locked_until FROM users WHERE id = ?";

#[derive(sqlx::FromRow)]
struct ChallengeRow {
    id: i64,
    method: String,
    phone_e164: Option<String>,
    state: String,
    failures: i64,
}

impl ChallengeRow {
    fn state(&self) -> ChallengeState {
        match self.state.as_str() {
            "verified" => ChallengeState::Verified,
            "exhausted" => ChallengeState::Exhausted,
            _ => ChallengeState::Open { failures: u32::try_from(self.failures).unwrap_or(u32::MAX) },
        }
    }

    fn method(&self) -> Method {
        Method::parse(&self.method).unwrap_or(Method::Sms)
    }
}

/// Stores a challenge's new state.
async fn set_state(conn: &mut SqliteConnection, challenge_id: i64, next: ChallengeState) -> Result<(), sqlx::Error> {
    let (name, failures) = match next {
        ChallengeState::Open { failures } => ("open", i64::from(failures)),
        ChallengeState::Verified => ("verified", 0),
        ChallengeState::Exhausted => ("exhausted", 0),
    };
    sqlx::query("UPDATE challenges SET state = ?, failures = ? WHERE id = ?")
        .bind(name)
        .bind(failures)
        .bind(challenge_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A session at one of the MFA steps, with its account and challenge.
pub(super) struct Step {
    pub(super) session: Session,
    purpose: Purpose,
    pub(super) account: Account,
    challenge: Option<ChallengeRow>,
}

async fn load_step(conn: &mut SqliteConnection, state: &AppState, ctx: &RequestCtx) -> Result<Step, AppError> {
    let token = ctx.session_token.as_ref().ok_or(AppError::NotAuthenticated)?;
    let session = sessions::load(conn, &state.keys, token, ctx.now, &state.config.policy)
        .await?
        .ok_or(AppError::NotAuthenticated)?;
    let purpose = match session.stage {
        LoginState::SetupRequired | LoginState::PhoneReset => Purpose::Setup,
        LoginState::ChallengeRequired | LoginState::ResetChallenge => Purpose::Login,
        other => return Err(AppError::WrongStep { home: other.home().to_owned() }),
    };
    let account: Account = sqlx::query_as(ACCOUNT_COLUMNS).bind(session.user_id).fetch_one(&mut *conn).await?;
    // A lock stops every login in progress, not only the one that exceeded the quota.
    if let Some(until) = account.locked_until.map(Timestamp).filter(|u| *u > ctx.now) {
        return Err(locked_error(state, ctx, until));
    }
    let challenge = challenge_of(conn, &session.id_hash).await?;
    Ok(Step { session, purpose, account, challenge })
}

/// The challenge of the session stored under `session_hash`, if it has one.
async fn challenge_of(conn: &mut SqliteConnection, session_hash: &[u8]) -> Result<Option<ChallengeRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, method, phone_e164, state, failures FROM challenges WHERE session_hash = ?")
        .bind(session_hash)
        .fetch_optional(conn)
        .await
}

/// The methods an account can use at login. After a forgotten-password link the e-mail
/// already proved the address, so the phone is the second factor when there is one.
fn methods_of(account: &Account, stage: LoginState) -> Vec<Method> {
    let has_phone = account.phone_e164.is_some();
    Method::ALL
        .into_iter()
        .filter(|m| match m {
            Method::Sms => has_phone,
            Method::Email => !(has_phone && stage == LoginState::ResetChallenge),
        })
        .collect()
}

/// Which flow an MFA step belongs to, for the page's headings and step indicator.
fn flow_of(step: &Step) -> MfaFlow {
    match step.session.stage {
        LoginState::PhoneReset => MfaFlow::PhoneReset,
        LoginState::ResetChallenge => MfaFlow::PasswordReset,
        LoginState::SetupRequired if step.account.origin == "registration" => MfaFlow::Registration,
        LoginState::SetupRequired if step.account.origin == "invitation" => MfaFlow::Invitation,
        _ => MfaFlow::Login,
    }
}

fn destination(step: &Step, method: Method) -> Option<String> {
    match (step.purpose, method) {
        (Purpose::Setup, _) => step.challenge.as_ref().and_then(|c| c.phone_e164.as_deref()).map(mask::phone),
        (Purpose::Login, Method::Sms) => step.account.phone_e164.as_deref().map(mask::phone),
        (Purpose::Login, Method::Email) => Some(mask::email(&step.account.email)),
    }
}

fn recipient(step: &Step, method: Method) -> Option<String> {
    match (step.purpose, method) {
        (Purpose::Setup, Method::Sms) => step.challenge.as_ref().and_then(|c| c.phone_e164.clone()),
        (Purpose::Setup, Method::Email) => None,
        (Purpose::Login, Method::Sms) => step.account.phone_e164.clone(),
        (Purpose::Login, Method::Email) => Some(step.account.email.clone()),
    }
}

fn quota_limit(state: &AppState, purpose: Purpose) -> u32 {
    match purpose {
        Purpose::Setup => state.config.policy.setup_sms_quota,
        Purpose::Login => state.config.policy.login_codes_per_channel,
    }
}

/// Codes sent to this account for `purpose` on `channel` in the current quota window.
pub(crate) async fn usage(
    conn: &mut SqliteConnection,
    state: &AppState,
    user_id: i64,
    quota_reset_at: i64,
    purpose: Purpose,
    channel: Method,
    now: Timestamp,
) -> Result<Usage, sqlx::Error> {
    let start = quota::window_start(now, state.config.policy.quota_window_secs, Timestamp(quota_reset_at));
    let (used, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT count(*), min(at) FROM code_sends WHERE user_id = ? AND purpose = ? AND channel = ? AND at > ?",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(channel.as_str())
    .bind(start.0)
    .fetch_one(conn)
    .await?;
    Ok(Usage { used: u32::try_from(used).unwrap_or(u32::MAX), oldest: oldest.map(Timestamp) })
}

/// When the requester's network may trigger its next SMS, if it has used up
/// `sms_per_network` in the rolling window (SMS pumping through many accounts).
async fn network_sms_free_at(
    conn: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<Timestamp>, sqlx::Error> {
    let policy = &state.config.policy;
    let network = super::accounts::network_of(ctx.ip);
    sqlx::query("DELETE FROM sms_sends WHERE at <= ?")
        .bind(ctx.now.minus_secs(policy.quota_window_secs).0)
        .execute(&mut *conn)
        .await?;
    let (used, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), min(at) FROM sms_sends WHERE network = ?")
            .bind(&network)
            .fetch_one(conn)
            .await?;
    let usage = Usage { used: u32::try_from(used).unwrap_or(u32::MAX), oldest: oldest.map(Timestamp) };
    Ok(match quota::decide(usage, policy.sms_per_network, ctx.now, policy.quota_window_secs) {
        QuotaDecision::Exceeded { free_at } => Some(free_at),
        QuotaDecision::Allowed { .. } => None,
    })
}

/// The refusal to show when the requester's network has used up its SMS, audited in `conn`.
pub(crate) async fn network_sms_refusal(
    conn: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<AppError>, sqlx::Error> {
    let Some(free_at) = network_sms_free_at(conn, state, ctx).await? else {
        return Ok(None);
    };
    audit::record(conn, ctx.now, Some(ctx.ip), AuditEvent::SmsCapped).await?;
    Ok(Some(AppError::SmsCapped { free_at: free_at.0, free_at_text: timefmt::minute(free_at, ctx.lang) }))
}

/// Counts one SMS against the requester's network. Every path that sends an SMS for a
/// request calls this after [`network_sms_refusal`] let it through.
pub(crate) async fn count_network_sms(conn: &mut SqliteConnection, ctx: &RequestCtx) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sms_sends (network, at) VALUES (?, ?)")
        .bind(super::accounts::network_of(ctx.ip))
        .bind(ctx.now.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Lets an SMS request go on, or commits only its audited refusal and returns it.
async fn admit_sms(state: &AppState, ctx: &RequestCtx, mut tx: db::WriteTx) -> Result<db::WriteTx, AppError> {
    match network_sms_refusal(&mut tx, state, ctx).await? {
        None => Ok(tx),
        Some(refusal) => {
            tx.commit().await?;
            Err(refusal)
        }
    }
}

/// Seconds until this account may be sent another code on this channel for this purpose.
async fn cooldown(
    conn: &mut SqliteConnection,
    state: &AppState,
    user_id: i64,
    purpose: Purpose,
    channel: Method,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT max(at) FROM code_sends WHERE user_id = ? AND purpose = ? AND channel = ?")
            .bind(user_id)
            .bind(purpose.as_str())
            .bind(channel.as_str())
            .fetch_one(conn)
            .await?;
    Ok(last.map_or(0, |l| mfa::cooldown_left(Timestamp(l), now, &state.config.policy)))
}

fn code_hash(state: &AppState, challenge_id: i64, code: &str) -> Vec<u8> {
    state.keys.keyed_hash(HashPurpose::OneTimeCode, format!("{challenge_id}:{code}").as_bytes())
}

/// What a send request came to.
enum Sent {
    Yes,
    /// The quota is used up; the next send is possible at `free_at`.
    QuotaExceeded {
        free_at: Timestamp,
    },
}

/// The shared send path: quota, code, quota count, outbox row, audit. The caller checked the
/// cooldown and owns the transaction.
#[allow(clippy::too_many_arguments)]
async fn send_code(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    quota_reset_at: i64,
    challenge_id: i64,
    purpose: Purpose,
    channel: Method,
    to: &str,
) -> Result<Sent, AppError> {
    let policy = &state.config.policy;
    let used = usage(tx, state, user_id, quota_reset_at, purpose, channel, ctx.now).await?;
    if let QuotaDecision::Exceeded { free_at } =
        quota::decide(used, quota_limit(state, purpose), ctx.now, policy.quota_window_secs)
    {
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::QuotaExceeded { user_id, purpose, channel }).await?;
        return Ok(Sent::QuotaExceeded { free_at });
    }
    if channel == Method::Sms {
        count_network_sms(tx, ctx).await?;
    }
    sqlx::query("INSERT INTO code_sends (user_id, purpose, channel, at) VALUES (?, ?, ?, ?)")
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(channel.as_str())
        .bind(ctx.now.0)
        .execute(&mut *tx)
        .await?;
    let code = random_code();
    sqlx::query("INSERT INTO challenge_codes (challenge_id, channel, code_hash, sent_at) VALUES (?, ?, ?, ?)")
        .bind(challenge_id)
        .bind(channel.as_str())
        .bind(code_hash(state, challenge_id, code.expose()))
        .bind(ctx.now.0)
        .execute(&mut *tx)
        .await?;
    let text = messages::code(ctx.lang, channel, purpose, code.expose(), policy.code_ttl_secs / 60);
    outbox::enqueue(tx, NewMessage { channel, recipient: to, subject: &text.subject, body: &text.body }, ctx.now)
        .await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::CodeSent { user_id, purpose, channel }).await?;
    Ok(Sent::Yes)
}

/// Locks the account for `lock_secs` and ends every login in progress, in any browser
/// (SPEC 4.1): a challenge opened before the lock must not let its code in. The login must
/// start again, and after a correct password the page says until when.
pub(super) async fn lock_account(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
) -> Result<AppError, AppError> {
    let until = ctx.now.plus_secs(state.config.policy.lock_secs);
    sqlx::query("UPDATE users SET locked_until = ? WHERE id = ?").bind(until.0).bind(user_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND stage <> ?")
        .bind(user_id)
        .bind(LoginState::Authenticated.as_str())
        .execute(&mut *tx)
        .await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::AccountLocked { user_id, until }).await?;
    Ok(locked_error(state, ctx, until))
}

pub(crate) fn locked_error(state: &AppState, ctx: &RequestCtx, until: Timestamp) -> AppError {
    AppError::AccountLocked {
        until: until.0,
        until_text: timefmt::minute(until, ctx.lang),
        support: state.config.support_contact.clone(),
    }
}

async fn commit(state: &AppState, tx: db::WriteTx) -> Result<(), AppError> {
    tx.commit().await?;
    state.outbox_nudge.notify_one();
    Ok(())
}

/// The password step's challenge (SPEC 1.5): opens on the account's last method and sends
/// the first code. Runs inside the password step's transaction, before the session exists:
/// `Err(AccountLocked)` means the quota locked the account and no session may be created.
pub(crate) async fn open_login_challenge(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    session_hash: &[u8],
    stage: LoginState,
) -> Result<(), AppError> {
    let account: Account = sqlx::query_as(ACCOUNT_COLUMNS).bind(user_id).fetch_one(&mut *tx).await?;
    let methods = methods_of(&account, stage);
    let mut method = Method::parse(&account.last_mfa_method)
        .filter(|m| methods.contains(m))
        .or_else(|| methods.first().copied())
        .unwrap_or(Method::Email);
    // Last time the authenticator app passed: the challenge waits for its code and sends
    // nothing; "Authenticate via SMS/e-mail" sends a code.
    let waits_for_app = account.last_mfa_method == "totp"
        && stage == LoginState::ChallengeRequired
        && super::totp::enrolled(tx, user_id).await?;
    // Last time a push passed: a push goes to the device instead of a code.
    let waits_for_push = account.last_mfa_method == "push"
        && stage == LoginState::ChallengeRequired
        && super::push::paired(tx, user_id).await?;
    let sends_no_code = waits_for_app || waits_for_push;
    if !sends_no_code && method == Method::Sms && network_sms_free_at(tx, state, ctx).await?.is_some() {
        // This network's SMS are used up: the code goes by e-mail, so the user still gets in.
        // Where e-mail is no method (a forgotten password), the login is refused.
        match methods.contains(&Method::Email) {
            true => method = Method::Email,
            false => return Err(network_sms_refusal(tx, state, ctx).await?.unwrap_or(AppError::Unreachable)),
        }
    }
    let challenge_id: i64 = sqlx::query_scalar(
        "INSERT INTO challenges (session_hash, user_id, purpose, method, state, created_at)
         VALUES (?, ?, 'login', ?, 'open', ?) RETURNING id",
    )
    .bind(session_hash)
    .bind(user_id)
    .bind(method.as_str())
    .bind(ctx.now.0)
    .fetch_one(&mut *tx)
    .await?;
    if waits_for_push {
        return super::push::create_request(tx, state, ctx, user_id, account.quota_reset_at, session_hash).await?;
    }
    if sends_no_code {
        return Ok(());
    }
    let to = match method {
        Method::Sms => account.phone_e164.clone().unwrap_or_default(),
        Method::Email => account.email.clone(),
    };
    match send_code(tx, state, ctx, user_id, account.quota_reset_at, challenge_id, Purpose::Login, method, &to).await? {
        Sent::Yes => Ok(()),
        Sent::QuotaExceeded { .. } => Err(lock_account(tx, state, ctx, user_id).await?),
    }
}

/// What the MFA pages show.
pub async fn status(state: &AppState, ctx: &RequestCtx) -> Result<MfaStatus, AppError> {
    let mut conn = state.pool.acquire().await?;
    let step = load_step(&mut conn, state, ctx).await?;
    let policy = &state.config.policy;
    let method = step.challenge.as_ref().map(ChallengeRow::method);
    let (cooldown_secs, codes_left) = match method {
        Some(m) => {
            let c = cooldown(&mut conn, state, step.account.id, step.purpose, m, ctx.now).await?;
            let u =
                usage(&mut conn, state, step.account.id, step.account.quota_reset_at, step.purpose, m, ctx.now).await?;
            (c, quota::remaining_to_show(u, quota_limit(state, step.purpose), policy.quota_warning_below))
        }
        None => (0, None),
    };
    let challenge_state = step.challenge.as_ref().map(ChallengeRow::state);
    let failures = match challenge_state {
        Some(ChallengeState::Open { failures }) => failures,
        _ => 0,
    };
    let code_sent = match &step.challenge {
        Some(c) => {
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM challenge_codes WHERE challenge_id = ?)")
                .bind(c.id)
                .fetch_one(&mut *conn)
                .await?
        }
        None => false,
    };
    let login = step.purpose == Purpose::Login && step.session.stage == LoginState::ChallengeRequired;
    let totp = login && super::totp::enrolled(&mut conn, step.account.id).await?;
    let push_available = login && super::push::paired(&mut conn, step.account.id).await?;
    let (push, pushes_left) = match push_available {
        true => (
            super::push::view_of_session(&mut conn, &step.session.id_hash, ctx.now).await?,
            super::push::left_to_show(&mut conn, state, step.account.id, step.account.quota_reset_at, ctx.now).await?,
        ),
        false => (None, None),
    };
    let other_methods = match step.purpose {
        // With no code sent yet (the challenge waits for the app), every channel is offered.
        Purpose::Login => methods_of(&step.account, step.session.stage)
            .into_iter()
            .filter(|m| !code_sent || Some(*m) != method)
            .collect(),
        Purpose::Setup => Vec::new(),
    };
    Ok(MfaStatus {
        flow: flow_of(&step),
        setup: step.purpose == Purpose::Setup,
        method,
        destination: method.and_then(|m| destination(&step, m)),
        other_methods,
        cooldown_secs,
        codes_left,
        codes_total: quota_limit(state, step.purpose),
        tries_left: policy.code_max_failures.saturating_sub(failures),
        exhausted: challenge_state == Some(ChallengeState::Exhausted),
        totp,
        code_sent,
        push_available,
        push,
        pushes_left,
    })
}

/// MFA setup, step 1 (SPEC 2.2): a mobile number, then a code by SMS to it.
pub async fn start_setup(state: &AppState, ctx: &RequestCtx, raw_phone: &str) -> Result<(), AppError> {
    let e164 = phone::parse_mobile(raw_phone, &state.config.policy.phone_countries).map_err(|e| {
        AppError::Input(match e {
            PhoneError::Malformed => InputError::PhoneMalformed,
            PhoneError::NotMobile => InputError::PhoneNotMobile,
            PhoneError::CountryNotAllowed => InputError::PhoneCountryNotAllowed,
        })
    })?;
    let mut tx = state.writer.begin().await?;
    let step = load_step(&mut tx, state, ctx).await?;
    if step.purpose != Purpose::Setup {
        return Err(AppError::WrongStep { home: step.session.stage.home().to_owned() });
    }
    let wait = cooldown(&mut tx, state, step.account.id, Purpose::Setup, Method::Sms, ctx.now).await?;
    if wait > 0 {
        return Err(AppError::Cooldown { retry_after_secs: wait });
    }
    let mut tx = admit_sms(state, ctx, tx).await?;
    // A new number voids every code sent to the old one.
    let challenge_id = match &step.challenge {
        Some(c) => {
            let next = mfa::transition(c.state(), ChallengeEvent::Renewed, &state.config.policy)
                .map_err(AppError::internal)?;
            sqlx::query("DELETE FROM challenge_codes WHERE challenge_id = ?").bind(c.id).execute(&mut *tx).await?;
            sqlx::query("UPDATE challenges SET phone_e164 = ? WHERE id = ?")
                .bind(&e164)
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            set_state(&mut tx, c.id, next).await?;
            c.id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO challenges (session_hash, user_id, purpose, method, phone_e164, state, created_at)
                 VALUES (?, ?, 'setup', 'sms', ?, 'open', ?) RETURNING id",
            )
            .bind(&step.session.id_hash)
            .bind(step.account.id)
            .bind(&e164)
            .bind(ctx.now.0)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    let sent = send_code(
        &mut tx,
        state,
        ctx,
        step.account.id,
        step.account.quota_reset_at,
        challenge_id,
        Purpose::Setup,
        Method::Sms,
        &e164,
    )
    .await?;
    finish_send(state, ctx, tx, sent, &step).await
}

/// "Resend" (SPEC 3.2), or a new code after too many wrong ones (3.3).
pub async fn resend(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let step = load_step(&mut tx, state, ctx).await?;
    let Some(challenge) = &step.challenge else {
        return Err(AppError::Input(InputError::PhoneMalformed));
    };
    let method = challenge.method();
    send_on(state, ctx, tx, &step, challenge.id, challenge.state(), method).await
}

/// "Authenticate via X" (SPEC 3.2): switches the challenge and sends one message on the new
/// channel.
pub async fn switch_method(state: &AppState, ctx: &RequestCtx, method: &str) -> Result<(), AppError> {
    let method = Method::parse(method).ok_or(AppError::Input(InputError::MethodUnavailable))?;
    let mut tx = state.writer.begin().await?;
    let step = load_step(&mut tx, state, ctx).await?;
    let Some(challenge) = &step.challenge else {
        return Err(AppError::WrongStep { home: step.session.stage.home().to_owned() });
    };
    if step.purpose != Purpose::Login || !methods_of(&step.account, step.session.stage).contains(&method) {
        return Err(AppError::Input(InputError::MethodUnavailable));
    }
    // A refused SMS leaves the challenge on its method.
    if method == Method::Sms {
        tx = admit_sms(state, ctx, tx).await?;
    }
    sqlx::query("UPDATE challenges SET method = ? WHERE id = ?")
        .bind(method.as_str())
        .bind(challenge.id)
        .execute(&mut *tx)
        .await?;
    send_on(state, ctx, tx, &step, challenge.id, challenge.state(), method).await
}

async fn send_on(
    state: &AppState,
    ctx: &RequestCtx,
    mut tx: db::WriteTx,
    step: &Step,
    challenge_id: i64,
    current: ChallengeState,
    method: Method,
) -> Result<(), AppError> {
    let wait = cooldown(&mut tx, state, step.account.id, step.purpose, method, ctx.now).await?;
    if wait > 0 {
        return Err(AppError::Cooldown { retry_after_secs: wait });
    }
    if method == Method::Sms {
        tx = admit_sms(state, ctx, tx).await?;
    }
    let next = mfa::transition(current, ChallengeEvent::Renewed, &state.config.policy)
        .map_err(|_| AppError::WrongStep { home: "/".into() })?;
    if current == ChallengeState::Exhausted {
        // A new challenge: the codes of the exhausted one are void.
        sqlx::query("DELETE FROM challenge_codes WHERE challenge_id = ?").bind(challenge_id).execute(&mut *tx).await?;
    }
    set_state(&mut tx, challenge_id, next).await?;
    let to = recipient(step, method).ok_or(AppError::Input(InputError::MethodUnavailable))?;
    let sent = send_code(
        &mut tx,
        state,
        ctx,
        step.account.id,
        step.account.quota_reset_at,
        challenge_id,
        step.purpose,
        method,
        &to,
    )
    .await?;
    finish_send(state, ctx, tx, sent, step).await
}

/// Commits a send, or the consequence of its refusal: a lock at login, a wait at setup.
async fn finish_send(
    state: &AppState,
    ctx: &RequestCtx,
    mut tx: db::WriteTx,
    sent: Sent,
    step: &Step,
) -> Result<(), AppError> {
    match (sent, step.purpose) {
        (Sent::Yes, _) => commit(state, tx).await,
        (Sent::QuotaExceeded { free_at }, Purpose::Setup) => {
            commit(state, tx).await?;
            Err(AppError::QuotaExceeded { free_at: free_at.0, free_at_text: timefmt::minute(free_at, ctx.lang) })
        }
        (Sent::QuotaExceeded { .. }, Purpose::Login) => {
            let err = lock_account(&mut tx, state, ctx, step.account.id).await?;
            commit(state, tx).await?;
            Err(err)
        }
    }
}

/// A wrong code (one-time or recovery): counts one failure of the challenge, audits it (and
/// the exhaustion at the fifth), commits, and returns what the user is told.
async fn refuse_code(
    state: &AppState,
    ctx: &RequestCtx,
    mut tx: db::WriteTx,
    step: &Step,
    challenge_id: i64,
    current: ChallengeState,
) -> Result<AppError, AppError> {
    let refusal = count_failure(&mut tx, state, ctx, step.account.id, step.purpose, challenge_id, current).await?;
    tx.commit().await?;
    Ok(refusal)
}

/// One failed try of a challenge, recorded and audited in the caller's transaction (a wrong
/// code, or a push the device denied). Returns what the user is told.
async fn count_failure(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    purpose: Purpose,
    challenge_id: i64,
    current: ChallengeState,
) -> Result<AppError, AppError> {
    let policy = &state.config.policy;
    let next = mfa::transition(current, ChallengeEvent::CodeRejected, policy).map_err(AppError::internal)?;
    set_state(tx, challenge_id, next).await?;
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

/// A push the device denied counts as a failed try of the login challenge it was sent for
/// (if that login is still open), so denied pushes cannot be sent without end.
pub(super) async fn count_denied_push(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    session_hash: &[u8],
) -> Result<(), AppError> {
    // Pushes exist only at the login challenge, so the session's challenge is a login's.
    if let Some(c) = challenge_of(tx, session_hash).await?.filter(|c| matches!(c.state(), ChallengeState::Open { .. }))
    {
        count_failure(tx, state, ctx, user_id, Purpose::Login, c.id, c.state()).await?;
    }
    Ok(())
}

/// Where a passed MFA step goes: the session token, its stage and the page to show.
pub struct Passed {
    pub token: Secret<String>,
    pub stage: LoginState,
    /// The stage's page, or, after a first MFA setup, the page with the new recovery codes.
    pub next: &'static str,
}

/// Checks a typed code (SPEC 3.3, 3.4). Success ends the MFA step: the account's trusted IP
/// becomes this IP, its daily limits reset, and the session gets a new id at stage
/// `Authenticated` (or, after a forgotten-password link, `NewPassword`).
pub async fn verify(state: &AppState, ctx: &RequestCtx, raw_code: &str) -> Result<Passed, AppError> {
    let code = mfa::normalise_code(raw_code).map_err(|_| AppError::Input(InputError::CodeMalformed))?;
    let policy = &state.config.policy;
    let mut tx = state.writer.begin().await?;
    let step = load_step(&mut tx, state, ctx).await?;
    let Some(challenge) = &step.challenge else {
        return Err(AppError::WrongStep { home: step.session.stage.home().to_owned() });
    };
    let current = challenge.state();
    if current == ChallengeState::Exhausted {
        return Err(AppError::ChallengeExhausted);
    }
    let user_id = step.account.id;
    let typed = code_hash(state, challenge.id, &code);
    let codes: Vec<(i64, Vec<u8>, i64, String)> = sqlx::query_as(
        "SELECT id, code_hash, sent_at, channel FROM challenge_codes WHERE challenge_id = ? AND used_at IS NULL",
    )
    .bind(challenge.id)
    .fetch_all(&mut *tx)
    .await?;
    // Every unused code is compared, each in constant time.
    let mut matched: Option<(i64, String)> = None;
    for (id, hash, sent_at, channel) in codes {
        if hashes_equal(&typed, &hash) && mfa::code_is_fresh(Timestamp(sent_at), ctx.now, policy) {
            matched = Some((id, channel));
        }
    }

    let Some((code_id, channel)) = matched else {
        return Err(refuse_code(state, ctx, tx, &step, challenge.id, current).await?);
    };

    let channel = Method::parse(&channel).unwrap_or(Method::Sms);
    mfa::transition(current, ChallengeEvent::CodeAccepted, policy).map_err(AppError::internal)?;
    let event = match step.purpose {
        Purpose::Setup => LoginEvent::SetupCompleted,
        Purpose::Login => LoginEvent::ChallengePassed,
    };
    let stage = login_transition(step.session.stage, event).map_err(AppError::internal)?;
    sqlx::query("UPDATE challenge_codes SET used_at = ? WHERE id = ?")
        .bind(ctx.now.0)
        .bind(code_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::CodeAccepted { user_id, purpose: step.purpose, channel })
        .await?;
    let mut new_phone = None;
    if step.purpose == Purpose::Setup {
        let phone =
            challenge.phone_e164.clone().ok_or_else(|| AppError::internal("setup challenge without a phone"))?;
        sqlx::query("UPDATE users SET phone_e164 = ?, phone_verified_at = ? WHERE id = ?")
            .bind(&phone)
            .bind(ctx.now.0)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let event = AuditEvent::MfaSetupCompleted { user_id, phone_masked: mask::phone(&phone) };
        audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
        new_phone = Some(phone);
    }
    // A first setup (not a phone reset) is followed by the account's recovery codes, once.
    let first_setup = step.session.stage == LoginState::SetupRequired;
    if first_setup {
        sqlx::query("UPDATE users SET recovery_codes_due = 1 WHERE id = ?").bind(user_id).execute(&mut *tx).await?;
    }
    if stage == LoginState::NewPassword {
        // A forgotten password: the challenge leads to the new-password form, not a login.
        sessions::delete_by_hash(&mut tx, &step.session.id_hash).await?;
        let token = sessions::create(&mut tx, &state.keys, user_id, stage, ctx.ip, ctx.now).await?;
        tx.commit().await?;
        return Ok(Passed { token, stage, next: stage.home() });
    }
    let token = complete_login(&mut tx, state, ctx, user_id, &step.session.id_hash, stage, Some(channel)).await?;
    if let (LoginState::PhoneReset, Some(phone)) = (step.session.stage, new_phone) {
        phone_reset_done(&mut tx, state, ctx, user_id, &token, &phone).await?;
    }
    tx.commit().await?;
    state.outbox_nudge.notify_one();
    Ok(Passed { token, stage, next: if first_setup { "/mfa/recovery-codes" } else { stage.home() } })
}

/// The authenticator app's code at the login challenge (issue 8): a wrong (or replayed) one
/// counts toward the challenge's tries; a right one passes it, and the next challenge opens on
/// the app without sending anything. Returns the new session's token.
pub async fn use_totp(state: &AppState, ctx: &RequestCtx, raw_code: &str) -> Result<Secret<String>, AppError> {
    let code = mfa::normalise_code(raw_code).map_err(|_| AppError::Input(InputError::CodeMalformed))?;
    let (mut tx, step, challenge_id, current) = login_challenge(state, ctx).await?;
    let user_id = step.account.id;
    if !super::totp::check_and_use(&mut tx, state, user_id, &step.account.email, &code, ctx.now).await? {
        return Err(refuse_code(state, ctx, tx, &step, challenge_id, current).await?);
    }
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::TotpAccepted { user_id }).await?;
    let token = pass_login_challenge(&mut tx, state, ctx, &step, current).await?;
    sqlx::query("UPDATE users SET last_mfa_method = 'totp' WHERE id = ?").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(token)
}

/// The login challenge of this session, open for another factor than a sent code (an app's
/// code, a recovery code): the transaction, the step, the challenge and its state. A
/// forgotten password's challenge is refused: it needs the phone (or support).
pub(super) async fn login_challenge(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<(db::WriteTx, Step, i64, ChallengeState), AppError> {
    let mut tx = state.writer.begin().await?;
    let step = load_step(&mut tx, state, ctx).await?;
    let Some(challenge) = &step.challenge else {
        return Err(AppError::WrongStep { home: step.session.stage.home().to_owned() });
    };
    if step.session.stage != LoginState::ChallengeRequired {
        return Err(AppError::Input(InputError::MethodUnavailable));
    }
    let (challenge_id, current) = (challenge.id, challenge.state());
    if current == ChallengeState::Exhausted {
        return Err(AppError::ChallengeExhausted);
    }
    Ok((tx, step, challenge_id, current))
}

/// A factor other than a sent code passed the login challenge: the session gets a new id,
/// logged in, from this IP as the trusted one. Returns the new token; the caller commits.
pub(super) async fn pass_login_challenge(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    step: &Step,
    current: ChallengeState,
) -> Result<Secret<String>, AppError> {
    mfa::transition(current, ChallengeEvent::CodeAccepted, &state.config.policy).map_err(AppError::internal)?;
    let stage = login_transition(step.session.stage, LoginEvent::ChallengePassed).map_err(AppError::internal)?;
    complete_login(tx, state, ctx, step.account.id, &step.session.id_hash, stage, None).await
}

/// "Use a recovery code" at the login challenge (issue 8). A wrong code counts toward the
/// challenge's tries like a wrong one-time code; a right one is used up, passes the challenge
/// like a code would, is audited with the number left, and the owner gets an e-mail. Returns
/// the new session's token and the number of codes left.
pub async fn use_recovery_code(
    state: &AppState,
    ctx: &RequestCtx,
    raw_code: &str,
) -> Result<(Secret<String>, i64), AppError> {
    let code = mfa::normalise_recovery_code(raw_code).ok_or(AppError::Input(InputError::CodeMalformed))?;
    let (mut tx, step, challenge_id, current) = login_challenge(state, ctx).await?;
    let user_id = step.account.id;
    if !super::recovery_codes::use_one(&mut tx, state, user_id, &code, ctx.now).await? {
        return Err(refuse_code(state, ctx, tx, &step, challenge_id, current).await?);
    }
    let remaining = super::recovery_codes::remaining(&mut tx, user_id).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::RecoveryCodeUsed { user_id, remaining }).await?;
    super::accounts::email_to(
        &mut tx,
        &step.account.email,
        messages::recovery_code_used_notice(ctx.lang, remaining),
        ctx.now,
    )
    .await?;
    let token = pass_login_challenge(&mut tx, state, ctx, &step, current).await?;
    tx.commit().await?;
    state.outbox_nudge.notify_one();
    Ok((token, remaining))
}

/// The end of a phone reset (SPEC 6.2): every other session ends (their TAN sessions with
/// them; the new session has none), and a notice goes to the e-mail address.
async fn phone_reset_done(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    token: &Secret<String>,
    phone: &str,
) -> Result<(), AppError> {
    let keep = sessions::id_hash(&state.keys, token);
    let other_sessions_ended = sessions::delete_others(tx, user_id, &keep).await?;
    let address: String =
        sqlx::query_scalar("SELECT email FROM users WHERE id = ?").bind(user_id).fetch_one(&mut *tx).await?;
    let phone_masked = mask::phone(phone);
    let text = messages::phone_reset_notice(ctx.lang, &phone_masked);
    super::accounts::email_to(tx, &address, text, ctx.now).await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::PhoneReset { user_id, phone_masked, other_sessions_ended })
        .await?;
    Ok(())
}

/// The end of every successful login (SPEC 1.4, 1.5, 4.2): the IP becomes trusted, the daily
/// limits reset, the session gets a new id at `stage`.
pub(crate) async fn complete_login(
    tx: &mut SqliteConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    old_session_hash: &[u8],
    stage: LoginState,
    method: Option<Method>,
) -> Result<Secret<String>, AppError> {
    sqlx::query(
        "UPDATE users SET trusted_ip = ?, quota_reset_at = ?, last_mfa_method = coalesce(?, last_mfa_method)
         WHERE id = ?",
    )
    .bind(ctx.ip.to_string())
    .bind(ctx.now.0)
    .bind(method.map(Method::as_str))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sessions::delete_by_hash(tx, old_session_hash).await?;
    let token = sessions::create(tx, &state.keys, user_id, stage, ctx.ip, ctx.now).await?;
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::LoginSucceeded { user_id }).await?;
    Ok(token)
}
