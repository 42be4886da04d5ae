//! The one-time-code factor, by SMS or e-mail (SPEC 2.2, 3.2–3.4): 6 digits from a CSPRNG,
//! valid `code_ttl_secs` (10 minutes), stored only as a keyed hash bound to its challenge,
//! single use, compared in constant time. A resend sends a new code and the earlier ones
//! stay valid until they expire. Sends wait `resend_cooldown_secs` (30 s) between them and
//! count against the quotas of `quota_window` (20 login codes per channel, 15 setup SMS a
//! rolling 24 h); every SMS also counts toward the network's SMS cap.

use sqlx::AnyConnection;

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{LockKey, WriteTx},
        delivery::outbox::{self, NewMessage},
        limits::quota_window::{self, Sends},
        limits::{network::network_of, sms_cap},
        messages,
        request::RequestCtx,
        state::AppState,
        store::{self, code_sends::SendFactsRow},
        tools::crypto::{Purpose as HashPurpose, hashes_equal, random_code},
    },
    domain::{
        mfa::{self, Method, Purpose},
        quota::{self, QuotaDecision, Usage},
        time::Timestamp,
    },
    wire::AppError,
};

/// One code to send: to whom, for which account, challenge and purpose, on which channel.
pub struct CodeSend<'a> {
    pub user_id: i64,
    pub challenge_id: i64,
    pub purpose: Purpose,
    pub channel: Method,
    pub to: &'a str,
}

/// What a send request came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    Yes,
    /// The quota is used up; the next send is possible at `free_at`. What that means is the
    /// caller's rule: a lock at login, a wait at setup.
    QuotaExceeded {
        free_at: Timestamp,
    },
}

fn code_hash(state: &AppState, challenge_id: i64, code: &str) -> Vec<u8> {
    state.keys.keyed_hash(HashPurpose::OneTimeCode, format!("{challenge_id}:{code}").as_bytes())
}

/// Seconds until this account may be sent another code on this channel for this purpose.
pub async fn cooldown(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: i64,
    purpose: Purpose,
    channel: Method,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let last = store::code_sends::last_sent_at(conn, user_id, purpose, channel).await?;
    Ok(last.map_or(0, |l| mfa::cooldown_left(Timestamp(l), now, &state.config.policy)))
}

/// What a send decides on, read in one statement under the account's lock (and, for an SMS,
/// the network's, taken here unless the use case took it with the account): the seconds
/// left of the cooldown, the quota's usage, and the network's SMS usage (for an SMS).
#[derive(Clone, Copy, Debug)]
pub struct SendFacts {
    pub wait_secs: i64,
    pub used: Usage,
    /// `Some` for an SMS.
    pub network: Option<Usage>,
}

pub async fn facts(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    purpose: Purpose,
    channel: Method,
) -> Result<SendFacts, sqlx::Error> {
    tx.holds(&LockKey::Account(user_id))?;
    let policy = &state.config.policy;
    let network = channel.counts_against_sms_cap().then(|| network_of(ctx.ip));
    if let Some(n) = &network {
        tx.lock([LockKey::SmsNetwork(n.clone())]).await?;
    }
    let start = quota::window_start(ctx.now, policy.quota_window_secs);
    let row = store::code_sends::send_facts(tx, user_id, purpose, channel, start, network.as_deref()).await?;
    Ok(facts_of(&row, channel, state, ctx))
}

/// A send's facts as read (with [`facts`], or with the account by the password step) for
/// `channel`.
pub fn facts_of(row: &SendFactsRow, channel: Method, state: &AppState, ctx: &RequestCtx) -> SendFacts {
    SendFacts {
        wait_secs: row.last_sent_at.map_or(0, |l| mfa::cooldown_left(Timestamp(l), ctx.now, &state.config.policy)),
        used: Usage::counted(row.used, row.oldest),
        network: channel.counts_against_sms_cap().then(|| Usage::counted(row.network_used, row.network_oldest)),
    }
}

/// The send path: quota, code, quota count, network count, outbox row, audit; every write
/// goes with the commit. The caller checked the cooldown and the network's cap with
/// `facts` (read under the locks the caller still holds) and owns the transaction.
pub async fn send(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    c: CodeSend<'_>,
    facts: &SendFacts,
) -> Result<Sent, AppError> {
    let policy = &state.config.policy;
    let kind = Sends::Codes { purpose: c.purpose, channel: c.channel };
    tx.holds(&LockKey::Account(c.user_id))?;
    let used = facts.used;
    if let QuotaDecision::Exceeded { free_at } =
        quota::decide(used, quota_window::limit(policy, kind), ctx.now, policy.quota_window_secs)
    {
        let event = AuditEvent::QuotaExceeded { user_id: c.user_id, purpose: c.purpose, channel: c.channel };
        audit::record(tx, ctx.now, Some(ctx.ip), event).await?;
        return Ok(Sent::QuotaExceeded { free_at });
    }
    if c.channel.counts_against_sms_cap() {
        sms_cap::count(tx, ctx)?;
    }
    tx.later(store::code_sends::record(c.user_id, c.purpose, c.channel, ctx.now));
    let code = random_code();
    let hash = code_hash(state, c.challenge_id, code.expose());
    tx.later(store::challenges::add_code(c.challenge_id, c.channel, &hash, ctx.now));
    let text = messages::code(ctx.lang, c.channel, c.purpose, code.expose(), policy.code_ttl_secs / 60);
    let msg = NewMessage { channel: c.channel, recipient: c.to, subject: &text.subject, body: &text.body };
    outbox::enqueue_later(tx, msg, ctx.now);
    let event = AuditEvent::CodeSent { user_id: c.user_id, purpose: c.purpose, channel: c.channel };
    audit::record(tx, ctx.now, Some(ctx.ip), event).await?;
    Ok(Sent::Yes)
}

/// The unused, fresh code of the challenge that matches `code`, marked used: its channel.
/// Every unused code is compared, each in constant time.
pub async fn take_matching(
    tx: &mut WriteTx,
    state: &AppState,
    challenge_id: i64,
    code: &str,
    now: Timestamp,
) -> Result<Option<Method>, sqlx::Error> {
    let typed = code_hash(state, challenge_id, code);
    let codes = store::challenges::unused_codes(tx, challenge_id).await?;
    let mut matched: Option<(i64, String)> = None;
    for c in codes {
        if hashes_equal(&typed, &c.code_hash) && mfa::code_is_fresh(Timestamp(c.sent_at), now, &state.config.policy) {
            matched = Some((c.id, c.channel));
        }
    }
    let Some((code_id, channel)) = matched else { return Ok(None) };
    tx.later(store::challenges::mark_code_used(code_id, now));
    Ok(Some(Method::parse(&channel).unwrap_or(Method::Sms)))
}

/// Whether a code was sent in this challenge (not so when it opened on the app or a push).
pub async fn any_sent(conn: &mut AnyConnection, challenge_id: i64) -> Result<bool, sqlx::Error> {
    store::challenges::any_code_sent(conn, challenge_id).await
}

/// Voids every code of a challenge (a new number at setup, a new challenge after exhaustion).
pub async fn void_all(conn: &mut AnyConnection, challenge_id: i64) -> Result<(), sqlx::Error> {
    store::challenges::delete_codes(conn, challenge_id).await
}
