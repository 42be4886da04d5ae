//! Riegel as an OpenID Connect provider (SPEC 11): the rules of an authorization request.
//!
//! Rules:
//! - Authorization code flow only (`response_type=code`), scope must contain `openid`.
//! - The client and its `redirect_uri` (matched exactly against the registered list) are
//!   checked first; when either is wrong the user sees an error page and is never sent back.
//! - PKCE: `S256` only; required for public clients, accepted from confidential ones.
//! - `prompt=login`, `max_age` older than the session's login, or `acr_values` asking for
//!   [`ACR_MFA`] on a login without a second factor mean a new login; a new login asked for by
//!   the application always passes a second factor (no trusted-IP shortcut), so `max_age=0`
//!   is a step-up. `prompt=none` never shows a page: without a fitting session the answer is
//!   `login_required`, with a transaction to confirm `interaction_required`.
//! - A request that waits for a login is checked again wherever a code is issued for it
//!   ([`fit`]): with `prompt=login` or `max_age=0` the login must have happened at or after
//!   the moment the application asked, and must not be the login the browser had then; with
//!   `max_age=N` within N seconds; with `acr_values` (or a step-up) with a second factor. A
//!   login that does not fit goes to a new login, never back to the application.
//! - A request with `authorization_details` (see `authorization_details`) gets its code only
//!   after the user confirmed the transaction with a TAN.
//! - `acr_values` asking for [`ACR_PHR`] asks for a phishing-resistant login, a passkey (alone
//!   or after the password): a login with another factor does not answer it, and the challenge
//!   opens on the passkey. An account without a passkey cannot give one: the application gets
//!   `unmet_authentication_requirements` (OpenID Connect Core 1.0, errata set 2, 3.1.2.6).
//! - `amr` names what the user did (RFC 8176); `acr` is [`ACR_PHR`] with a passkey,
//!   [`ACR_MFA`] with another second factor, else [`ACR_PWD`].

use serde::{Deserialize, Serialize};

use super::{
    authorization_details::{self, Detail, DetailsError},
    mfa::Factor,
    time::Timestamp,
};

/// Password alone (from the account's trusted IP, SPEC 1.5).
pub const ACR_PWD: &str = "urn:riegel:acr:pwd";
/// Password and a second factor.
pub const ACR_MFA: &str = "urn:riegel:acr:mfa";
/// A phishing-resistant login: a passkey, alone or after the password (SPEC 14.4).
pub const ACR_PHR: &str = "urn:riegel:acr:phr";
/// How long an authorization code lives.
pub const CODE_TTL_SECS: i64 = 60;
/// How long an access token (for userinfo) and an ID token live.
pub const TOKEN_TTL_SECS: i64 = 300;
/// How long a request waits for its user to log in.
pub const REQUEST_TTL_SECS: i64 = 30 * 60;
/// The scopes Riegel grants.
pub const SCOPES: [&str; 3] = ["openid", "email", "profile"];
/// The longest `state`, `nonce`, `scope`, `login_hint` … a request may carry.
const MAX_PARAM_LEN: usize = 512;
/// The longest `authorization_details`.
const MAX_DETAILS_LEN: usize = 4096;
/// The longest sealed request a browser keeps while its user logs in (the cookie's value):
/// browsers keep a cookie's name and value up to 4096 bytes, and the name and attributes
/// need the rest.
pub const MAX_WAITING_COOKIE_LEN: usize = 3800;

/// How a login with a passkey alone is stored in `sessions.proof`.
const PASSKEY_ALONE: &str = "passkey-alone";

/// What passed a login, as the session remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// The password alone, from the trusted IP.
    Password,
    /// The password and a second factor.
    Factor(Factor),
    /// The password and a recovery code.
    RecoveryCode,
    /// A passkey alone, its user verified by the device (SPEC 14.2): two factors in one.
    PasskeyAlone,
}

impl Proof {
    /// As stored in `sessions.proof` (`NULL` for the password alone).
    pub const fn as_stored(self) -> Option<&'static str> {
        match self {
            Proof::Password => None,
            Proof::Factor(f) => Some(f.as_str()),
            Proof::RecoveryCode => Some("recovery"),
            Proof::PasskeyAlone => Some(PASSKEY_ALONE),
        }
    }

    pub fn from_stored(s: Option<&str>) -> Self {
        match s {
            Some("recovery") => Proof::RecoveryCode,
            Some(PASSKEY_ALONE) => Proof::PasskeyAlone,
            Some(other) => Factor::parse(other).map_or(Proof::Password, Proof::Factor),
            None => Proof::Password,
        }
    }

    pub const fn has_second_factor(self) -> bool {
        match self {
            Proof::Password => false,
            Proof::Factor(_) | Proof::RecoveryCode | Proof::PasskeyAlone => true,
        }
    }

    /// RFC 8176 values: `sms` for a code by SMS, `otp` for a one-time code from e-mail, an
    /// authenticator app or a recovery code, `mca` (a second channel) for push, `swk` and
    /// `user` for a passkey (a software-secured key, user verified: Riegel asks for no
    /// attestation, so nothing says the key is in hardware). A passkey alone has no `pwd`.
    pub fn amr(self) -> Vec<&'static str> {
        let second: &[&'static str] = match self {
            Proof::PasskeyAlone => return vec!["swk", "user", "mfa"],
            Proof::Password => &[],
            Proof::Factor(Factor::Code(super::mfa::Method::Sms)) => &["sms", "mfa"],
            Proof::Factor(Factor::Code(super::mfa::Method::Email) | Factor::Totp) | Proof::RecoveryCode => {
                &["otp", "mfa"]
            }
            Proof::Factor(Factor::Push) => &["mca", "mfa"],
            // A key whose hardware no attestation vouches for, with its user verified.
            Proof::Factor(Factor::Passkey) => &["swk", "user", "mfa"],
        };
        std::iter::once("pwd").chain(second.iter().copied()).collect()
    }

    /// Whether no relaying page could have passed the login: only a passkey's signature is
    /// bound to Riegel's origin.
    pub const fn is_phishing_resistant(self) -> bool {
        match self {
            Proof::Factor(Factor::Passkey) | Proof::PasskeyAlone => true,
            Proof::Password | Proof::RecoveryCode | Proof::Factor(Factor::Code(_) | Factor::Totp | Factor::Push) => {
                false
            }
        }
    }

    pub const fn acr(self) -> &'static str {
        if self.is_phishing_resistant() {
            ACR_PHR
        } else if self.has_second_factor() {
            ACR_MFA
        } else {
            ACR_PWD
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Prompt {
    /// Log in if needed.
    Default,
    /// Log in again even with a session.
    Login,
    /// Never show a page.
    None,
}

/// An authorization request after its checks, as it waits for the login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub asks_mfa: bool,
    /// `acr_values` asked for [`ACR_PHR`] (a passkey); `asks_mfa` is set with it.
    #[serde(default)]
    pub asks_phishing_resistant: bool,
    pub login_hint: Option<String>,
    /// A transaction to confirm with a TAN before the code is issued (RFC 9396).
    pub details: Option<Detail>,
}

/// What the client sent, by name (`None`: absent or empty).
pub trait Params: Sync {
    fn get(&self, name: &str) -> Option<&str>;
}

/// Why a request is refused after its client and redirect URI were found good: the error
/// goes back to the application (RFC 6749 4.1.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestError {
    UnsupportedResponseType,
    InvalidScope,
    /// A parameter is missing or malformed; the text says which.
    InvalidRequest(&'static str),
    LoginRequired,
    /// `prompt=none` with a transaction to confirm: that needs a page.
    InteractionRequired,
    InvalidAuthorizationDetails(DetailsError),
    /// A phishing-resistant login was asked for, and the account has no passkey.
    UnmetAuthenticationRequirements,
}

impl RequestError {
    pub const fn code(self) -> &'static str {
        match self {
            RequestError::UnsupportedResponseType => "unsupported_response_type",
            RequestError::InvalidScope => "invalid_scope",
            RequestError::InvalidRequest(_) => "invalid_request",
            RequestError::LoginRequired => "login_required",
            RequestError::InteractionRequired => "interaction_required",
            RequestError::InvalidAuthorizationDetails(_) => "invalid_authorization_details",
            RequestError::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
        }
    }

    pub const fn description(self) -> &'static str {
        match self {
            RequestError::UnsupportedResponseType => "only response_type=code is supported",
            RequestError::InvalidScope => "scope must contain openid",
            RequestError::InvalidRequest(why) => why,
            RequestError::LoginRequired => "the user is not logged in (prompt=none)",
            RequestError::InteractionRequired => "a transaction to confirm needs a page (prompt=none)",
            RequestError::InvalidAuthorizationDetails(e) => e.description(),
            RequestError::UnmetAuthenticationRequirements => {
                "a phishing-resistant login (acr urn:riegel:acr:phr) needs a passkey, and the user has none"
            }
        }
    }
}

/// Checks a request whose client and `redirect_uri` are known good. `public`: the client has
/// no secret, so PKCE is required. `iban` checks and normalises the IBANs of
/// `authorization_details`.
pub fn check_request(
    p: &dyn Params,
    client_id: &str,
    redirect_uri: &str,
    public: bool,
    iban: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthorizationRequest, RequestError> {
    if p.get("response_type") != Some("code") {
        return Err(RequestError::UnsupportedResponseType);
    }
    for name in ["scope", "state", "nonce", "login_hint", "acr_values", "ui_locales", "max_age"] {
        if p.get(name).is_some_and(|v| v.len() > MAX_PARAM_LEN) {
            return Err(RequestError::InvalidRequest("a parameter is longer than 512 bytes"));
        }
    }
    if p.get("authorization_details").is_some_and(|v| v.len() > MAX_DETAILS_LEN) {
        return Err(RequestError::InvalidRequest("authorization_details is longer than 4096 bytes"));
    }
    // Only the scopes Riegel knows are granted (and named in the token response).
    let asked: Vec<&str> = p.get("scope").unwrap_or_default().split(' ').collect();
    if !asked.contains(&"openid") {
        return Err(RequestError::InvalidScope);
    }
    let scope = SCOPES.iter().copied().filter(|s| asked.contains(s)).collect::<Vec<_>>().join(" ");
    if p.get("request").is_some() || p.get("request_uri").is_some() {
        return Err(RequestError::InvalidRequest("request objects are not supported"));
    }
    let code_challenge = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (Some(c), Some("S256")) if is_pkce_challenge(c) => Some(c.to_owned()),
        (Some(_), Some("S256")) => return Err(RequestError::InvalidRequest("code_challenge is malformed")),
        (Some(_), _) => return Err(RequestError::InvalidRequest("code_challenge_method must be S256")),
        (None, _) if public => return Err(RequestError::InvalidRequest("a public client must use PKCE (S256)")),
        // RFC 9700 2.1.1: without PKCE a nonce is what keeps an injected code out.
        (None, _) if p.get("nonce").is_none() => {
            return Err(RequestError::InvalidRequest("PKCE (S256) or a nonce is required"));
        }
        (None, _) => None,
    };
    // `consent` and `select_account` have nothing to do here (one account, no consent
    // screen): they are read as no prompt.
    let prompt = match p.get("prompt").map(|v| v.split(' ').collect::<Vec<_>>()) {
        Some(v) if v.contains(&"none") && v.len() > 1 => {
            return Err(RequestError::InvalidRequest("prompt=none goes alone"));
        }
        Some(v) if v.contains(&"none") => Prompt::None,
        Some(v) if v.contains(&"login") => Prompt::Login,
        _ => Prompt::Default,
    };
    let max_age = match p.get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<u32>().map_err(|_| RequestError::InvalidRequest("max_age must be a number"))?),
    };
    let asks = |acr: &str| p.get("acr_values").is_some_and(|v| v.split(' ').any(|a| a == acr));
    let asks_phishing_resistant = asks(ACR_PHR);
    let asks_mfa = asks(ACR_MFA) || asks_phishing_resistant;
    let details = match p.get("authorization_details") {
        Some(json) => {
            Some(authorization_details::parse(json, iban).map_err(RequestError::InvalidAuthorizationDetails)?)
        }
        None => None,
    };
    Ok(AuthorizationRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scope: scope.to_owned(),
        state: p.get("state").map(str::to_owned),
        nonce: p.get("nonce").map(str::to_owned),
        code_challenge,
        prompt,
        max_age: max_age.map(i64::from),
        asks_mfa,
        asks_phishing_resistant,
        login_hint: p.get("login_hint").map(str::to_owned),
        details,
    })
}

/// A PKCE challenge: base64url of a SHA-256, 43 characters.
fn is_pkce_challenge(c: &str) -> bool {
    c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A PKCE verifier (RFC 7636 4.1): 43 to 128 unreserved characters.
pub fn is_pkce_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Which session a login is (a tag of its stored id): a request for a new login is never
/// answered by the login the browser had when the application asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTag(pub [u8; 16]);

/// The login a browser has, for [`decide`] and [`fit`].
#[derive(Clone, Copy, Debug)]
pub struct CurrentLogin {
    pub session: SessionTag,
    pub auth_time: Timestamp,
    pub proof: Proof,
}

/// An authorization request waiting for its user's login (or confirmation), as the browser
/// keeps it (sealed, in a cookie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRequest {
    pub request: AuthorizationRequest,
    /// When the application asked: a new login it asked for happens at or after it.
    pub asked_at: Timestamp,
    /// The login the browser had when the application asked, if it had one.
    pub asked_in: Option<SessionTag>,
}

impl WaitingRequest {
    /// The request waits [`REQUEST_TTL_SECS`] from the moment it was made.
    pub const fn expires_at(&self) -> Timestamp {
        self.asked_at.plus_secs(REQUEST_TTL_SECS)
    }

    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at()
    }

    /// Whether `login` answers this request at `now`.
    pub fn fit(&self, login: &CurrentLogin, now: Timestamp) -> Fit {
        fit(&self.request, self.asked_at, self.asked_in, login, now)
    }
}

/// How a login stands against what a request asks of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// A code may be issued for it.
    Fits,
    /// Older than the request allows: before the request (or the very login the browser had
    /// when it asked) for `prompt=login` and `max_age=0`, more than N seconds ago for
    /// `max_age=N`.
    TooOld,
    /// The request asked for a second factor (`acr_values`, or a step-up); the login passed
    /// the password alone.
    WithoutSecondFactor,
    /// The request asked for a phishing-resistant login; the login passed another factor.
    NotPhishingResistant,
}

/// Whether `login` answers `request`, made at `asked_at` by a browser that had the login
/// `asked_in` then, at `now`. The authorization endpoint asks it for the browser's session at
/// once (`asked_at` = `now`, `asked_in` = that session); every later step that issues a code
/// asks it again for the session that is there by then.
pub fn fit(
    request: &AuthorizationRequest,
    asked_at: Timestamp,
    asked_in: Option<SessionTag>,
    login: &CurrentLogin,
    now: Timestamp,
) -> Fit {
    // `max_age=0` asks for a new login like `prompt=login` (not for one in this very second:
    // a transaction is confirmed, and the recovery codes are read, after the login).
    let new_login_asked = request.prompt == Prompt::Login || request.max_age == Some(0);
    let before_asking = login.auth_time < asked_at || asked_in == Some(login.session);
    let too_old = (new_login_asked && before_asking)
        || request.max_age.is_some_and(|max| max > 0 && now.0.saturating_sub(login.auth_time.0) > max);
    if too_old {
        Fit::TooOld
    } else if request.asks_mfa && !login.proof.has_second_factor() {
        Fit::WithoutSecondFactor
    } else if request.asks_phishing_resistant && !login.proof.is_phishing_resistant() {
        Fit::NotPhishingResistant
    } else {
        Fit::Fits
    }
}

/// What the authorization endpoint does with a checked request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The login fits: a code goes back to the application.
    Issue,
    /// The user logs in (again); `with_mfa`: a second factor even from the trusted IP.
    Login {
        with_mfa: bool,
    },
    Refuse(RequestError),
}

pub fn decide(request: &AuthorizationRequest, login: Option<CurrentLogin>, now: Timestamp) -> Decision {
    // Asked now, by a browser with this login.
    let fits = login.is_some_and(|l| fit(request, now, Some(l.session), &l, now) == Fit::Fits);
    match (fits, request.prompt) {
        (_, Prompt::None) if request.details.is_some() => Decision::Refuse(RequestError::InteractionRequired),
        (true, _) => Decision::Issue,
        (false, Prompt::None) => Decision::Refuse(RequestError::LoginRequired),
        (false, _) => Decision::Login { with_mfa: asks_fresh_login(request, login.is_some()) },
    }
}

/// Whether the application asked for a new login beyond "log in if needed": then a second
/// factor is always part of it.
pub fn asks_fresh_login(request: &AuthorizationRequest, had_session: bool) -> bool {
    request.asks_mfa || request.prompt == Prompt::Login || request.max_age.is_some() || had_session
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    impl Params for HashMap<&str, &str> {
        fn get(&self, name: &str) -> Option<&str> {
            HashMap::get(self, name).copied().filter(|v| !v.is_empty())
        }
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn payout() -> Detail {
        Detail::PayoutAccount { iban: "DE89370400440532013000".into(), account_holder: "Muster GmbH".into() }
    }

    fn request(extra: &[(&'static str, &'static str)]) -> Result<AuthorizationRequest, RequestError> {
        let mut p: HashMap<&str, &str> = HashMap::from([
            ("response_type", "code"),
            ("scope", "openid email"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]);
        p.extend(extra.iter().copied());
        check_request(&p, "portal", "https://portal.example/cb", true, &|_| None)
    }

    #[test]
    fn a_public_client_must_use_s256() {
        assert!(request(&[]).is_ok());
        assert_eq!(
            request(&[("code_challenge", "")]),
            Err(RequestError::InvalidRequest("a public client must use PKCE (S256)"))
        );
        assert_eq!(
            request(&[("code_challenge_method", "plain")]),
            Err(RequestError::InvalidRequest("code_challenge_method must be S256"))
        );
        assert_eq!(
            request(&[("code_challenge", "short")]),
            Err(RequestError::InvalidRequest("code_challenge is malformed"))
        );
    }

    #[test]
    fn only_the_code_flow_with_openid() {
        assert_eq!(request(&[("response_type", "token")]), Err(RequestError::UnsupportedResponseType));
        assert_eq!(request(&[("scope", "email")]), Err(RequestError::InvalidScope));
        assert_eq!(request(&[("scope", "openid offline_access email")]).unwrap().scope, "openid email");
        let long: &'static str = Box::leak("x".repeat(513).into_boxed_str());
        assert!(request(&[("state", long)]).is_err(), "a bounded state");
    }

    #[test]
    fn a_confidential_client_needs_pkce_or_a_nonce() {
        let mut p: HashMap<&str, &str> = HashMap::from([("response_type", "code"), ("scope", "openid")]);
        let check = |p: &HashMap<&str, &str>| check_request(p, "portal", "https://portal.example/cb", false, &|_| None);
        assert_eq!(check(&p), Err(RequestError::InvalidRequest("PKCE (S256) or a nonce is required")));
        p.insert("nonce", "n-1");
        assert!(check(&p).is_ok());
    }

    #[test]
    fn prompts_riegel_has_no_screen_for_are_read_as_none_given() {
        assert_eq!(request(&[("prompt", "consent")]).unwrap().prompt, Prompt::Default);
        assert_eq!(request(&[("prompt", "select_account login")]).unwrap().prompt, Prompt::Login);
        assert!(request(&[("prompt", "none login")]).is_err());
    }

    #[test]
    fn a_login_fits_unless_the_application_asks_for_more() {
        let now = Timestamp(10_000);
        let mfa = Some(login(9_000, Proof::Factor(Factor::Push)));
        let pwd = Some(login(9_000, Proof::Password));
        let plain = request(&[]).unwrap();
        assert_eq!(decide(&plain, mfa, now), Decision::Issue);
        assert_eq!(decide(&plain, pwd, now), Decision::Issue);
        assert_eq!(decide(&plain, None, now), Decision::Login { with_mfa: false });
        let fresh = request(&[("max_age", "0")]).unwrap();
        assert_eq!(decide(&fresh, mfa, now), Decision::Login { with_mfa: true });
        let hour = request(&[("max_age", "3600")]).unwrap();
        assert_eq!(decide(&hour, mfa, now), Decision::Issue);
        let asks_mfa = request(&[("acr_values", ACR_MFA)]).unwrap();
        assert_eq!(decide(&asks_mfa, pwd, now), Decision::Login { with_mfa: true });
        assert_eq!(decide(&asks_mfa, mfa, now), Decision::Issue);
        let none = request(&[("prompt", "none")]).unwrap();
        assert_eq!(decide(&none, None, now), Decision::Refuse(RequestError::LoginRequired));
        let confirm = AuthorizationRequest { details: Some(payout()), ..none.clone() };
        assert_eq!(decide(&confirm, mfa, now), Decision::Refuse(RequestError::InteractionRequired));
        assert_eq!(decide(&none, mfa, now), Decision::Issue);
        let login = request(&[("prompt", "login")]).unwrap();
        assert_eq!(decide(&login, mfa, now), Decision::Login { with_mfa: true });
    }

    const OLD: SessionTag = SessionTag([1; 16]);
    const NEW: SessionTag = SessionTag([2; 16]);

    fn login(auth_time: i64, proof: Proof) -> CurrentLogin {
        CurrentLogin { session: OLD, auth_time: Timestamp(auth_time), proof }
    }

    /// `request` as it waits after being asked at 10 000 by a browser logged in with `OLD`.
    fn waiting(extra: &[(&'static str, &'static str)], asks_mfa: bool) -> WaitingRequest {
        let request = request(extra).unwrap();
        let request = AuthorizationRequest { asks_mfa: request.asks_mfa || asks_mfa, ..request };
        WaitingRequest { request, asked_at: Timestamp(10_000), asked_in: Some(OLD) }
    }

    #[test]
    fn a_new_login_asked_for_is_one_made_at_or_after_the_request_and_not_the_old_one() {
        let push = Proof::Factor(Factor::Push);
        for ask in [&[("max_age", "0")][..], &[("prompt", "login")][..]] {
            let w = waiting(ask, true);
            // The session the browser had when it asked, however close to the request.
            assert_eq!(w.fit(&login(9_000, push), Timestamp(10_500)), Fit::TooOld, "{ask:?}");
            assert_eq!(w.fit(&login(10_000, push), Timestamp(10_000)), Fit::TooOld, "{ask:?}: same second");
            // Another session from before the request.
            let earlier = CurrentLogin { session: NEW, ..login(9_999, push) };
            assert_eq!(w.fit(&earlier, Timestamp(10_000)), Fit::TooOld, "{ask:?}: a second before");
            // A new login in the same second as the request, and one later, both fit, also when
            // the code is issued minutes later (a transaction confirmed, recovery codes read).
            let same_second = CurrentLogin { session: NEW, ..login(10_000, push) };
            assert_eq!(w.fit(&same_second, Timestamp(10_000)), Fit::Fits, "{ask:?}");
            let later = CurrentLogin { session: NEW, ..login(10_030, push) };
            assert_eq!(w.fit(&later, Timestamp(10_400)), Fit::Fits, "{ask:?}");
            // A new login without a second factor does not answer a step-up.
            let pwd = CurrentLogin { session: NEW, ..login(10_030, Proof::Password) };
            assert_eq!(w.fit(&pwd, Timestamp(10_030)), Fit::WithoutSecondFactor, "{ask:?}");
        }
    }

    #[test]
    fn max_age_is_counted_up_to_the_moment_the_code_is_issued() {
        let push = Proof::Factor(Factor::Push);
        let w = waiting(&[("max_age", "60")], false);
        let l = CurrentLogin { session: NEW, ..login(10_000, push) };
        assert_eq!(w.fit(&l, Timestamp(10_060)), Fit::Fits, "exactly 60 s");
        assert_eq!(w.fit(&l, Timestamp(10_061)), Fit::TooOld, "61 s");
        // The old session fits too when it is young enough (only max_age=0 asks for a new one).
        assert_eq!(w.fit(&login(9_990, push), Timestamp(10_050)), Fit::Fits);
        assert_eq!(w.fit(&login(9_990, push), Timestamp(10_051)), Fit::TooOld);
        // At the authorization endpoint: the same edge.
        let asked = request(&[("max_age", "60")]).unwrap();
        assert_eq!(decide(&asked, Some(login(10_000, push)), Timestamp(10_060)), Decision::Issue);
        assert_eq!(decide(&asked, Some(login(10_000, push)), Timestamp(10_061)), Decision::Login { with_mfa: true });
    }

    #[test]
    fn acr_values_may_ask_for_a_passkey_which_no_other_factor_answers() {
        let w = waiting(&[("acr_values", ACR_PHR)], false);
        assert!(w.request.asks_mfa, "a passkey is a second factor too");
        assert_eq!(w.fit(&login(9_000, Proof::Password), Timestamp(10_000)), Fit::WithoutSecondFactor);
        for other in [Proof::RecoveryCode, Proof::Factor(Factor::Push), Proof::Factor(Factor::Totp)] {
            assert_eq!(w.fit(&login(9_000, other), Timestamp(10_000)), Fit::NotPhishingResistant, "{other:?}");
        }
        for passkey in [Proof::Factor(Factor::Passkey), Proof::PasskeyAlone] {
            assert_eq!(w.fit(&login(9_000, passkey), Timestamp(10_000)), Fit::Fits, "{passkey:?}");
        }
        let asked = request(&[("acr_values", "urn:riegel:acr:mfa urn:riegel:acr:phr")]).unwrap();
        assert!(asked.asks_phishing_resistant);
        assert_eq!(
            decide(&asked, Some(login(9_000, Proof::Factor(Factor::Push))), Timestamp(10_000)),
            Decision::Login { with_mfa: true }
        );
    }

    #[test]
    fn acr_values_ask_for_a_login_with_a_second_factor() {
        let w = waiting(&[("acr_values", ACR_MFA)], false);
        assert_eq!(w.fit(&login(9_000, Proof::Password), Timestamp(10_000)), Fit::WithoutSecondFactor);
        assert_eq!(w.fit(&login(9_000, Proof::RecoveryCode), Timestamp(10_000)), Fit::Fits);
        // Without demands any login answers, the one the browser had included.
        let plain = waiting(&[], false);
        assert_eq!(plain.fit(&login(1, Proof::Password), Timestamp(10_000)), Fit::Fits);
    }

    #[test]
    fn a_request_waits_thirty_minutes() {
        let w = waiting(&[], false);
        assert!(w.is_live(Timestamp(10_000 + REQUEST_TTL_SECS - 1)));
        assert!(!w.is_live(Timestamp(10_000 + REQUEST_TTL_SECS)));
    }

    #[test]
    fn amr_names_what_the_user_did() {
        assert_eq!(Proof::Password.amr(), ["pwd"]);
        assert_eq!(Proof::Factor(Factor::Code(crate::domain::mfa::Method::Sms)).amr(), ["pwd", "sms", "mfa"]);
        assert_eq!(Proof::Factor(Factor::Push).amr(), ["pwd", "mca", "mfa"]);
        assert_eq!(Proof::Factor(Factor::Passkey).amr(), ["pwd", "swk", "user", "mfa"]);
        assert_eq!(Proof::Factor(Factor::Passkey).acr(), ACR_PHR);
        assert_eq!(Proof::RecoveryCode.acr(), ACR_MFA);
        assert_eq!(Proof::PasskeyAlone.amr(), ["swk", "user", "mfa"]);
        assert_eq!(Proof::PasskeyAlone.acr(), ACR_PHR);
        assert_eq!(Proof::Factor(Factor::Push).acr(), ACR_MFA);
        for p in [Proof::Password, Proof::RecoveryCode, Proof::Factor(Factor::Totp), Proof::PasskeyAlone] {
            assert_eq!(Proof::from_stored(p.as_stored()), p);
        }
    }

    #[test]
    fn pkce_verifiers_are_43_to_128_unreserved_characters() {
        assert!(is_pkce_verifier(&"a".repeat(43)));
        assert!(!is_pkce_verifier(&"a".repeat(42)));
        assert!(!is_pkce_verifier(&"a".repeat(129)));
        assert!(!is_pkce_verifier(&format!("{}+", "a".repeat(43))));
    }
}
