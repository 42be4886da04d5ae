//! The settings page (SPEC 5.1–5.4, 5.7): the TAN system's status and rules, ending the TAN
//! session, and the changes of password and e-mail address. Each change is a protected action:
//! the TAN system authorises exactly its data, and the change, its audit event and its notice
//! are written in the same write transaction.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        delivery::outbox::{self, NewMessage},
        factor::passkey,
        input,
        limits::password_throttle::{self, Attempt, ThrottleKey},
        limits::quota_window::{self, Sends},
        login::access,
        messages,
        messages::tan::Authorises,
        request::RequestCtx,
        state::AppState,
        store, tan,
        tools::crypto::{Password, Purpose, hashes_equal, random_code},
        tools::timefmt,
    },
    domain::{
        email, mask,
        mfa::{self, Method},
        money,
        quota::{self, QuotaDecision},
        tan::{Action, Mode, TanSettings, Way},
        time::Timestamp,
    },
    wire::{AppError, InputError, settings::TanStatus},
};

pub async fn tan_status(state: &AppState, ctx: &RequestCtx) -> Result<TanStatus, AppError> {
    let (mut conn, session, user) = access::member_reading(state, ctx).await?;
    Ok(TanStatus {
        active: user.phone_e164.is_some(),
        phone: user.phone_e164.as_deref().map(mask::phone).unwrap_or_default(),
        locked: user.tan_locked_at.is_some(),
        session_active: tan::tan_session_active(&session, ctx),
        tries_left: user.tries_left(state),
        settings: user.settings(),
        passkey_offered: passkey::offered(&mut conn, state, user.id).await?,
    })
}

fn parse_mode(action: Action, raw: &str) -> Result<Mode, AppError> {
    match Mode::parse(raw) {
        Some(m) if action.user_may_choose() || m == action.default_mode() => Ok(m),
        _ => Err(AppError::BadRequest),
    }
}

/// The TAN settings (SPEC 5.3, 5.8): the modes, the threshold and how TANs come (`way`:
/// `sms` or `passkey`; none keeps the current way). Changing them needs a TAN every time.
pub async fn change_tan_settings(
    state: &AppState,
    ctx: &RequestCtx,
    modes: [&str; 4],
    threshold: &str,
    way: Option<&str>,
    tan: Option<&str>,
) -> Result<(), AppError> {
    let threshold = money::parse_eur(threshold).map_err(|_| AppError::Input(InputError::ThresholdInvalid))?;
    let way = way.map(|w| Way::parse(w).ok_or(AppError::BadRequest)).transpose()?;
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let settings = TanSettings {
        password: parse_mode(Action::ChangePassword, modes[0])?,
        email: parse_mode(Action::ChangeEmail, modes[1])?,
        invoice: parse_mode(Action::SubmitInvoice, modes[2])?,
        admin: parse_mode(Action::AdminAccountChange, modes[3])?,
        invoice_threshold_cents: threshold,
        way: way.unwrap_or(user.settings().way),
    };
    match settings.way {
        Way::Passkey if !passkey::offered(&mut tx, state, user.id).await? => {
            return Err(AppError::Input(InputError::TanWayUnavailable));
        }
        Way::Passkey | Way::Sms => {}
    }
    let canonical = settings.canonical();
    let description = messages::tan::describe(ctx.lang, Authorises::TanSettings);
    let protected = tan::Protected { action: Action::ChangeTanSettings, canonical: &canonical, description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    store::users::set_tan_settings(&mut tx, user.id, &settings).await?;
    Ok(audit::record_and_commit(tx, ctx, AuditEvent::TanSettingsChanged { user_id: user.id, settings: canonical })
        .await?)
}

/// "TAN-Sitzung beenden" / "End TAN session" (SPEC 5.4).
pub async fn end_tan_session(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    tan::end_tan_session(&mut tx, ctx, &session, user.id, "ended_by_user").await?;
    tx.commit().await?;
    Ok(())
}

/// A password change (SPEC 5.3, 5.7): the current password, then the TAN as the second factor.
/// Success ends every other session and the TAN session, and makes the next login from any IP
/// meet the MFA challenge (the trusted IP is forgotten). The new password meets the same
/// strength rules as at registration (SPEC 2.1).
///
/// The current password goes through the password throttle (SPEC 1.2), counted by the
/// account from any IP: beyond it the change is refused like a throttled login, before any
/// argon2 run and without writing anything. Every wrong current password is audited.
pub async fn change_password(
    state: &AppState,
    ctx: &RequestCtx,
    current: Password,
    new: Password,
    tan: Option<&str>,
) -> Result<(), AppError> {
    let policy = &state.config.policy;
    if current.expose().len() > policy.password_max_bytes {
        return Err(AppError::Input(InputError::PasswordTooLong));
    }
    // The expensive checks run before the write lock is taken.
    let (user_id, stored) = {
        let (mut conn, _, user) = access::member_reading(state, ctx).await?;
        let company = store::organisations::name(&mut conn, user.organisation_id).await?;
        input::check_new_password(state, &new, &user.email, &user.full_name, company.as_deref().unwrap_or(""))?;
        (user.id, store::users::password_hash(&mut conn, user.id).await?)
    };
    // The hasher's slot first: when it is full nothing was tried, so nothing is counted.
    let admission = state.hasher.admit()?;
    let reservation = {
        let key = ThrottleKey::password_change(&state.keys, user_id, ctx.ip);
        let mut tx = state.writer.begin().await?;
        match password_throttle::reserve(&mut tx, policy, key, ctx.now).await? {
            Attempt::Allowed(reservation) => {
                tx.commit().await?;
                reservation
            }
            // Refused: nothing was counted and nothing is stored, so the bound also bounds
            // what a caller can make Riegel write.
            Attempt::Refused { retry_at } => {
                return Err(AppError::TooManyAttempts { retry_after_secs: ctx.now.secs_until(retry_at) });
            }
        }
    };
    let verified = state.hasher.verify_admitted(admission, Some(&stored), &current).await;
    let mut tx = state.writer.begin().await?;
    match verified {
        Ok(true) => {
            password_throttle::clear(&mut tx, &reservation).await?;
            tx.commit().await?;
        }
        Ok(false) => {
            // The failure counted in advance stays.
            audit::record_and_commit(tx, ctx, AuditEvent::CurrentPasswordRefused { user_id }).await?;
            return Err(AppError::Input(InputError::CurrentPasswordWrong));
        }
        Err(e) => {
            // Nothing was tried: the advance failure is taken back.
            password_throttle::release(&mut tx, &reservation).await?;
            tx.commit().await?;
            return Err(e.into());
        }
    }
    let new_hash = state.hasher.hash(&new).await?;

    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let description = messages::tan::describe(ctx.lang, Authorises::Password);
    let protected = tan::Protected { action: Action::ChangePassword, canonical: new.expose(), description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    store::users::set_password_forget_trusted_ip(&mut tx, user.id, &new_hash).await?;
    let ended = store::sessions::delete_others_of_user(&mut tx, user.id, &session.id_hash).await?;
    tan::end_tan_session(&mut tx, ctx, &session, user.id, "password_changed").await?;
    let event = AuditEvent::PasswordChanged { user_id: user.id, other_sessions_ended: ended };
    Ok(audit::record_and_commit(tx, ctx, event).await?)
}

fn email_code_hash(state: &AppState, change_id: i64, code: &str) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::EmailChangeCode, format!("{change_id}:{code}").as_bytes())
}

/// An e-mail change (SPEC 5.3, 5.7): a code to the new address proves it, then the TAN
/// authorises the change. Success ends the TAN session and tells the old address. Codes to new
/// addresses count against the account's daily quota (`email_change_codes_per_window`).
pub async fn change_email(
    state: &AppState,
    ctx: &RequestCtx,
    raw_email: &str,
    code: Option<&str>,
    tan: Option<&str>,
) -> Result<(), AppError> {
    let policy = &state.config.policy;
    let new_email = email::normalise(raw_email).ok_or(AppError::Input(InputError::EmailMalformed))?;
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    if new_email == user.email {
        return Err(AppError::Input(InputError::EmailUnchanged));
    }
    let latest = store::email_changes::latest_open(&mut tx, &session.id_hash, &new_email).await?;
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        // Step 1: a code to the new address (once per countdown).
        if let Some(wait) =
            latest.as_ref().map(|c| mfa::cooldown_left(Timestamp(c.sent_at), ctx.now, policy)).filter(|w| *w > 0)
        {
            return Err(AppError::EmailCodeRequired { to: mask::email(&new_email), cooldown_secs: wait });
        }
        // The account's daily quota of codes to new addresses, whatever the session or address.
        let usage = quota_window::usage(&mut tx, policy, user.id, Sends::EmailChangeCodes, ctx.now).await?;
        let limit = quota_window::limit(policy, Sends::EmailChangeCodes);
        // Beyond it nothing is sent or stored (the codes sent are audited, one event each).
        if let QuotaDecision::Exceeded { free_at } = quota::decide(usage, limit, ctx.now, policy.quota_window_secs) {
            return Err(AppError::QuotaExceeded {
                free_at: free_at.0,
                free_at_text: timefmt::minute(free_at, ctx.lang),
            });
        }
        store::email_changes::record_send(&mut tx, user.id, ctx.now).await?;
        let code = random_code();
        let id =
            store::email_changes::create_without_code(&mut tx, &session.id_hash, user.id, &new_email, ctx.now).await?;
        store::email_changes::set_code_hash(&mut tx, id, &email_code_hash(state, id, code.expose())).await?;
        let text = messages::email_change_code(ctx.lang, code.expose(), policy.code_ttl_secs / 60);
        let msg =
            NewMessage { channel: Method::Email, recipient: &new_email, subject: &text.subject, body: &text.body };
        outbox::enqueue(&mut tx, msg, ctx.now).await?;
        let to_masked = mask::email(&new_email);
        audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::EmailChangeCodeSent { user_id: user.id, to_masked })
            .await?;
        let prompt =
            AppError::EmailCodeRequired { to: mask::email(&new_email), cooldown_secs: policy.resend_cooldown_secs };
        return state.refuse(tx, prompt).await;
    };
    // Step 2: the code proves the address; a wrong one counts like a wrong MFA code.
    let typed = mfa::normalise_code(code).map_err(|_| AppError::Input(InputError::CodeMalformed))?;
    let Some(change) = latest.filter(|c| {
        mfa::code_is_fresh(Timestamp(c.sent_at), ctx.now, policy)
            && u32::try_from(c.failures).unwrap_or(u32::MAX) < policy.code_max_failures
    }) else {
        return Err(AppError::ChallengeExhausted);
    };
    if !hashes_equal(&email_code_hash(state, change.id, &typed), &change.code_hash) {
        store::email_changes::count_failure(&mut tx, change.id).await?;
        let tries_left =
            policy.code_max_failures.saturating_sub(u32::try_from(change.failures + 1).unwrap_or(u32::MAX));
        return state.refuse(tx, AppError::CodeWrong { tries_left }).await;
    }
    // Step 3: the TAN is the second factor for exactly this address.
    let description = messages::tan::describe(ctx.lang, Authorises::Email { masked: &mask::email(&new_email) });
    let protected = tan::Protected { action: Action::ChangeEmail, canonical: &new_email, description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    let taken = store::users::email_taken(&mut tx, &new_email).await?;
    if taken {
        return Err(AppError::Input(InputError::EmailUnavailable));
    }
    store::email_changes::mark_used(&mut tx, change.id, ctx.now).await?;
    store::users::set_email(&mut tx, user.id, &new_email).await?;
    tan::end_tan_session(&mut tx, ctx, &session, user.id, "email_changed").await?;
    let text = messages::email_changed_notice(ctx.lang, &mask::email(&new_email));
    let msg = NewMessage { channel: Method::Email, recipient: &user.email, subject: &text.subject, body: &text.body };
    outbox::enqueue(&mut tx, msg, ctx.now).await?;
    let event = AuditEvent::EmailChanged {
        user_id: user.id,
        from_masked: mask::email(&user.email),
        to_masked: mask::email(&new_email),
    };
    audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    state.commit(tx).await?;
    Ok(())
}
