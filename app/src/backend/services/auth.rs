//! Password login, logout and the current user (SPEC 1.1, 1.2, 1.7). Password failures are
//! counted per (submitted address, network) and per network, a network being an IPv4 address
//! or an IPv6 /64 (`limits::network`).
//!
//! A login attempt runs in three steps so that the expensive verification holds no lock,
//! after taking a slot of the password hasher (a full hasher refuses at once, 503):
//! 1. A write transaction holding the throttle's locks: the throttle decides; the attempt is
//!    counted as a failure in advance (so parallel attempts count exactly) and the account is
//!    read.
//! 2. Exactly one argon2 verification, against the account's hash or the dummy hash.
//! 3. A write transaction holding the account's lock (then the throttle's): on success the
//!    advance failure is taken back, the presented session id is deleted and a new session
//!    created; either way the audit event is written.

use crate::{
    backend::{
        audit::{self, AuditEvent, LoginFailure},
        db::{LockKey, WriteTx},
        factor::{self, code},
        limits::password_throttle::{self, Attempt, ThrottleKey},
        limits::{account_lock, network::network_of},
        login::access,
        login::completion,
        login::links,
        login::sessions,
        oidc,
        request::RequestCtx,
        state::AppState,
        store::{self, users::LoginAccountRow},
        tools::crypto::{Password, Secret},
    },
    domain::{
        email,
        links::LinkKind,
        login::{LoginEvent, LoginState, PasswordContext, transition},
        mfa::{Factor, Method},
        oidc::Proof,
        password::{self, PasswordInputError},
        quota,
        time::Timestamp,
    },
    wire::{AppError, InputError, auth::UserInfo},
};

/// A correct password: the new session (to set as the cookie) and the step it is at.
pub struct LoginOutcome {
    pub token: Secret<String>,
    pub stage: LoginState,
}

/// What step 1 reserved, to be settled in step 3.
struct Reservation {
    throttle: password_throttle::Reservation,
    account: Option<LoginAccountRow>,
}

pub async fn login(
    state: &AppState,
    ctx: &RequestCtx,
    raw_email: &str,
    password: Password,
    phone_reset: Option<&str>,
) -> Result<LoginOutcome, AppError> {
    let policy = &state.config.policy;
    let email = email::normalise(raw_email).ok_or(AppError::Input(InputError::EmailMalformed))?;
    password::check_login_input(password.expose(), policy).map_err(|e| match e {
        PasswordInputError::Empty => AppError::Input(InputError::PasswordMissing),
        PasswordInputError::TooLong => AppError::Input(InputError::PasswordTooLong),
    })?;

    // The hasher's slot first: when it is full the attempt is refused (503) before any
    // database work, and nothing was tried, so nothing is counted.
    let admission = state.hasher.admit()?;
    let reservation = reserve_attempt(state, ctx, &email).await?;

    // An invited account without a password yet is checked against the dummy hash.
    let stored = reservation.account.as_ref().map(|a| a.password_hash.as_str()).filter(|h| !h.is_empty());
    let verified = state.hasher.verify_admitted(admission, stored, &password).await;
    let verified = match verified {
        Ok(v) => v,
        Err(e) => {
            // Nothing was tried: the advance failure is taken back.
            release_attempt(state, &reservation).await?;
            return Err(e.into());
        }
    };

    let mut tx = state.writer.begin().await?;
    let mut first_code = None;
    // The account as it is now, under its lock: a lock, a disable or a new password that came
    // while the hash was checked (a parallel login's quota lock, say) decides, not the row
    // read before.
    let account = match &reservation.account {
        Some(a) => {
            // Every key the step may need, in one statement: the account, and after a right
            // password the throttle's pair and network (settled below) and the network's SMS
            // cap (a first code by SMS).
            let mut keys = vec![LockKey::Account(a.id)];
            if verified {
                keys.push(LockKey::SmsNetwork(network_of(ctx.ip)));
                keys.extend(reservation.throttle.lock_keys());
            }
            tx.lock(keys).await?;
            // With the account, the facts of a first code on the channel its challenge will
            // likely send on (as the row read before the hash says; the challenge reads
            // them again if the account changed meanwhile).
            let channel = factor::code_channel(&a.mfa().into(), LoginState::ChallengeRequired);
            let start = quota::window_start(ctx.now, state.config.policy.quota_window_secs);
            let network = channel.counts_against_sms_cap().then(|| network_of(ctx.ip));
            let row = store::users::login_account_with_facts(&mut tx, a.id, channel, start, network.as_deref()).await?;
            row.map(|r| {
                first_code = Some((channel, code::facts_of(&r.facts, channel, state, ctx)));
                r.account
            })
        }
        None => None,
    };
    let verified = verified
        && account
            .as_ref()
            .zip(reservation.account.as_ref())
            .is_some_and(|(now, then)| now.password_hash == then.password_hash);
    // A phone-reset link is part of the credentials: one that is not this account's open link
    // fails the attempt like a wrong password, so it cannot tell a right password apart.
    let link = match (&account, phone_reset) {
        (Some(a), Some(token)) if verified && a.disabled_at.is_none() => {
            match links::find(&mut tx, &state.keys, LinkKind::PhoneReset, token, Some(a.id), ctx.now).await {
                Ok(link) => Some(Ok(link)),
                Err(AppError::LinkInvalid) => Some(Err(())),
                Err(e) => return Err(e),
            }
        }
        _ => None,
    };
    let outcome = match &account {
        Some(account) if verified && account.disabled_at.is_none() && !matches!(link, Some(Err(()))) => {
            clear_failures(&mut tx, &reservation).await?;
            if let Some(old) = &ctx.session_token {
                sessions::delete(&mut tx, &state.keys, old).await?;
            }
            password_accepted(&mut tx, state, ctx, account, link.and_then(Result::ok), first_code).await
        }
        account => {
            let why = match account {
                None => LoginFailure::UnknownEmail,
                Some(a) if a.disabled_at.is_some() => LoginFailure::Disabled,
                Some(_) if verified => LoginFailure::PhoneResetLinkInvalid,
                Some(_) => LoginFailure::WrongPassword,
            };
            let event = AuditEvent::LoginFailed { user_id: account.as_ref().map(|a| a.id), email: &email, why };
            audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
            Err(AppError::InvalidCredentials)
        }
    };
    // A lock found or set by this step is committed with it, like any other outcome; an
    // internal failure leaves nothing half written.
    if matches!(outcome, Err(AppError::Internal)) {
        return outcome;
    }
    let user_id = account.as_ref().map(|a| a.id);
    state.commit(tx).await?;
    // The challenge may have opened with a push: its device's stream shows it now.
    if let (Ok(_), Some(user_id)) = (&outcome, user_id) {
        state.push_events.publish(user_id);
    }
    outcome
}

/// After a correct password (SPEC 1.3–1.6): a locked account says until when; otherwise the
/// state machine picks setup, challenge or a completed login, each with a new session. A
/// phone-reset link for this account (SPEC 6.2) is used up here and makes it setup.
async fn password_accepted(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    account: &LoginAccountRow,
    phone_reset: Option<links::OpenLink>,
    first_code: Option<(Method, code::SendFacts)>,
) -> Result<LoginOutcome, AppError> {
    if let Some(until) = account.locked_until.map(Timestamp).filter(|u| *u > ctx.now) {
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::LoginLocked { user_id: account.id, until }).await?;
        return Err(account_lock::locked_error(state, ctx, until));
    }
    if let Some(link) = phone_reset {
        links::use_once(tx, link).await?;
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::PhoneResetStarted { user_id: account.id }).await?;
    }
    // An application that asked for a second factor (OpenID Connect step-up) gets one even
    // from the trusted IP.
    let asked = oidc::grants::login_asked(tx, &state.keys, ctx.oidc_request.as_ref(), ctx.now).await?;
    let facts = PasswordContext {
        mfa_active: account.phone_verified_at.is_some(),
        ip_trusted: account.trusted_ip.as_deref() == Some(ctx.ip.to_string().as_str()) && !asked.second_factor,
        phone_reset: phone_reset.is_some(),
    };
    let stage = transition(LoginState::Anonymous, LoginEvent::PasswordAccepted(facts)).map_err(AppError::internal)?;
    let event = AuditEvent::PasswordAccepted { user_id: account.id, next: stage };
    audit::record(tx, ctx.now, Some(ctx.ip), event).await?;
    let token = match stage {
        LoginState::Authenticated => {
            completion::complete(tx, state, ctx, account.id, &[], stage, Proof::Password, false).await?
        }
        LoginState::ChallengeRequired => {
            // The session's row goes with the challenge's, in one statement.
            let token = sessions::create_later(tx, &state.keys, account.id, stage, ctx.ip, ctx.now, Proof::Password);
            let hash = sessions::id_hash(&state.keys, &token);
            let mut challenged = account.mfa();
            // An application that asked for a passkey: the challenge opens on it, if there is one.
            if asked.passkey {
                Factor::Passkey.as_str().clone_into(&mut challenged.last_factor);
            }
            factor::open_login_challenge(tx, state, ctx, challenged.into(), &hash, stage, first_code).await?;
            token
        }
        _ => sessions::create(tx, &state.keys, account.id, stage, ctx.ip, ctx.now).await?,
    };
    Ok(LoginOutcome { token, stage })
}

async fn reserve_attempt(state: &AppState, ctx: &RequestCtx, email: &str) -> Result<Reservation, AppError> {
    let key = ThrottleKey::login(&state.keys, email, ctx.ip);
    // Read outside the throttle's transaction, and before it so a failed read counts nothing:
    // the step after the hash reads the account again under its lock, and that read decides.
    let account = store::users::login_account_by_email(&mut *state.pool.acquire().await?, email).await?;
    let mut tx = state.writer.begin().await?;
    let throttle = match password_throttle::reserve(&mut tx, &state.config.policy, key, ctx.now).await? {
        Attempt::Allowed(reservation) => reservation,
        Attempt::Refused { retry_at } => {
            audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::LoginThrottled { email: Some(email), retry_at })
                .await?;
            tx.commit().await?;
            return Err(AppError::TooManyAttempts { retry_after_secs: ctx.now.secs_until(retry_at) });
        }
    };
    tx.commit().await?;
    Ok(Reservation { throttle, account })
}

/// Takes back an advance failure when no verification took place (the hasher was busy).
async fn release_attempt(state: &AppState, r: &Reservation) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    password_throttle::release(&mut tx, &r.throttle).await?;
    tx.commit().await?;
    Ok(())
}

/// A correct password clears the pair's failures and takes back its advance IP failure.
async fn clear_failures(tx: &mut WriteTx, r: &Reservation) -> Result<(), sqlx::Error> {
    password_throttle::clear(tx, &r.throttle).await
}

pub async fn logout(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let Some(token) = &ctx.session_token else {
        return Ok(());
    };
    let mut tx = state.writer.begin().await?;
    sessions::lock_owner(&mut tx, &state.keys, token).await?;
    if let Some(user_id) = sessions::delete(&mut tx, &state.keys, token).await? {
        audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::LoggedOut { user_id }).await?;
        super::oidc_login::give_up_waiting(&mut tx, state, ctx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The logged-in user as the pages show it, or `None` for an anonymous visitor.
pub async fn current_user(state: &AppState, ctx: &RequestCtx) -> Result<Option<UserInfo>, AppError> {
    if ctx.session_token.is_none() {
        return Ok(None);
    }
    match access::member_reading(state, ctx).await {
        Ok((_, _, m)) => Ok(Some(UserInfo {
            full_name: m.full_name,
            email: m.email,
            role: m.role.as_str().to_owned(),
            organisation: m.organisation,
        })),
        Err(AppError::NotAuthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}
