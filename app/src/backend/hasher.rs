//! argon2id password hashing behind a bounded admission gate (SPEC 1.1, convention 5).
//!
//! - Hashing runs in `spawn_blocking`, at most `permits` at once (a semaphore sized to the
//!   cores), so the async workers never stall on it.
//! - At most `permits + queue` requests are admitted (running or waiting); the next one gets
//!   `Busy` at once, which the API answers with 503 and `Retry-After`. Nothing queues without
//!   bound, so a login flood costs bounded memory.
//! - `verify` with no stored hash verifies against a dummy hash of the same parameters, so an
//!   unknown e-mail costs the same single verification as a wrong password.

use std::sync::{
    Arc,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

use super::crypto::Password;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Config {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
    /// Hashing jobs that may run at once.
    pub permits: usize,
    /// Jobs that may wait for a permit; more are refused.
    pub queue: usize,
}

impl Argon2Config {
    /// OWASP's first recommendation for argon2id: 19 MiB, 2 iterations, 1 lane.
    pub fn recommended(permits: usize) -> Self {
        Argon2Config { m_kib: 19_456, t: 2, p: 1, permits, queue: permits * 8 }
    }
}

/// Too many hashing jobs are running or waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hasher busy")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

pub struct PasswordHasher {
    argon: Argon2<'static>,
    config: Argon2Config,
    gate: Arc<Semaphore>,
    admitted: AtomicUsize,
    high_water: AtomicUsize,
    verifications: AtomicU64,
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Releases an admission slot when a job ends, however it ends.
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordHasher {
    pub fn new(config: Argon2Config) -> Result<Self, String> {
        if config.permits == 0 {
            return Err("argon2 permits must be at least 1".into());
        }
        let params = Params::new(config.m_kib, config.t, config.p, None)
            .map_err(|e| format!("invalid argon2 parameters: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let dummy_hash = argon
            .hash_password(b"riegel-dummy-password", &salt)
            .map_err(|e| format!("argon2 self-test failed: {e}"))?
            .to_string();
        Ok(PasswordHasher {
            argon,
            config,
            gate: Arc::new(Semaphore::new(config.permits)),
            admitted: AtomicUsize::new(0),
            high_water: AtomicUsize::new(0),
            verifications: AtomicU64::new(0),
            dummy_hash,
        })
    }

    pub fn config(&self) -> Argon2Config {
        self.config
    }

    /// Verifications performed since start (what the tests count).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::SeqCst)
    }

    /// The most jobs ever admitted at once (running plus waiting).
    pub fn high_water(&self) -> usize {
        self.high_water.load(Ordering::SeqCst)
    }

    fn admit(&self) -> Result<Admission<'_>, Busy> {
        let capacity = self.config.permits + self.config.queue;
        let before = self.admitted.fetch_add(1, Ordering::SeqCst);
        let admission = Admission(&self.admitted);
        if before >= capacity {
            return Err(Busy);
        }
        self.high_water.fetch_max(before + 1, Ordering::SeqCst);
        Ok(admission)
    }

    async fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&Argon2<'static>) -> R + Send + 'static,
    ) -> Result<R, HashError> {
        let _admission = self.admit().map_err(|Busy| HashError::Busy)?;
        let _permit = self.gate.acquire().await.map_err(|e| HashError::Failed(e.to_string()))?;
        let argon = self.argon.clone();
        tokio::task::spawn_blocking(move || job(&argon)).await.map_err(|e| HashError::Failed(e.to_string()))
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no account,
    /// so both paths cost exactly one verification.
    pub async fn verify(&self, stored: Option<&str>, password: &Password) -> Result<bool, HashError> {
        let (phc, real) = match stored {
            Some(h) => (h.to_owned(), true),
            None => (self.dummy_hash.clone(), false),
        };
        let candidate = password.expose().clone();
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let matched = self
            .run(move |argon| match PasswordHash::new(&phc) {
                Ok(parsed) => argon.verify_password(candidate.as_bytes(), &parsed).is_ok(),
                Err(_) => false,
            })
            .await;
        if matched.is_err() {
            self.verifications.fetch_sub(1, Ordering::SeqCst);
        }
        Ok(matched? && real)
    }

    /// A new PHC string for `password` with a fresh salt.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let candidate = password.expose().clone();
        self.run(move |argon| {
            let salt = SaltString::generate(&mut OsRng);
            argon.hash_password(candidate.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await?
        .map_err(|e| HashError::Failed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::crypto::Secret;

    fn cheap(permits: usize, queue: usize) -> PasswordHasher {
        PasswordHasher::new(Argon2Config { m_kib: 64, t: 1, p: 1, permits, queue }).unwrap()
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = cheap(1, 1);
        let pw = Secret::new("correct horse battery".to_string());
        let phc = h.hash(&pw).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify(Some(&phc), &pw).await.unwrap());
        assert!(!h.verify(Some(&phc), &Secret::new("wrong".into())).await.unwrap());
        assert_eq!(h.verifications(), 2);
    }

    #[tokio::test]
    async fn unknown_account_costs_one_verification_and_never_matches() {
        let h = cheap(1, 1);
        assert!(!h.verify(None, &Secret::new("riegel-dummy-password".into())).await.unwrap());
        assert_eq!(h.verifications(), 1);
    }

    #[tokio::test]
    async fn a_broken_stored_hash_never_matches() {
        let h = cheap(1, 1);
        assert!(!h.verify(Some("not a phc string"), &Secret::new("x".into())).await.unwrap());
    }

    #[test]
    fn admission_is_bounded() {
        let h = cheap(2, 3);
        let held: Vec<_> = (0..5).map(|_| h.admit().unwrap()).collect();
        assert!(h.admit().is_err());
        drop(held);
        assert!(h.admit().is_ok());
        assert_eq!(h.high_water(), 5);
    }
}
