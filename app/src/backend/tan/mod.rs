//! The TAN system (SPEC 5): every protected action calls `require` (which runs `authorise`)
//! in its own write transaction, holding the account's lock, before it changes anything.
//!
//! Rules (SPEC 5.2–5.6): a TAN is 6 characters of the TAN alphabet, sent by SMS, valid
//! `tan_ttl_secs` (5 minutes), single use, bound to the session and to the exact action and
//! its data; changed data void it. `tan_max_wrong` (3) wrong TANs in a row lock the TAN
//! system until support unlocks it; a right one resets the count. A per-session TAN opens the
//! TAN session, which ends with the IP, the password, the e-mail or on request. TAN SMS have
//! their own quota (`tan_sms_quota`, 20 a rolling 24 h, no lock) and count toward the
//! network's SMS cap.
//!
//! How TANs come (SPEC 5.8) is the account's choice: by SMS, or confirmed with a passkey
//! ([`passkey`], SPEC 14.3). The request's `tan` field says what it brings
//! ([`tan::Answer`]): nothing (issue one the chosen way), `sms` (the fallback), a passkey's
//! answer, or a typed TAN. A passkey's ceremony is an issued TAN like any other: the same
//! digest binding, lifetime, quota, strikes and modes.
//!
//! `authorise` answers `Authorisation::Granted` when the action may go ahead (covered by the
//! TAN session, or the right TAN for exactly these data), and `Authorisation::Refused` when
//! it may not: a TAN was sent, the TAN was wrong, the TAN system is locked. A refusal's
//! writes (the issued TAN, its outbox row, the wrong-TAN count, the lock) must be committed;
//! the caller does that with `commit_refusal`. `Err` is an internal failure, and nothing is
//! committed.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{self, LockKey, WriteTx},
        delivery::outbox::{self, NewMessage},
        factor,
        limits::{network::network_of, sms_cap},
        login::access::Member,
        login::sessions::Session,
        messages,
        request::RequestCtx,
        state::AppState,
        store,
        tools::crypto::{Purpose, hashes_equal, random_tan},
        tools::timefmt,
    },
    domain::{
        mask,
        mfa::{self, Method},
        quota::{self, QuotaDecision, Usage},
        tan::{self, Action, Answer, Mode, TanSettings, TanState, Way},
        time::Timestamp,
    },
    wire::{AppError, InputError},
};

mod passkey;

/// The TAN facts of the logged-in account.
impl Member {
    pub fn settings(&self) -> TanSettings {
        let d = TanSettings::default();
        TanSettings {
            password: Mode::parse(&self.tan_mode_password).unwrap_or(d.password),
            email: Mode::parse(&self.tan_mode_email).unwrap_or(d.email),
            invoice: Mode::parse(&self.tan_mode_invoice).unwrap_or(d.invoice),
            admin: Mode::parse(&self.tan_mode_admin).unwrap_or(d.admin),
            invoice_threshold_cents: self.invoice_threshold_cents,
            way: tan::Way::parse(&self.tan_way).unwrap_or(d.way),
        }
    }

    pub fn tries_left(&self, state: &AppState) -> u32 {
        state.config.policy.tan_max_wrong.saturating_sub(u32::try_from(self.tan_wrong_in_a_row).unwrap_or(u32::MAX))
    }
}

/// Whether the session's TAN session is open for this request (same IP).
pub fn tan_session_active(session: &Session, ctx: &RequestCtx) -> bool {
    session.tan_ip.as_deref() == Some(ctx.ip.to_string().as_str())
}

/// Ends the session's TAN session (SPEC 5.4), if one is open: asks the database, not the
/// session as loaded, since `authorise` may have opened one in the same transaction.
pub async fn end_tan_session(
    conn: &mut WriteTx,
    ctx: &RequestCtx,
    session: &Session,
    user_id: i64,
    reason: &'static str,
) -> Result<(), sqlx::Error> {
    let ended = store::sessions::close_tan_session(conn, &session.id_hash).await?;
    if ended > 0 {
        audit::record(conn, ctx.now, Some(ctx.ip), AuditEvent::TanSessionEnded { user_id, reason }).await?;
    }
    Ok(())
}

/// What an action presents to be authorised.
pub struct Protected<'a> {
    pub action: Action,
    /// The action's data in a canonical form; the TAN is bound to their keyed digest.
    pub canonical: &'a str,
    /// What the SMS says the TAN authorises, in the user's language.
    pub description: String,
}

fn digest(state: &AppState, p: &Protected<'_>) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::TanDigest, format!("{}\n{}", p.action.as_str(), p.canonical).as_bytes())
}

fn tan_hash(state: &AppState, tan_id: i64, tan: &str) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::Tan, format!("{tan_id}:{tan}").as_bytes())
}

/// What a request brings to be checked against the issued TAN.
enum Presented<'a> {
    /// A typed TAN, normalised.
    Tan(String),
    /// A passkey's answer, as WebAuthn's JSON.
    Passkey(&'a str),
}

/// Whether a protected action may go ahead.
#[derive(Debug)]
pub enum Authorisation {
    /// Covered by the TAN session, or the right TAN for exactly these data.
    Granted,
    /// Not now: a TAN was sent (or is still valid), the TAN was wrong or expired, or the TAN
    /// system is locked. The refusal's writes must be committed (`commit_refusal`).
    Refused(AppError),
}

async fn authorise(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    session: &Session,
    user: &Member,
    p: Protected<'_>,
    tan_input: Option<&str>,
) -> Result<Authorisation, AppError> {
    use Authorisation::{Granted, Refused};
    // The strikes and the TAN SMS quota are the account's, read with `user` under its lock.
    tx.holds(&LockKey::Account(user.id))?;
    let policy = &state.config.policy;
    if user.tan_locked_at.is_some() {
        return Ok(Refused(AppError::TanLocked));
    }
    let Some(phone) = user.phone_e164.as_deref() else {
        return Ok(Refused(AppError::TanLocked));
    };
    if session.tan_ip.is_some() && !tan_session_active(session, ctx) {
        end_tan_session(tx, ctx, session, user.id, "ip_changed").await?;
    }
    let settings = user.settings();
    if !tan::needs_tan(p.action, &settings, tan_session_active(session, ctx)) {
        return Ok(Granted);
    }
    let digest = digest(state, &p);
    let presented = match Answer::of(tan_input) {
        ask @ (Answer::Ask | Answer::AskSms) => {
            let passkey_can_answer =
                settings.way == Way::Passkey && factor::passkey::offered(tx, state, user.id).await?;
            let way = tan::way_to_issue(settings.way, ask == Answer::AskSms, passkey_can_answer);
            return Ok(Refused(issue(tx, state, ctx, session, user, &p, &digest, phone, way).await?));
        }
        Answer::Typed(raw) => match tan::normalise(raw) {
            Ok(typed) => Presented::Tan(typed),
            Err(_) => return Ok(Refused(AppError::Input(InputError::TanMalformed))),
        },
        Answer::Passkey(answer) => Presented::Passkey(answer),
    };
    let latest = store::tans::latest_issued(tx, &session.id_hash, p.action).await?;
    let Some(issued) = latest.filter(|t| tan::is_fresh(Timestamp(t.issued_at), ctx.now, policy)) else {
        return Ok(Refused(AppError::TanExpired));
    };
    if !hashes_equal(&issued.digest, &digest) {
        set_tan_state(tx, issued.id, tan::TanEvent::DataChanged)?;
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanVoided { user_id: user.id, action: p.action }).await?;
        return Ok(Refused(AppError::TanVoid));
    }
    // A typed TAN answers an SMS, a passkey's answer a passkey's ceremony; across, there is
    // nothing to check the answer against (and nothing it could guess).
    let right = match (presented, Way::parse(&issued.way)) {
        (Presented::Tan(typed), Some(Way::Sms)) => hashes_equal(&tan_hash(state, issued.id, &typed), &issued.tan_hash),
        (Presented::Passkey(answer), Some(Way::Passkey)) => {
            match passkey::check(tx, state, ctx, user.id, &issued, answer).await {
                Ok(right) => right,
                // A garbled answer counts nothing, but what this request did so far (a TAN
                // session ended by a new address) stands.
                Err(AppError::Input(refusal)) => return Ok(Refused(AppError::Input(refusal))),
                Err(e) => return Err(e),
            }
        }
        (Presented::Tan(_) | Presented::Passkey(_), _) => return Ok(Refused(AppError::TanExpired)),
    };
    if !right {
        return Ok(Refused(count_wrong(tx, state, ctx, session, user, p.action).await?));
    }
    set_tan_state(tx, issued.id, tan::TanEvent::Accepted)?;
    tx.later(store::users::reset_tan_wrong(user.id));
    if settings.mode(p.action) == Mode::PerSession {
        store::sessions::open_tan_session(tx, &session.id_hash, &ctx.ip.to_string(), ctx.now).await?;
    }
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanAccepted { user_id: user.id, action: p.action }).await?;
    Ok(Granted)
}

/// A wrong TAN (or a passkey's answer that failed): one more strike in a row, the lock at
/// `tan_max_wrong`. Returns the refusal to show.
async fn count_wrong(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    session: &Session,
    user: &Member,
    action: Action,
) -> Result<AppError, AppError> {
    let policy = &state.config.policy;
    let (wrong, lock) = tan::after_wrong_tan(u32::try_from(user.tan_wrong_in_a_row).unwrap_or(u32::MAX), policy);
    tx.later(store::users::set_tan_wrong(user.id, i64::from(wrong), lock, ctx.now));
    let event = AuditEvent::TanRefused { user_id: user.id, action, wrong_in_a_row: wrong };
    audit::record(tx, ctx.now, Some(ctx.ip), event).await?;
    if lock {
        audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanLocked { user_id: user.id }).await?;
        end_tan_session(tx, ctx, session, user.id, "tan_locked").await?;
        return Ok(AppError::TanLocked);
    }
    Ok(AppError::TanWrong { tries_left: policy.tan_max_wrong.saturating_sub(wrong) })
}

fn set_tan_state(tx: &mut db::WriteTx, id: i64, event: tan::TanEvent) -> Result<(), AppError> {
    let next = tan::transition(TanState::Issued, event).ok_or_else(|| AppError::internal("illegal TAN step"))?;
    tx.later(store::tans::change_state(id, TanState::Issued, next));
    Ok(())
}

/// Issues a TAN for exactly these data the way given (an SMS, or a passkey's ceremony), or,
/// within the resend countdown, prompts for the one already issued that way. Returns the
/// prompt (or the quota refusal).
#[allow(clippy::too_many_arguments)]
async fn issue(
    tx: &mut db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    session: &Session,
    user: &Member,
    p: &Protected<'_>,
    digest: &[u8],
    phone: &str,
    way: Way,
) -> Result<AppError, AppError> {
    let policy = &state.config.policy;
    let prompt = |cooldown_secs: i64, ceremony: Option<&str>| match ceremony {
        None => Ok(AppError::TanRequired {
            description: p.description.clone(),
            phone: mask::phone(phone),
            cooldown_secs,
            tries_left: user.tries_left(state),
        }),
        Some(kept) => Ok(AppError::TanPasskeyRequired {
            description: p.description.clone(),
            options: passkey::options_of(kept)?,
            phone: mask::phone(phone),
            tries_left: user.tries_left(state),
        }),
    };
    // The countdown, the TAN quota and the network's SMS cap, read in one statement under
    // the account's and the network's locks.
    let network = network_of(ctx.ip);
    tx.holds(&LockKey::Account(user.id))?;
    tx.lock([LockKey::SmsNetwork(network.clone())]).await?;
    let start = quota::window_start(ctx.now, policy.quota_window_secs);
    let facts = store::tans::issue_facts(tx, &session.id_hash, p.action, user.id, start, &network).await?;
    if let (Some(at), Some(last_digest)) = (facts.last_issued_at, &facts.last_digest) {
        let wait = mfa::cooldown_left(Timestamp(at), ctx.now, policy);
        // Asked again within the countdown, the TAN issued stays: also an SMS when the chosen
        // way is the passkey (the user took the fallback). Only asking for SMS replaces a
        // ceremony.
        let last_way = facts.last_way.as_deref().and_then(Way::parse);
        let keep = last_way == Some(way) || way == Way::Passkey;
        if wait > 0 && keep && hashes_equal(last_digest, digest) {
            return prompt(wait, facts.last_ceremony.as_deref());
        }
    }
    if let QuotaDecision::Exceeded { free_at } =
        quota::decide(Usage::counted(facts.used, facts.oldest), policy.tan_sms_quota, ctx.now, policy.quota_window_secs)
    {
        return Ok(AppError::TanQuotaExceeded { free_at: free_at.0, free_at_text: timefmt::minute(free_at, ctx.lang) });
    }
    let ceremony = match way {
        Way::Sms => {
            let network_usage = Usage::counted(facts.network_used, facts.network_oldest);
            if let Some(refusal) = sms_cap::refusal_of(tx, state, ctx, network_usage).await? {
                return Ok(refusal);
            }
            sms_cap::count(tx, ctx)?;
            None
        }
        Way::Passkey => Some(passkey::begin(tx, state, user.id).await?),
    };
    // One valid TAN per action and session: a new one replaces the old (the voiding is sent
    // before the new row, in the same statement).
    tx.later(store::tans::void_issued(&session.id_hash, p.action));
    let new = store::tans::NewTan {
        session_hash: &session.id_hash,
        user_id: user.id,
        action: p.action,
        digest,
        issued_at: ctx.now,
        way,
        ceremony: ceremony.clone(),
    };
    let id = tx.send_kept_with(store::tans::insert_issued(new)).await?;
    if way == Way::Sms {
        let tan = random_tan();
        tx.later(store::tans::set_hash(id, &tan_hash(state, id, tan.expose())));
        let minutes = policy.tan_ttl_secs / 60;
        let body = messages::tan::sms(ctx.lang, tan.expose(), &p.description, minutes);
        outbox::enqueue_later(
            tx,
            NewMessage { channel: Method::Sms, recipient: phone, subject: "", body: &body },
            ctx.now,
        );
    }
    audit::record(tx, ctx.now, Some(ctx.ip), AuditEvent::TanIssued { user_id: user.id, action: p.action, way }).await?;
    prompt(policy.resend_cooldown_secs, ceremony.as_deref())
}

/// `authorise` for a use case that owns its transaction: the transaction back when the action
/// may go ahead; otherwise the refusal's writes committed and the refusal as the error.
pub async fn require(
    mut tx: db::WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    session: &Session,
    user: &Member,
    p: Protected<'_>,
    tan_input: Option<&str>,
) -> Result<db::WriteTx, AppError> {
    match authorise(&mut tx, state, ctx, session, user, p, tan_input).await? {
        Authorisation::Granted => Ok(tx),
        Authorisation::Refused(refusal) => state.refuse(tx, refusal).await,
    }
}

/// Lifts a TAN lock (SPEC 5.5) inside the caller's transaction, with who did it (an agent in
/// the support console, or an operator on the command line, without an IP) and why.
pub async fn unlock(
    tx: &mut db::WriteTx,
    now: Timestamp,
    ip: Option<std::net::IpAddr>,
    user_id: i64,
    by: audit::Actor,
    reason: &str,
) -> Result<(), sqlx::Error> {
    tx.holds(&LockKey::Account(user_id))?;
    store::users::clear_tan_lock(tx, user_id).await?;
    audit::record(tx, now, ip, AuditEvent::TanUnlocked { user_id, by, reason }).await
}
