//! The MFA steps' use cases (SPEC 2.2–2.4, 3, 4): what the MFA page shows, the phone at
//! setup, resend, "Authenticate via X", and a code, an app's code or a recovery code typed at
//! the challenge. The factors themselves are in `backend::factor`, one module each.
//!
//! Every use case that writes is one write transaction holding its account's lock: load the
//! session and its
//! challenge, let the domain decide (state machine, quota, cooldown), write the code, the
//! quota count, the outbox row and the audit event, commit, then wake the delivery worker.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db,
        delivery::outbox,
        factor::{
            self,
            code::{self, CodeSend, Sent},
            passkey, push, recovery_code,
            step::{self, Step},
            totp,
            wrong_entries::{self, Admission},
        },
        input::phone::{self, PhoneError},
        limits::account_lock,
        limits::quota_window::{self, Sends},
        limits::sms_cap,
        login::completion,
        login::sessions,
        messages,
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::Secret,
        tools::timefmt,
    },
    domain::{
        login::{LoginEvent, LoginState, transition as login_transition},
        mask,
        mfa::{self, ChallengeEvent, ChallengeState, Factor, Method, Purpose},
        oidc::Proof,
        quota,
    },
    wire::{
        AppError, InputError,
        challenge::{MfaFlow, MfaStatus},
    },
};

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

/// Where a code on this channel goes, as stored (`masked` = false) or as shown.
fn recipient(step: &Step, method: Method) -> Option<String> {
    match (step.purpose, method) {
        (Purpose::Setup, Method::Sms) => step.challenge.as_ref().and_then(|c| c.phone_e164.clone()),
        (Purpose::Setup, Method::Email) => None,
        (Purpose::Login, Method::Sms) => step.account.phone_e164.clone(),
        (Purpose::Login, Method::Email) => Some(step.account.email.clone()),
    }
}

fn destination(step: &Step, method: Method) -> Option<String> {
    match (step.purpose, method) {
        // Setup sends to the new number.
        (Purpose::Setup, Method::Sms | Method::Email) | (Purpose::Login, Method::Sms) => {
            recipient(step, Method::Sms).map(|to| mask::phone(&to))
        }
        (Purpose::Login, Method::Email) => recipient(step, Method::Email).map(|to| mask::email(&to)),
    }
}

fn codes_of(step: &Step, channel: Method) -> Sends {
    Sends::Codes { purpose: step.purpose, channel }
}

/// What the MFA pages show.
pub async fn status(state: &AppState, ctx: &RequestCtx) -> Result<MfaStatus, AppError> {
    let mut conn = state.pool.acquire().await?;
    let step = step::load_reading(&mut conn, state, ctx).await?;
    let policy = &state.config.policy;
    let user_id = step.account.id;
    let method = step.challenge.as_ref().map(store::challenges::ChallengeRow::method);
    let codes_total = quota_window::limit(policy, codes_of(&step, method.unwrap_or(Method::Sms)));
    let (cooldown_secs, codes_left) = match method {
        Some(m) => {
            let c = code::cooldown(&mut conn, state, user_id, step.purpose, m, ctx.now).await?;
            let u = quota_window::shown(&mut conn, policy, user_id, codes_of(&step, m), ctx.now).await?;
            (c, quota::remaining_to_show(u, codes_total, policy.quota_warning_below))
        }
        None => (0, None),
    };
    let challenge_state = step.challenge.as_ref().map(store::challenges::ChallengeRow::state);
    let tries_left = match challenge_state {
        Some(ChallengeState::Open { failures }) => policy.code_max_failures.saturating_sub(failures),
        Some(ChallengeState::Exhausted) => 0,
        _ => policy.code_max_failures,
    };
    let code_sent = match &step.challenge {
        Some(c) => code::any_sent(&mut conn, c.id).await?,
        None => false,
    };
    let login = step.purpose == Purpose::Login && step.session.stage == LoginState::ChallengeRequired;
    let totp = login && totp::enrolled(&mut conn, user_id).await?;
    // The relying party is built only for an account with passkeys: most have none.
    let passkey = login && passkey::enrolled(&mut conn, user_id).await? && passkey::relying_party(state).is_ok();
    // The challenge opened on the passkey: it passed last time, or an application asked for one.
    let opened_on_passkey = passkey
        && (step.account.last_factor.0 == Some(Factor::Passkey)
            || crate::backend::oidc::grants::login_asked(&mut conn, &state.keys, ctx.oidc_request.as_ref(), ctx.now)
                .await?
                .passkey);
    let push_available = login && push::paired(&mut conn, user_id).await?;
    let (push, pushes_left) = match push_available {
        true => (
            push::view_of_session(&mut conn, &step.session.id_hash, ctx.now).await?,
            push::left_to_show(&mut conn, state, user_id, ctx.now).await?,
        ),
        false => (None, None),
    };
    let other_methods = match step.purpose {
        // With no code sent yet (the challenge waits for the app), every channel is offered.
        Purpose::Login => factor::channels_of(&step.account, step.session.stage)
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
        codes_total,
        tries_left,
        exhausted: challenge_state == Some(ChallengeState::Exhausted),
        totp,
        passkey,
        opened_on_passkey,
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
    let step = step::load_to_send(&mut tx, state, ctx).await?;
    if step.purpose != Purpose::Setup {
        return Err(AppError::WrongStep { home: step.session.stage.home().to_owned() });
    }
    let facts = code::facts(&mut tx, state, ctx, step.account.id, Purpose::Setup, Method::Sms).await?;
    if facts.wait_secs > 0 {
        return Err(AppError::Cooldown { retry_after_secs: facts.wait_secs });
    }
    let mut tx = admit_sms(state, ctx, tx, &facts).await?;
    // A new number voids every code sent to the old one.
    let challenge_id = match &step.challenge {
        Some(c) => {
            let next = mfa::transition(c.state(), ChallengeEvent::Renewed, &state.config.policy)
                .map_err(AppError::internal)?;
            code::void_all(&mut tx, c.id).await?;
            store::challenges::set_phone(&mut tx, c.id, &e164).await?;
            step::set_state(&mut tx, c.id, next);
            c.id
        }
        None => store::challenges::open_setup(&mut tx, &step.session.id_hash, step.account.id, &e164, ctx.now).await?,
    };
    let send =
        CodeSend { user_id: step.account.id, challenge_id, purpose: Purpose::Setup, channel: Method::Sms, to: &e164 };
    let sent = code::send(&mut tx, state, ctx, send, &facts).await?;
    finish_send(state, ctx, tx, sent, &step).await
}

/// Lets a send go on, or commits only its audited refusal when the network's SMS are used
/// up (a send that is no SMS always goes on).
async fn admit_sms(
    state: &AppState,
    ctx: &RequestCtx,
    mut tx: db::WriteTx,
    facts: &code::SendFacts,
) -> Result<db::WriteTx, AppError> {
    let Some(usage) = facts.network else { return Ok(tx) };
    match sms_cap::refusal_of(&mut tx, state, ctx, usage).await? {
        None => Ok(tx),
        Some(refusal) => state.refuse(tx, refusal).await,
    }
}

/// "Resend" (SPEC 3.2), or a new code after too many wrong ones (3.3).
pub async fn resend(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let step = step::load_to_send(&mut tx, state, ctx).await?;
    let Some(challenge) = &step.challenge else {
        return Err(AppError::Input(InputError::PhoneMalformed));
    };
    let method = challenge.method();
    let facts = code::facts(&mut tx, state, ctx, step.account.id, step.purpose, method).await?;
    send_on(state, ctx, tx, &step, challenge.id, challenge.state(), method, facts).await
}

/// "Authenticate via X" (SPEC 3.2): switches the challenge and sends one message on the new
/// channel.
pub async fn switch_method(state: &AppState, ctx: &RequestCtx, method: &str) -> Result<(), AppError> {
    let method = Method::parse(method).ok_or(AppError::Input(InputError::MethodUnavailable))?;
    let mut tx = state.writer.begin().await?;
    let step = step::load_to_send(&mut tx, state, ctx).await?;
    let challenge = step.challenge()?;
    if step.purpose != Purpose::Login || !factor::channels_of(&step.account, step.session.stage).contains(&method) {
        return Err(AppError::Input(InputError::MethodUnavailable));
    }
    // A refused SMS leaves the challenge on its method.
    let facts = code::facts(&mut tx, state, ctx, step.account.id, step.purpose, method).await?;
    let mut tx = admit_sms(state, ctx, tx, &facts).await?;
    // Written now: the new state goes with the commit, and both change the challenge's row.
    store::challenges::set_method(&mut tx, challenge.id, method).await?;
    send_on(state, ctx, tx, &step, challenge.id, challenge.state(), method, facts).await
}

#[allow(clippy::too_many_arguments)]
async fn send_on(
    state: &AppState,
    ctx: &RequestCtx,
    tx: db::WriteTx,
    step: &Step,
    challenge_id: i64,
    current: ChallengeState,
    method: Method,
    facts: code::SendFacts,
) -> Result<(), AppError> {
    if facts.wait_secs > 0 {
        return Err(AppError::Cooldown { retry_after_secs: facts.wait_secs });
    }
    let mut tx = admit_sms(state, ctx, tx, &facts).await?;
    let next = mfa::transition(current, ChallengeEvent::Renewed, &state.config.policy)
        .map_err(|_| AppError::WrongStep { home: "/".into() })?;
    if current == ChallengeState::Exhausted {
        // A new challenge: the codes of the exhausted one are void.
        code::void_all(&mut tx, challenge_id).await?;
    }
    step::set_state(&mut tx, challenge_id, next);
    let to = recipient(step, method).ok_or(AppError::Input(InputError::MethodUnavailable))?;
    let send = CodeSend { user_id: step.account.id, challenge_id, purpose: step.purpose, channel: method, to: &to };
    let sent = code::send(&mut tx, state, ctx, send, &facts).await?;
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
        (Sent::Yes, _) => Ok(state.commit(tx).await?),
        (Sent::QuotaExceeded { free_at }, Purpose::Setup) => {
            let refusal =
                AppError::QuotaExceeded { free_at: free_at.0, free_at_text: timefmt::minute(free_at, ctx.lang) };
            state.refuse(tx, refusal).await
        }
        (Sent::QuotaExceeded { .. }, Purpose::Login) => {
            let refusal = account_lock::lock(&mut tx, state, ctx, step.account.id).await?;
            state.refuse(tx, refusal).await
        }
    }
}

/// Where a passed MFA step goes: the new session's token and the page to show.
pub struct Passed {
    pub token: Secret<String>,
    /// The stage's page, or, after a first MFA setup, the page with the new recovery codes.
    pub next: &'static str,
}

/// Checks a typed code (SPEC 3.3, 3.4). Success ends the MFA step: the account's trusted IP
/// becomes this IP, its daily limits reset, and the session gets a new id at stage
/// `Authenticated` (or, after a forgotten-password link, `NewPassword`).
pub async fn verify(state: &AppState, ctx: &RequestCtx, raw_code: &str) -> Result<Passed, AppError> {
    let code = mfa::normalise_code(raw_code).map_err(|_| AppError::Input(InputError::CodeMalformed))?;
    let mut tx = state.writer.begin().await?;
    let step = step::load(&mut tx, state, ctx).await?;
    let challenge = step.challenge()?;
    let current = challenge.state();
    if current == ChallengeState::Exhausted {
        return Err(AppError::ChallengeExhausted);
    }
    let user_id = step.account.id;
    let admission = match step.purpose {
        Purpose::Login => wrong_entries::admit(&mut tx, state, ctx, user_id, step.wrong_entries).await?,
        Purpose::Setup => Admission::Check,
    };
    if let Admission::Locked(refusal) = admission {
        return state.refuse(tx, refusal).await;
    }
    let Some(channel) = code::take_matching(&mut tx, state, challenge.id, &code, ctx.now).await? else {
        return step::refuse_code(state, ctx, tx, &step, challenge.id, current).await;
    };
    mfa::transition(current, ChallengeEvent::CodeAccepted, &state.config.policy).map_err(AppError::internal)?;
    let event = match step.purpose {
        Purpose::Setup => LoginEvent::SetupCompleted,
        Purpose::Login => LoginEvent::ChallengePassed,
    };
    let stage = login_transition(step.session.stage, event).map_err(AppError::internal)?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::CodeAccepted { user_id, purpose: step.purpose, channel })
        .await?;
    let mut new_phone = None;
    if step.purpose == Purpose::Setup {
        let phone =
            challenge.phone_e164.clone().ok_or_else(|| AppError::internal("setup challenge without a phone"))?;
        store::users::set_verified_phone(&mut tx, user_id, &phone, ctx.now).await?;
        let event = AuditEvent::MfaSetupCompleted { user_id, phone_masked: mask::phone(&phone) };
        audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
        new_phone = Some(phone);
    }
    // A first setup (not a phone reset) is followed by the account's recovery codes, once.
    let first_setup = step.session.stage == LoginState::SetupRequired;
    if stage == LoginState::NewPassword {
        // A forgotten password: the challenge leads to the new-password form, not a login.
        store::sessions::delete_by_hash(&mut tx, &step.session.id_hash).await?;
        let token = sessions::create(&mut tx, &state.keys, user_id, stage, ctx.ip, ctx.now).await?;
        tx.commit().await?;
        return Ok(Passed { token, next: stage.home() });
    }
    let proof = Proof::Factor(Factor::Code(channel));
    // A first setup's recovery codes belong to the new session: the next login (which
    // completes like this one) takes them back, so a later session never gets codes without
    // a TAN.
    let token =
        completion::complete(&mut tx, state, ctx, user_id, &step.session.id_hash, stage, proof, first_setup).await?;
    if let (LoginState::PhoneReset, Some(phone)) = (step.session.stage, new_phone) {
        completion::phone_reset_done(&mut tx, ctx, user_id, &step.session.id_hash, &phone).await?;
    }
    state.commit(tx).await?;
    Ok(Passed { token, next: if first_setup { "/mfa/recovery-codes" } else { stage.home() } })
}

/// The authenticator app's code at the login challenge: a wrong (or replayed) one counts
/// toward the challenge's tries; a right one passes it, and the next challenge opens on the
/// app without sending anything. Returns the new session's token.
pub async fn use_totp(state: &AppState, ctx: &RequestCtx, raw_code: &str) -> Result<Secret<String>, AppError> {
    let code = mfa::normalise_code(raw_code).map_err(|_| AppError::Input(InputError::CodeMalformed))?;
    let (mut tx, step, challenge_id, current) = step::login_entry(state, ctx).await?;
    let user_id = step.account.id;
    if !totp::check_and_use(&mut tx, state, user_id, &step.account.email, &code, ctx.now).await? {
        return step::refuse_code(state, ctx, tx, &step, challenge_id, current).await;
    }
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::TotpAccepted { user_id }).await?;
    let token = step::pass_login_challenge(&mut tx, state, ctx, &step, current, Proof::Factor(Factor::Totp)).await?;
    tx.commit().await?;
    Ok(token)
}

/// "Use a recovery code" at the login challenge. A wrong code counts toward the challenge's
/// tries like a wrong one-time code; a right one is used up, passes the challenge like a code
/// would, is audited with the number left, and the owner gets an e-mail. Returns the new
/// session's token and the number of codes left.
pub async fn use_recovery_code(
    state: &AppState,
    ctx: &RequestCtx,
    raw_code: &str,
) -> Result<(Secret<String>, i64), AppError> {
    let code = mfa::normalise_recovery_code(raw_code).ok_or(AppError::Input(InputError::CodeMalformed))?;
    let (mut tx, step, challenge_id, current) = step::login_entry(state, ctx).await?;
    let user_id = step.account.id;
    if !recovery_code::use_one(&mut tx, state, user_id, &code, ctx.now).await? {
        return step::refuse_code(state, ctx, tx, &step, challenge_id, current).await;
    }
    let remaining = recovery_code::remaining(&mut tx, user_id).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::RecoveryCodeUsed { user_id, remaining }).await?;
    let notice = messages::recovery_code_used_notice(ctx.lang, remaining);
    outbox::email_to(&mut tx, &step.account.email, notice, ctx.now).await?;
    let token = step::pass_login_challenge(&mut tx, state, ctx, &step, current, Proof::RecoveryCode).await?;
    state.commit(tx).await?;
    Ok((token, remaining))
}
