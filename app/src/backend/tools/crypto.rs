//! Keyed hashes, random tokens and secret-holding types.
//!
//! - Tokens (session ids, one-time links, codes, TANs) are stored only as HMAC-SHA256 under the
//!   configured secret key, with a purpose label so one hash can never stand in for another.
//! - Secret values cannot be serialised and print as `[redacted]` in `Debug`.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// A value that must never reach a log, a response or the audit table.
/// It has no `Serialize` and its `Debug` prints `[redacted]`.
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }
    /// The one way to read the value; each call site is a place that handles a secret.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A password as typed by a user.
pub type Password = Secret<String>;

/// The server's secret key for keyed hashes (at least 32 bytes).
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!("the secret key must have at least {} bytes", Self::MIN_LEN));
        }
        Ok(SecretKey(bytes))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// What a keyed hash is for; part of the hashed input.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    SessionId,
    LoginThrottle,
    OneTimeCode,
    Tan,
    TanDigest,
    EmailChangeCode,
    /// A single-use e-mail link (invitation, forgotten password, phone reset).
    Link,
    /// The cookie of a registration in progress.
    RegistrationFlow,
    /// The e-mail code of a registration.
    RegistrationCode,
    /// A recovery code, bound to its account.
    RecoveryCode,
    /// The key that seals TOTP secrets.
    TotpSeal,
    /// A push device's cookie token.
    PushDevice,
    /// A push device's pairing link.
    PushPairing,
    /// The confirmation that a pairing link may replace a device's pairing.
    PushReplace,
    /// An OpenID Connect client's secret.
    OidcClientSecret,
    /// An authorization request's browser cookie, a code, an access token.
    OidcGrant,
    /// The key that seals ID token signing keys.
    OidcKeySeal,
    /// The key that seals an authorization request waiting in a browser's cookie.
    OidcRequestSeal,
    /// An account's WebAuthn user handle.
    PasskeyUser,
    /// The key that seals a passkey login's ceremony for the page.
    PasskeyLoginSeal,
    /// The mark of a passkey login's ceremony that was answered.
    PasskeyLoginMark,
    /// The key that seals the VAPID private key (Web Push).
    VapidKeySeal,
}

impl Purpose {
    const fn label(self) -> &'static [u8] {
        match self {
            Purpose::SessionId => b"riegel/session-id",
            Purpose::LoginThrottle => b"riegel/login-throttle",
            Purpose::OneTimeCode => b"riegel/one-time-code",
            Purpose::Tan => b"riegel/tan",
            Purpose::TanDigest => b"riegel/tan-digest",
            Purpose::Link => b"riegel/link",
            Purpose::RecoveryCode => b"riegel/recovery-code",
            Purpose::TotpSeal => b"riegel/totp-seal",
            Purpose::PushDevice => b"riegel/push-device",
            Purpose::PushPairing => b"riegel/push-pairing",
            Purpose::PushReplace => b"riegel/push-replace",
            Purpose::RegistrationFlow => b"riegel/registration-flow",
            Purpose::RegistrationCode => b"riegel/registration-code",
            Purpose::EmailChangeCode => b"riegel/email-change-code",
            Purpose::OidcClientSecret => b"riegel/oidc-client-secret",
            Purpose::OidcGrant => b"riegel/oidc-grant",
            Purpose::OidcKeySeal => b"riegel/oidc-key-seal",
            Purpose::OidcRequestSeal => b"riegel/oidc-request-seal",
            Purpose::PasskeyUser => b"riegel/passkey-user",
            Purpose::PasskeyLoginSeal => b"riegel/passkey-login-seal",
            Purpose::PasskeyLoginMark => b"riegel/passkey-login-mark",
            Purpose::VapidKeySeal => b"riegel/vapid-key-seal",
        }
    }
}

#[derive(Debug)]
pub struct Keys {
    key: SecretKey,
}

impl Keys {
    pub fn new(key: SecretKey) -> Self {
        Keys { key }
    }

    /// HMAC-SHA256(key, purpose ‖ 0 ‖ data).
    pub fn keyed_hash(&self, purpose: Purpose, data: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key.0) else {
            return Vec::new();
        };
        mac.update(purpose.label());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// The AEAD of `purpose`: its key is the keyed hash of the purpose, so one server key
    /// serves every purpose and no two share a key.
    fn cipher(&self, purpose: Purpose) -> Result<chacha20poly1305::ChaCha20Poly1305, String> {
        use chacha20poly1305::KeyInit;
        chacha20poly1305::ChaCha20Poly1305::new_from_slice(&self.keyed_hash(purpose, b"seal"))
            .map_err(|e| e.to_string())
    }

    /// Seals `plain` with ChaCha20-Poly1305 under a key derived for `purpose`, bound to
    /// `context` (e.g. the account id): nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, purpose: Purpose, context: &[u8], plain: &[u8]) -> Result<Vec<u8>, String> {
        use chacha20poly1305::aead::{Aead, Payload};
        let cipher = self.cipher(purpose)?;
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(&nonce.into(), Payload { msg: plain, aad: context })
            .map_err(|_| "sealing failed".to_owned())?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Opens what [`Keys::seal`] sealed with the same purpose and context.
    pub fn open(&self, purpose: Purpose, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, String> {
        use chacha20poly1305::{
            Nonce,
            aead::{Aead, Payload},
        };
        let cipher = self.cipher(purpose)?;
        let (nonce, body) = sealed.split_at_checked(12).ok_or("sealed value too short")?;
        cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: context }).map_err(|_| "cannot open".into())
    }
}

/// Compares two hashes in constant time (SPEC 3.3).
pub fn hashes_equal(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A 6-digit one-time code, uniform over 000000–999999, from the OS's CSPRNG (SPEC 3.3).
pub fn random_code() -> Secret<String> {
    use rand::Rng;
    Secret::new(format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32)))
}

/// `len` characters of the TAN alphabet (no 0/O, 1/I/L), uniform, from the OS's CSPRNG.
fn random_from_alphabet(len: usize) -> Secret<String> {
    use crate::domain::tan::ALPHABET;
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    Secret::new((0..len).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect())
}

/// A TAN: 6 characters of the TAN alphabet (SPEC 5.2).
pub fn random_tan() -> Secret<String> {
    random_from_alphabet(crate::domain::tan::TAN_LEN)
}

/// A recovery code: `RECOVERY_CODE_LEN` characters of the TAN alphabet, about 49 bits.
pub fn random_recovery_code() -> Secret<String> {
    random_from_alphabet(crate::domain::mfa::RECOVERY_CODE_LEN)
}

/// A bearer token of 256 random bits from the operating system's CSPRNG, base64url.
pub fn random_token() -> Secret<String> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::new(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let p: Password = Secret::new("hunter2hunter2".into());
        assert_eq!(format!("{p:?}"), "[redacted]");
        let k = SecretKey::new(vec![7; 32]).unwrap();
        assert!(!format!("{k:?}").contains('7'));
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(SecretKey::new(vec![1; 31]).is_err());
    }

    #[test]
    fn purposes_separate_hashes() {
        let keys = Keys::new(SecretKey::new(vec![1; 32]).unwrap());
        let a = keys.keyed_hash(Purpose::SessionId, b"x");
        let b = keys.keyed_hash(Purpose::LoginThrottle, b"x");
        assert_ne!(a, b);
        assert_eq!(a, keys.keyed_hash(Purpose::SessionId, b"x"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..200).map(|_| random_code().expose().clone()).collect();
        assert!(codes.iter().all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())));
        assert!(codes.len() > 190, "200 draws from a million rarely collide");
    }

    #[test]
    fn tans_use_the_alphabet() {
        let tan = random_tan();
        assert_eq!(tan.expose().len(), 6);
        assert!(crate::domain::tan::normalise(tan.expose()).is_ok());
    }

    #[test]
    fn hash_comparison() {
        assert!(hashes_equal(b"abc", b"abc"));
        assert!(!hashes_equal(b"abc", b"abd"));
        assert!(!hashes_equal(b"abc", b"abcd"));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.expose().len(), 43); // 32 bytes, base64url without padding
        assert_ne!(a.expose(), b.expose());
    }
}
