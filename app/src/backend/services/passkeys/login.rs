//! Logging in with a passkey alone (SPEC 14.2): no password, no address typed. The browser
//! offers the discoverable keys it holds for Riegel (in the e-mail field's autofill, or at the
//! button "Log in with a passkey"); the key's signature, with its user verified by the device,
//! is both factors.
//!
//! Rules:
//! - Asking for the options stores nothing (anyone may open the login page): the ceremony's
//!   state goes to the page sealed (ChaCha20-Poly1305 under a key derived from the server's
//!   secret key), live for [`CEREMONY_SECS`], and comes back with the answer. Each ceremony
//!   carries its own state, so the autofill's and the button's, begun on one page, never mix.
//!   The state binds the answer to Riegel's challenge; the key's signature binds it to
//!   Riegel's origin (a relayed answer fails there, not here). An answer that passes marks its
//!   ceremony answered, so one ceremony logs in once; an answer without a live ceremony, or a
//!   garbled one, cannot pass and counts nothing.
//! - Every other answer is an attempt of the password throttle (SPEC 1.2) under the network's
//!   own pair for passkeys: counted before it is checked (in a transaction of its own, as for
//!   the password), and only that attempt taken back when the key passes (the pair is shared
//!   by everyone behind the network, so a success does not clear it). An
//!   unknown key, another key's signature, a replayed ceremony, a user handle that is not the
//!   key's owner's stay counted, so a network gets the password's free tries, then the
//!   growing delay, then its hourly cap. They do not count against the key's account (SPEC
//!   4.6): whoever learnt a key's id could otherwise lock its owner out.
//! - A key that passes logs in from any IP, and the IP becomes the trusted one (SPEC 1.4,
//!   1.5). It does not open an account that is locked (the 24 h lock, SPEC 1.6), disabled, or
//!   without MFA set up.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{LockKey, WriteTx},
        factor::passkey::{self, Assertion, CEREMONY_SECS},
        limits::{
            account_lock,
            password_throttle::{self, Attempt, ThrottleKey},
        },
        login::{completion, sessions},
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::{Purpose, Secret},
    },
    domain::{
        login::{LoginEvent, LoginState, transition},
        oidc::Proof,
        time::Timestamp,
    },
    wire::{AppError, InputError, passkeys::LoginCeremony},
};

/// What a sealed ceremony is bound to besides its key (the AEAD's associated data).
const SEALED_CEREMONY: &[u8] = b"passkey login ceremony";

/// The longest a sealed ceremony can be; anything longer is not one.
const MAX_SEALED_LEN: usize = 2048;

/// A ceremony as the page keeps it.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// The library's state, with the challenge the answer must sign.
    state: String,
    expires_at: Timestamp,
}

/// Whether passkeys are offered at all (Riegel reached by a domain name).
pub fn offered(state: &AppState) -> bool {
    passkey::relying_party(state).is_ok()
}

/// The options for the browser: no key named, user verification required.
pub fn start(state: &AppState, ctx: &RequestCtx) -> Result<LoginCeremony, AppError> {
    let rp = passkey::relying_party(state)?;
    let (options, kept) = passkey::start_login(&rp)?;
    let sealed = Sealed { state: kept, expires_at: ctx.now.plus_secs(CEREMONY_SECS) };
    let json = serde_json::to_vec(&sealed).map_err(AppError::internal)?;
    let bytes = state.keys.seal(Purpose::PasskeyLoginSeal, SEALED_CEREMONY, &json).map_err(AppError::internal)?;
    Ok(LoginCeremony {
        options: serde_json::to_string(&options).map_err(AppError::internal)?,
        ceremony: URL_SAFE_NO_PAD.encode(bytes),
    })
}

/// A live ceremony the page sent back: its state, its mark once answered, and when
/// it expires.
struct Ceremony {
    state: String,
    mark: Vec<u8>,
    expires_at: Timestamp,
}

impl Ceremony {
    /// The mark outlives the ceremony by as long again, so an instance whose clock runs
    /// behind the sweeping one's still finds it while it would take the ceremony as live.
    fn mark_kept_until(&self) -> Timestamp {
        self.expires_at.plus_secs(CEREMONY_SECS)
    }
}

fn open(state: &AppState, value: &str, now: Timestamp) -> Option<Ceremony> {
    if value.len() > MAX_SEALED_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
    let json = state.keys.open(Purpose::PasskeyLoginSeal, SEALED_CEREMONY, &bytes).ok()?;
    let sealed: Sealed = serde_json::from_slice(&json).ok()?;
    let mark = state.keys.keyed_hash(Purpose::PasskeyLoginMark, &bytes);
    (now < sealed.expires_at).then_some(Ceremony { state: sealed.state, mark, expires_at: sealed.expires_at })
}

/// The browser's answer. A key that passes logs in: returns the new session's token.
pub async fn log_in(
    state: &AppState,
    ctx: &RequestCtx,
    sealed: &str,
    answer: &str,
) -> Result<Secret<String>, AppError> {
    let rp = passkey::relying_party(state)?;
    let Some(ceremony) = open(state, sealed, ctx.now) else {
        return Err(AppError::Input(InputError::PasskeyNotStarted));
    };
    let answer = passkey::parse_answer(answer)?;
    // The key's owner, read before the transaction to know which account to lock; under the
    // lock the account's keys are read again, and they decide.
    let owner = store::passkeys::owner_of(&mut *state.pool.acquire().await?, passkey::claimed_key(&answer)).await?;
    let reservation = reserve_attempt(state, ctx).await?;
    let mut tx = state.writer.begin().await?;
    if let Some(owner) = owner {
        tx.lock([LockKey::Account(owner)]).await?;
    }
    let account = match owner {
        Some(owner) => store::users::login_account(&mut tx, owner).await?,
        None => None,
    };
    let passed = match &account {
        Some(account) => {
            let keys = store::passkeys::of_user(&mut tx, account.id).await?;
            match passkey::finish_login(&rp, state, &ceremony.state, &answer, account.id, &keys)? {
                Assertion::Passed(asserted) => Some(asserted),
                Assertion::Failed => None,
            }
        }
        None => None,
    };
    // One ceremony logs in once: a second answer to it (a replay, or a parallel one) fails.
    let passed = match passed {
        Some(asserted) if store::passkeys::mark_login(&mut tx, &ceremony.mark, ceremony.mark_kept_until()).await? => {
            asserted
        }
        _ => return refused(state, ctx, tx, owner).await,
    };
    let Some(account) = account.filter(|a| a.disabled_at.is_none() && a.phone_verified_at.is_some()) else {
        return refused(state, ctx, tx, owner).await;
    };
    // Only this attempt is taken back: the network's pair is shared by everyone behind it, so
    // one key that passes does not wipe the failures of others.
    password_throttle::release(&mut tx, &reservation).await?;
    if let Some(until) = account.locked_until.map(Timestamp).filter(|u| *u > ctx.now) {
        audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::LoginLocked { user_id: account.id, until }).await?;
        return state.refuse(tx, account_lock::locked_error(state, ctx, until)).await;
    }
    if let Some(old) = &ctx.session_token {
        sessions::delete(&mut tx, &state.keys, old).await?;
    }
    store::passkeys::set_used(&mut tx, passed.as_use(), ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PasskeyAccepted { user_id: account.id }).await?;
    let stage = transition(LoginState::Anonymous, LoginEvent::PasskeyAccepted).map_err(AppError::internal)?;
    let token = completion::complete(&mut tx, state, ctx, account.id, &[], stage, Proof::PasskeyAlone, false).await?;
    state.commit(tx).await?;
    Ok(token)
}

/// The throttle's step, in a transaction of its own (like the password's, `services::auth`):
/// the attempt is counted as a failure in advance, so parallel answers count exactly; the
/// answer's own step takes it back if the key passes.
async fn reserve_attempt(state: &AppState, ctx: &RequestCtx) -> Result<password_throttle::Reservation, AppError> {
    let mut tx = state.writer.begin().await?;
    let throttle = ThrottleKey::passkey_login(&state.keys, ctx.ip);
    match password_throttle::reserve(&mut tx, &state.config.policy, throttle, ctx.now).await? {
        Attempt::Allowed(reservation) => {
            tx.commit().await?;
            Ok(reservation)
        }
        Attempt::Refused { retry_at } => {
            let event = AuditEvent::LoginThrottled { email: None, retry_at };
            audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
            let refusal = AppError::TooManyAttempts { retry_after_secs: ctx.now.secs_until(retry_at) };
            state.refuse(tx, refusal).await
        }
    }
}

/// An answer that did not pass: it stays counted by the throttle, and is audited.
async fn refused(
    state: &AppState,
    ctx: &RequestCtx,
    mut tx: WriteTx,
    owner: Option<i64>,
) -> Result<Secret<String>, AppError> {
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PasskeyLoginRefused { user_id: owner }).await?;
    state.refuse(tx, AppError::Input(InputError::PasskeyLoginRefused)).await
}
