//! Passkeys (WebAuthn; SPEC 14): a key pair made by the user's device for Riegel's origin
//! alone, so a fake login page at another address gets nothing to relay.
//!
//! Rules:
//! - The relying party is Riegel's public origin (`--public-origin`, in development the
//!   address it serves): its host is the RP ID, and an answer made for another origin or RP ID
//!   is refused. WebAuthn knows no IP address as RP ID, so passkeys are offered only where
//!   Riegel is reached by a domain name (`localhost` counts).
//! - Every ceremony needs user verification (the device's PIN or biometrics), so a passkey is
//!   two factors by itself; keys that cannot verify their user are refused at enrolment.
//! - A ceremony has two halves: its options go to the browser and its state (with the
//!   challenge the browser's answer must sign) stays in the database, bound to the session,
//!   one per kind, for [`CEREMONY_SECS`]; finishing takes it, so an answer is checked once
//!   and a replayed one finds no ceremony.
//! - An answer is checked against the keys of the account at hand only: a key of another
//!   account, or one removed meanwhile, is no key of this account.
//! - The signature counter and backup flags are kept with the key after each use. An answer
//!   whose counter is not above the one stored at the key's last use (read under the
//!   account's lock, not the copy in the ceremony) comes from a clone of the key, or is
//!   replayed: it is refused like any wrong answer. Authenticators that keep no counter
//!   (synced passkeys) send 0, and 0 after 0 passes.
//!
//! - Keys are asked to be discoverable (a resident key) where the device can: such a key can
//!   log in with no password and no e-mail typed (SPEC 14.2), the browser offering it in the
//!   e-mail field's autofill. Its answer names the account by the user handle, which no
//!   signature covers: the key's stored owner decides, and a handle that is not that owner's
//!   is refused.
//!
//! Verification is `webauthn-rs` (kanidm's relying-party library); this module keeps its
//! state, finds the keys, and says what the answer means for a login.

use webauthn_rs::prelude::{
    AuthenticationResult, CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder, WebauthnResult,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::{
    backend::{
        state::AppState,
        store::{self, Conn, passkeys::PasskeyRow},
        tools::crypto::Purpose,
    },
    wire::{AppError, InputError},
};

/// How long a ceremony waits for the browser's answer.
pub const CEREMONY_SECS: i64 = 300;

/// The longest name a passkey may have, in characters.
pub const NAME_MAX_CHARS: usize = 60;

/// The kinds of ceremony a session can have open, one each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ceremony {
    /// Enrolling a new passkey, on the settings page.
    Enrol,
    /// Passing the login challenge with a passkey.
    Challenge,
}

impl Ceremony {
    pub const fn as_str(self) -> &'static str {
        match self {
            Ceremony::Enrol => "enrol",
            Ceremony::Challenge => "challenge",
        }
    }
}

/// The relying party at Riegel's public origin; unavailable where that is an IP address.
pub fn relying_party(state: &AppState) -> Result<Webauthn, AppError> {
    let unavailable = || AppError::Input(InputError::PasskeyUnavailable);
    let origin = Url::parse(&state.config.link_origin).map_err(|_| unavailable())?;
    let rp_id = origin.domain().ok_or_else(unavailable)?.to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("Riegel Lieferantenportal").build())
        .map_err(|_| unavailable())
}

/// The account's WebAuthn user handle: derived from its id with the server's key, so it says
/// nothing about the account to anyone without the key, and is the same on every instance.
fn user_handle(state: &AppState, user_id: i64) -> Uuid {
    let digest = state.keys.keyed_hash(Purpose::PasskeyUser, &user_id.to_be_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// Whether the account has a passkey.
pub async fn enrolled(conn: &mut Conn, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(store::passkeys::count_of_user(conn, user_id).await? > 0)
}

/// Whether a passkey of the account can answer here: passkeys are offered at this origin and
/// the account has one (TANs by passkey, SPEC 14.3).
pub async fn offered(conn: &mut Conn, state: &AppState, user_id: i64) -> Result<bool, AppError> {
    Ok(relying_party(state).is_ok() && enrolled(conn, user_id).await?)
}

/// A passkey's stored record, as the library's type.
pub fn credential_of(row: &PasskeyRow) -> Result<Passkey, AppError> {
    serde_json::from_str(&row.credential).map_err(AppError::internal)
}

/// A name for a new passkey, trimmed: 1 to [`NAME_MAX_CHARS`] characters, no control
/// characters.
pub fn normalise_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let fits = !name.is_empty() && name.chars().count() <= NAME_MAX_CHARS && !name.chars().any(char::is_control);
    match fits {
        true => Ok(name.to_owned()),
        false => Err(AppError::Input(InputError::PasskeyNameInvalid)),
    }
}

/// Enrolment's first half: the options for the browser, and the state to keep. The account's
/// keys are excluded, so one device does not enrol twice.
pub fn start_enrolment(
    rp: &Webauthn,
    state: &AppState,
    user_id: i64,
    email: &str,
    keys: &[PasskeyRow],
) -> Result<(CreationChallengeResponse, String), AppError> {
    let exclude = keys.iter().map(|k| k.credential_id.clone()).collect();
    let (mut options, registration) = rp
        .start_passkey_registration(user_handle(state, user_id), email, email, Some(exclude))
        .map_err(AppError::internal)?;
    // The library asks for no resident key; a discoverable one is what logs in without a
    // password. "Preferred": a security key short of slots still enrols, as a second factor.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Preferred);
    }
    Ok((options, serde_json::to_string(&registration).map_err(AppError::internal)?))
}

/// Enrolment's second half: the new key, if the browser's answer fits the kept state.
pub fn finish_enrolment(rp: &Webauthn, kept: &str, answer: &str) -> Result<Passkey, AppError> {
    let registration: PasskeyRegistration = serde_json::from_str(kept).map_err(AppError::internal)?;
    let answer: RegisterPublicKeyCredential =
        serde_json::from_str(answer).map_err(|_| AppError::Input(InputError::PasskeyMalformed))?;
    rp.finish_passkey_registration(&answer, &registration).map_err(|e| {
        tracing::info!(error = %e, "a passkey's enrolment answer was refused");
        AppError::Input(InputError::PasskeyRefused)
    })
}

/// An assertion's first half: the options for the browser (the account's keys, user
/// verification required), and the state to keep.
pub fn start_assertion(rp: &Webauthn, keys: &[PasskeyRow]) -> Result<(RequestChallengeResponse, String), AppError> {
    let creds = keys.iter().map(credential_of).collect::<Result<Vec<_>, _>>()?;
    if creds.is_empty() {
        return Err(AppError::Input(InputError::MethodUnavailable));
    }
    let (options, authentication) = rp.start_passkey_authentication(&creds).map_err(AppError::internal)?;
    Ok((options, serde_json::to_string(&authentication).map_err(AppError::internal)?))
}

/// A passkey that passed, with its record updated for storing.
pub struct Asserted {
    pub key_id: i64,
    pub credential: String,
    pub sign_count: u32,
    pub backup_eligible: bool,
    pub backed_up: bool,
}

impl Asserted {
    /// What the key's row keeps of this use.
    pub fn as_use(&self) -> store::passkeys::Use<'_> {
        store::passkeys::Use {
            id: self.key_id,
            credential: &self.credential,
            sign_count: self.sign_count,
            backup_eligible: self.backup_eligible,
            backed_up: self.backed_up,
        }
    }
}

/// What an assertion's answer came to.
pub enum Assertion {
    Passed(Asserted),
    /// Not a valid answer for this ceremony and these keys: a wrong entry.
    Failed,
}

/// An assertion's second half: whether `answer` is a valid signature over the kept
/// challenge, by one of `keys` (the account's own), with the user verified.
pub fn finish_assertion(rp: &Webauthn, kept: &str, answer: &str, keys: &[PasskeyRow]) -> Result<Assertion, AppError> {
    let authentication: PasskeyAuthentication = serde_json::from_str(kept).map_err(AppError::internal)?;
    let answer = parse_answer(answer)?;
    judge(rp.finish_passkey_authentication(&answer, &authentication), keys)
}

/// The browser's answer to an assertion, parsed; garbled JSON is no answer.
pub fn parse_answer(answer: &str) -> Result<PublicKeyCredential, AppError> {
    serde_json::from_str(answer).map_err(|_| AppError::Input(InputError::PasskeyMalformed))
}

/// A login with a passkey alone, first half: options that name no key (the browser offers the
/// discoverable keys it has for Riegel) and the state to keep.
pub fn start_login(rp: &Webauthn) -> Result<(RequestChallengeResponse, String), AppError> {
    let (mut options, authentication) = rp.start_discoverable_authentication().map_err(AppError::internal)?;
    // The page decides how the browser asks: in the e-mail field's autofill, or at a button.
    options.mediation = None;
    Ok((options, serde_json::to_string(&authentication).map_err(AppError::internal)?))
}

/// The authenticator's id of the key an answer says signed it (nothing checked yet).
pub fn claimed_key(answer: &PublicKeyCredential) -> &[u8] {
    answer.raw_id.as_slice()
}

/// A login with a passkey alone, second half: whether `answer` is a valid signature over the
/// kept challenge by the key of `keys` (its owner's, as they are now) it names, with the user
/// verified, and names that owner.
pub fn finish_login(
    rp: &Webauthn,
    state: &AppState,
    kept: &str,
    answer: &PublicKeyCredential,
    owner: i64,
    keys: &[PasskeyRow],
) -> Result<Assertion, AppError> {
    let authentication: DiscoverableAuthentication = serde_json::from_str(kept).map_err(AppError::internal)?;
    let Some(row) = keys.iter().find(|k| k.credential_id.as_slice() == claimed_key(answer)) else {
        return Ok(Assertion::Failed);
    };
    let handle = answer.response.user_handle.as_ref().and_then(|h| Uuid::from_slice(h.as_ref()).ok());
    if handle != Some(user_handle(state, owner)) {
        return Ok(Assertion::Failed);
    }
    let credential = credential_of(row)?;
    judge(rp.finish_discoverable_authentication_v2(answer, authentication, &credential), keys)
}

/// What the library's check of an answer comes to: the user verified, one of `keys`, and a
/// counter above the stored one.
fn judge(checked: WebauthnResult<AuthenticationResult>, keys: &[PasskeyRow]) -> Result<Assertion, AppError> {
    let result = match checked {
        Ok(result) if result.user_verified() => result,
        Ok(_) => return Ok(Assertion::Failed),
        Err(e) => {
            tracing::info!(error = %e, "a passkey's answer was refused");
            return Ok(Assertion::Failed);
        }
    };
    let Some(row) = keys.iter().find(|k| k.credential_id.as_slice() == result.cred_id().as_slice()) else {
        return Ok(Assertion::Failed);
    };
    let (stored, counter) = (row.sign_count, i64::from(result.counter()));
    if (stored > 0 || counter > 0) && counter <= stored {
        tracing::warn!(key = row.id, stored, counter, "a passkey's counter went back: a clone of the key, or a replay");
        return Ok(Assertion::Failed);
    }
    let mut credential = credential_of(row)?;
    credential.update_credential(&result);
    Ok(Assertion::Passed(Asserted {
        key_id: row.id,
        credential: serde_json::to_string(&credential).map_err(AppError::internal)?,
        sign_count: result.counter(),
        backup_eligible: result.backup_eligible(),
        backed_up: result.backup_state(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_must_be_short_and_printable() {
        assert_eq!(normalise_name("  Laptop ").unwrap(), "Laptop");
        assert!(normalise_name("   ").is_err());
        assert!(normalise_name(&"x".repeat(NAME_MAX_CHARS + 1)).is_err());
        assert_eq!(normalise_name(&"ä".repeat(NAME_MAX_CHARS)).unwrap().chars().count(), NAME_MAX_CHARS);
        assert!(normalise_name("a\u{0}b").is_err());
    }
}
