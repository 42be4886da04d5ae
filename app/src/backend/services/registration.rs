//! Self-registration (SPEC 2.1): company, full name, e-mail, password → e-mail code → MFA
//! setup, one flow with a step indicator.
//!
//! - Step 1 checks the inputs and the password's strength, counts the request against the
//!   per-IP cap, hashes the password and stores the registration under a cookie of its own.
//!   No account exists yet.
//! - If the address already has an account, its owner gets a notice instead of a code, and
//!   the registrant sees exactly what anyone else sees (no code will ever match).
//! - Step 2: the code (10 minutes, 5 wrong entries end the registration, at most
//!   `registration_codes_max` sends, 30 s between sends). The right code creates the
//!   organisation and its first account (role `admin`) in one transaction and starts a
//!   session at MFA setup (step 3).
//! - A registration ends after `registration_ttl_secs`.

use crate::backend::db::WriteTx;
use crate::{
    backend::{
        audit::{self, AuditEvent},
        delivery::outbox,
        input::{check_new_password, name_field},
        limits::anonymous_cap::anonymous_request,
        login::sessions,
        messages,
        request::RequestCtx,
        state::AppState,
        store::{self, Conn, registrations::RegistrationRow},
        tools::crypto::{Password, Purpose, Secret, hashes_equal, random_code, random_token},
    },
    domain::{
        email,
        login::LoginState,
        mask,
        mfa::{self},
        time::Timestamp,
    },
    wire::{AppError, InputError, registration::RegistrationStatus},
};

fn flow_hash(state: &AppState, token: &Secret<String>) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::RegistrationFlow, token.expose().as_bytes())
}

fn code_hash(state: &AppState, flow_hash: &[u8], code: &str) -> Vec<u8> {
    let mut data = flow_hash.to_vec();
    data.extend_from_slice(b":");
    data.extend_from_slice(code.as_bytes());
    state.keys.keyed_hash(Purpose::RegistrationCode, &data)
}

/// The registration of this browser, if it is still running.
async fn pending(conn: &mut Conn, state: &AppState, ctx: &RequestCtx) -> Result<Option<RegistrationRow>, AppError> {
    let Some(token) = &ctx.registration_token else {
        return Ok(None);
    };
    let row = store::registrations::by_flow_hash(conn, &flow_hash(state, token)).await?;
    Ok(row.filter(|p| Timestamp(p.created_at).plus_secs(state.config.policy.registration_ttl_secs) > ctx.now))
}

/// Sends the registration's code (or, for a taken address, the notice to its owner) and
/// stores what was sent.
async fn send(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    flow: &[u8],
    address: &str,
) -> Result<(), AppError> {
    let existing = store::users::id_by_email(tx, address).await?;
    // Whoever registers, one address gets at most a few registration e-mails a day: past the
    // cap the page looks the same and nothing is sent.
    let since = ctx.now.minus_secs(state.config.policy.quota_window_secs);
    let mailed = store::audit_events::registrations_started_since(tx, address, since).await?;
    let capped = mailed >= i64::from(state.config.policy.registration_mails_per_address);
    let code_hash = match existing {
        _ if capped => None,
        None => {
            let code = random_code();
            let text = messages::registration_code(ctx.lang, code.expose(), state.config.policy.code_ttl_secs / 60);
            outbox::email_to(tx, address, text, ctx.now).await?;
            Some(code_hash(state, flow, code.expose()))
        }
        Some(_) => {
            outbox::email_to(tx, address, messages::registration_attempt_notice(ctx.lang), ctx.now).await?;
            None
        }
    };
    store::registrations::record_send(tx, flow, code_hash.as_deref(), ctx.now).await?;
    if !capped {
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::RegistrationStarted { email: address, existing }).await?;
    }
    Ok(())
}

/// Step 1. Returns the registration cookie's token.
pub async fn start(
    state: &AppState,
    ctx: &RequestCtx,
    raw_company: &str,
    raw_name: &str,
    raw_email: &str,
    password: Password,
) -> Result<Secret<String>, AppError> {
    let company = name_field(raw_company, InputError::CompanyMissing)?;
    let full_name = name_field(raw_name, InputError::NameMissing)?;
    let address = email::normalise(raw_email).ok_or(AppError::Input(InputError::EmailMalformed))?;
    // The strength check runs before the request is counted: fixing a weak password is free.
    check_new_password(state, &password, &address, &full_name, &company)?;
    anonymous_request(state, ctx, "registration").await?;
    let hash = state.hasher.hash(&password).await?;

    let token = random_token();
    let flow = flow_hash(state, &token);
    let mut tx = state.writer.begin().await?;
    let expired = ctx.now.minus_secs(state.config.policy.registration_ttl_secs);
    store::registrations::delete_created_until(&mut tx, expired).await?;
    if let Some(old) = &ctx.registration_token {
        store::registrations::delete(&mut tx, &flow_hash(state, old)).await?;
    }
    store::registrations::insert(&mut tx, &flow, &company, &full_name, &address, &hash, ctx.now).await?;
    send(&mut tx, state, ctx, &flow, &address).await?;
    state.commit(tx).await?;
    Ok(token)
}

fn status_of(state: &AppState, ctx: &RequestCtx, p: &RegistrationRow) -> RegistrationStatus {
    let policy = &state.config.policy;
    RegistrationStatus {
        to: mask::email(&p.email),
        cooldown_secs: mfa::cooldown_left(Timestamp(p.last_sent_at), ctx.now, policy),
        codes_left: policy.registration_codes_max.saturating_sub(u32::try_from(p.codes_sent).unwrap_or(u32::MAX)),
        tries_left: policy.code_max_failures.saturating_sub(u32::try_from(p.failures).unwrap_or(u32::MAX)),
    }
}

pub async fn status(state: &AppState, ctx: &RequestCtx) -> Result<Option<RegistrationStatus>, AppError> {
    let mut conn = state.pool.acquire().await?;
    Ok(pending(&mut conn, state, ctx).await?.map(|p| status_of(state, ctx, &p)))
}

pub async fn resend(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let p = pending(&mut tx, state, ctx).await?.ok_or(AppError::RegistrationExpired)?;
    let s = status_of(state, ctx, &p);
    if s.cooldown_secs > 0 {
        return Err(AppError::Cooldown { retry_after_secs: s.cooldown_secs });
    }
    if s.codes_left == 0 || s.tries_left == 0 {
        return Err(AppError::RegistrationExpired);
    }
    send(&mut tx, state, ctx, &p.flow_hash, &p.email).await?;
    state.commit(tx).await?;
    Ok(())
}

pub async fn cancel(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    if let Some(token) = &ctx.registration_token {
        let mut tx = state.writer.begin().await?;
        store::registrations::delete(&mut tx, &flow_hash(state, token)).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Step 2. The right code creates the organisation and its admin account and returns the
/// session token for MFA setup.
pub async fn verify(state: &AppState, ctx: &RequestCtx, raw_code: &str) -> Result<Secret<String>, AppError> {
    let policy = &state.config.policy;
    let code = mfa::normalise_code(raw_code).map_err(|_| AppError::Input(InputError::CodeMalformed))?;
    let mut tx = state.writer.begin().await?;
    let p = pending(&mut tx, state, ctx).await?.ok_or(AppError::RegistrationExpired)?;
    if p.failures >= i64::from(policy.code_max_failures) {
        return Err(AppError::RegistrationExpired);
    }
    let typed = code_hash(state, &p.flow_hash, &code);
    let fresh = mfa::code_is_fresh(Timestamp(p.last_sent_at), ctx.now, policy);
    let right = p.code_hash.as_deref().is_some_and(|h| hashes_equal(h, &typed)) && fresh;
    if !right {
        store::registrations::count_failure(&mut tx, &p.flow_hash).await?;
        tx.commit().await?;
        let left = policy.code_max_failures.saturating_sub(u32::try_from(p.failures + 1).unwrap_or(u32::MAX));
        return Err(if left == 0 { AppError::RegistrationExpired } else { AppError::CodeWrong { tries_left: left } });
    }
    store::registrations::delete(&mut tx, &p.flow_hash).await?;
    let taken = store::users::email_taken(&mut tx, &p.email).await?;
    if taken {
        // Registered meanwhile (another browser): this registration is over.
        tx.commit().await?;
        return Err(AppError::RegistrationExpired);
    }
    let organisation_id = store::organisations::create(&mut tx, &p.company, ctx.now).await?;
    let user_id = store::users::create_registered_admin(
        &mut tx,
        organisation_id,
        &p.email,
        &p.full_name,
        &p.password_hash,
        ctx.now,
    )
    .await?;
    let event = AuditEvent::RegistrationCompleted { user_id, organisation_id };
    audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    if let Some(old) = &ctx.session_token {
        sessions::delete(&mut tx, &state.keys, old).await?;
    }
    let token = sessions::create(&mut tx, &state.keys, user_id, LoginState::SetupRequired, ctx.ip, ctx.now).await?;
    tx.commit().await?;
    Ok(token)
}
