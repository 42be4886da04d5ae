//! Server-side sessions (SPEC 1.7).
//!
//! - The cookie holds 256 random bits; the table holds only their keyed hash.
//! - Cookie: `HttpOnly`, `SameSite=Lax`, `Path=/`; outside development mode also `Secure` and
//!   the `__Host-` prefix (which the browser enforces: no `Domain`, path `/`, HTTPS only).
//! - A new id is issued at every login step; the id presented before is deleted (no fixation).
//! - A session ends after `session_idle_secs` without a request, `session_absolute_secs` after
//!   it began, and at logout, each on the server.

use std::net::IpAddr;

use http::HeaderMap;
use sqlx::AnyConnection;

use crate::{
    backend::{
        db::{
            LockKey, WriteTx,
            batch::{RowKey, Write},
        },
        store::{self, sessions::SessionRow},
        tools::crypto::{Keys, Purpose, Secret, random_token},
    },
    domain::{login::LoginState, oidc::Proof, policy::Policy, time::Timestamp},
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The keyed hash of the token: the row's key, and what challenges are bound to.
    pub id_hash: Vec<u8>,
    pub user_id: i64,
    pub stage: LoginState,
    pub ip: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The IP the TAN session was opened from, while one is open (SPEC 5.3).
    pub tan_ip: Option<String>,
    /// What passed the login (for a logged-in session).
    pub proof: Proof,
}

/// Builds and reads one of Riegel's two cookies: the session, and the registration in
/// progress (same attributes, its own name).
#[derive(Clone, Copy, Debug)]
pub struct CookieJar {
    pub dev_mode: bool,
    /// `(development name, secure name)`.
    names: (&'static str, &'static str),
}

impl CookieJar {
    pub const fn session(dev_mode: bool) -> Self {
        CookieJar { dev_mode, names: ("riegel_session", "__Host-riegel_session") }
    }

    /// A paired push device's cookie (it opens the device's event stream).
    pub const fn device(dev_mode: bool) -> Self {
        CookieJar { dev_mode, names: ("riegel_device", "__Host-riegel_device") }
    }

    pub const fn registration(dev_mode: bool) -> Self {
        CookieJar { dev_mode, names: ("riegel_registration", "__Host-riegel_registration") }
    }

    /// An OpenID Connect authorization request waiting for this browser's login.
    pub const fn oidc_request(dev_mode: bool) -> Self {
        CookieJar { dev_mode, names: ("riegel_oidc", "__Host-riegel_oidc") }
    }

    /// The origin of the application waiting for this browser's login: the page policy lets
    /// the last login form (without JavaScript) be redirected there.
    pub const fn oidc_origin(dev_mode: bool) -> Self {
        CookieJar { dev_mode, names: ("riegel_oidc_origin", "__Host-riegel_oidc_origin") }
    }

    pub const fn name(self) -> &'static str {
        if self.dev_mode { self.names.0 } else { self.names.1 }
    }

    const fn attributes(self) -> &'static str {
        if self.dev_mode { "Path=/; HttpOnly; SameSite=Lax" } else { "Path=/; HttpOnly; SameSite=Lax; Secure" }
    }

    /// `Set-Cookie` value for a new session. No `Max-Age`: the cookie ends with the browser,
    /// the server ends the session at its timeouts.
    pub fn set(self, token: &Secret<String>) -> String {
        format!("{}={}; {}", self.name(), token.expose(), self.attributes())
    }

    /// `Set-Cookie` value for a cookie that outlives the browser (400 days, the most browsers
    /// keep): a paired device stays paired.
    pub fn set_lasting(self, token: &Secret<String>) -> String {
        format!("{}={}; Max-Age=34560000; {}", self.name(), token.expose(), self.attributes())
    }

    /// `Set-Cookie` value that removes the cookie.
    pub fn clear(self) -> String {
        format!("{}=; Max-Age=0; {}", self.name(), self.attributes())
    }

    /// The session token of a request, if it sent one.
    pub fn token(self, headers: &HeaderMap) -> Option<Secret<String>> {
        let name = self.name();
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| Secret::new(v.to_owned()))
    }
}

/// The key a session's row is stored under.
pub fn id_hash(keys: &Keys, token: &Secret<String>) -> Vec<u8> {
    keys.keyed_hash(Purpose::SessionId, token.expose().as_bytes())
}

/// Starts a session and returns its token (to be set as the cookie).
pub async fn create(
    conn: &mut AnyConnection,
    keys: &Keys,
    user_id: i64,
    stage: LoginState,
    ip: IpAddr,
    now: Timestamp,
) -> Result<Secret<String>, sqlx::Error> {
    let (token, row) = new_session(keys, user_id, stage, ip, now, Proof::Password);
    row.run(conn).await?;
    Ok(token)
}

/// A new session's token, and its row to write.
fn new_session(
    keys: &Keys,
    user_id: i64,
    stage: LoginState,
    ip: IpAddr,
    now: Timestamp,
    proof: Proof,
) -> (Secret<String>, Write) {
    let token = random_token();
    let hash = id_hash(keys, &token);
    (token, store::sessions::insert_later(&hash, user_id, stage, &ip.to_string(), now, proof.as_stored()))
}

/// The session stored under `id_hash` as its row says, expired or not.
fn of_row(id_hash: Vec<u8>, r: SessionRow) -> Option<Session> {
    Some(Session {
        id_hash,
        user_id: r.user_id,
        stage: LoginState::parse(&r.stage)?,
        ip: r.ip,
        created_at: Timestamp(r.created_at),
        last_seen_at: Timestamp(r.last_seen_at),
        tan_ip: r.tan_ip,
        proof: Proof::from_stored(r.proof.as_deref()),
    })
}

/// A session that remembers what passed its login (`proof`, for OpenID Connect's `amr` and
/// `acr`), its row written with the transaction's commit (`db::batch`): for a login's end,
/// after which nothing of the transaction refers to the new session. Returns its token.
pub fn create_later(
    tx: &mut WriteTx,
    keys: &Keys,
    user_id: i64,
    stage: LoginState,
    ip: IpAddr,
    now: Timestamp,
    proof: Proof,
) -> Secret<String> {
    let (token, row) = new_session(keys, user_id, stage, ip, now, proof);
    tx.later(row);
    token
}

/// The session behind `token` as stored, expired or not.
async fn stored(conn: &mut AnyConnection, keys: &Keys, token: &Secret<String>) -> Result<Option<Session>, sqlx::Error> {
    let hash = id_hash(keys, token);
    let row = store::sessions::by_hash(conn, &hash).await?;
    Ok(row.and_then(|r| of_row(hash, r)))
}

/// What a request's look at its session asks of the write path: nothing, a refreshed
/// last-seen time (at most every `session_touch_secs`), or the row's end (it expired).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upkeep {
    Nothing,
    Touch,
    Delete,
}

/// The live session behind `token` (its last-seen time as of `now`) and the upkeep the look
/// calls for. Only reads: the caller applies the upkeep through the write path.
pub async fn look(
    conn: &mut AnyConnection,
    keys: &Keys,
    token: &Secret<String>,
    now: Timestamp,
    policy: &Policy,
) -> Result<(Option<Session>, Upkeep), sqlx::Error> {
    Ok(judge(stored(conn, keys, token).await?, now, policy))
}

/// A look at a session read with other rows (`store::steps`): the same answer as [`look`].
pub fn judge_row(id_hash: Vec<u8>, row: SessionRow, now: Timestamp, policy: &Policy) -> (Option<Session>, Upkeep) {
    judge(of_row(id_hash, row), now, policy)
}

fn judge(stored: Option<Session>, now: Timestamp, policy: &Policy) -> (Option<Session>, Upkeep) {
    let Some(session) = stored else {
        return (None, Upkeep::Nothing);
    };
    if is_expired(session.created_at, session.last_seen_at, now, policy) {
        return (None, Upkeep::Delete);
    }
    let upkeep =
        if session.last_seen_at.secs_until(now) >= policy.session_touch_secs { Upkeep::Touch } else { Upkeep::Nothing };
    (Some(Session { last_seen_at: now, ..session }), upkeep)
}

fn row_of(id_hash: &[u8]) -> RowKey {
    ("sessions", id_hash.to_vec())
}

/// Ends the session stored under `id_hash` with the transaction's commit, in place of its
/// upkeep kept before.
pub fn end_later(tx: &mut WriteTx, id_hash: &[u8]) {
    tx.later_for(row_of(id_hash), store::sessions::delete_later(id_hash));
}

/// Applies a look's upkeep to the session stored under `id_hash`: kept for the write
/// transaction's commit (`db::batch`), so it costs no round trip of its own.
pub fn keep(tx: &mut WriteTx, id_hash: &[u8], upkeep: Upkeep, now: Timestamp) {
    match upkeep {
        Upkeep::Nothing => {}
        Upkeep::Touch => tx.later_for(row_of(id_hash), store::sessions::touch(id_hash, now)),
        Upkeep::Delete => end_later(tx, id_hash),
    }
}

/// The live session behind `token`, read only and without upkeep (a page's event stream,
/// which must not keep the session alive).
pub async fn find(
    conn: &mut AnyConnection,
    keys: &Keys,
    token: &Secret<String>,
    now: Timestamp,
    policy: &Policy,
) -> Result<Option<Session>, sqlx::Error> {
    Ok(stored(conn, keys, token).await?.filter(|s| !is_expired(s.created_at, s.last_seen_at, now, policy)))
}

/// Idle and absolute timeouts (SPEC 1.7).
pub fn is_expired(created_at: Timestamp, last_seen_at: Timestamp, now: Timestamp, policy: &Policy) -> bool {
    now >= last_seen_at.plus_secs(policy.session_idle_secs) || now >= created_at.plus_secs(policy.session_absolute_secs)
}

/// Ends the session behind `token`, if any; returns its user.
pub async fn delete(conn: &mut AnyConnection, keys: &Keys, token: &Secret<String>) -> Result<Option<i64>, sqlx::Error> {
    store::sessions::delete_returning_user(conn, &id_hash(keys, token)).await
}

/// Locks the account of the session behind `token`, if there is one, before a use case ends
/// the session on its own (a logout): its challenge, codes and TANs go with it, and a request
/// of the same account meanwhile would otherwise wait on them in a circle.
pub async fn lock_owner(tx: &mut WriteTx, keys: &Keys, token: &Secret<String>) -> Result<(), sqlx::Error> {
    if let Some(s) = stored(tx, keys, token).await? {
        tx.lock([LockKey::Account(s.user_id)]).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_800_000_000);

    #[test]
    fn timeouts() {
        let p = Policy::default();
        assert!(!is_expired(T0, T0, T0.plus_secs(29 * 60), &p));
        assert!(is_expired(T0, T0, T0.plus_secs(30 * 60), &p));
        // Active all the time, still ends after 12 hours.
        let now = T0.plus_secs(12 * 3600);
        assert!(is_expired(T0, now.minus_secs(1), now, &p));
        assert!(!is_expired(T0, now.minus_secs(2), now.minus_secs(1), &p));
    }

    #[test]
    fn cookie_attributes() {
        let t = Secret::new("abc".to_string());
        assert_eq!(CookieJar::session(true).set(&t), "riegel_session=abc; Path=/; HttpOnly; SameSite=Lax");
        assert_eq!(
            CookieJar::session(false).set(&t),
            "__Host-riegel_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(CookieJar::session(false).clear().contains("Max-Age=0"));
    }

    #[test]
    fn reads_only_its_own_cookie() {
        let mut h = HeaderMap::new();
        h.insert(http::header::COOKIE, "i18n_pref_locale=en; riegel_session=tok; other=1".parse().unwrap());
        let jar = CookieJar::session(true);
        assert_eq!(jar.token(&h).map(|t| t.expose().clone()), Some("tok".into()));
        assert!(CookieJar::session(false).token(&h).is_none());
    }
}
