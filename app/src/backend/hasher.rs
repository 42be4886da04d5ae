//! argon2id password hashing behind a bounded admission gate (SPEC 1.1, convention 5).
//!
//! - Hashing runs on `permits` dedicated threads (one per core by default), never on the
//!   async workers. A fixed set of threads also bounds memory: each argon2 run allocates
//!   `m_kib`, and the allocator keeps a freed block in its thread's arena, so a growing pool of
//!   blocking threads (tokio's `spawn_blocking`) kept one block per thread it ever used: 522 MiB
//!   under a login flood with 2 permits, against 2 × 19 MiB now.
//! - At most `permits + queue` jobs are admitted (running or waiting); the next one gets
//!   `Busy` at once, which the API answers with 503 and `Retry-After`. A login takes its
//!   admission before any database work, so a refusal costs nothing. An admitted job keeps its
//!   slot until it has run, even if its request went away.
//! - `verify` with no stored hash verifies against a dummy hash of the same parameters, so an
//!   unknown e-mail costs the same single verification as a wrong password.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, AtomicUsize, Ordering},
    mpsc,
};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng},
};

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

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hasher busy")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

type Job = Box<dyn FnOnce(&Argon2<'static>) + Send>;

pub struct PasswordHasher {
    config: Argon2Config,
    jobs: Mutex<mpsc::Sender<Job>>,
    admitted: Arc<AtomicUsize>,
    high_water: AtomicUsize,
    verifications: AtomicU64,
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("config", &self.config).finish_non_exhaustive()
    }
}

/// An admission slot, released when its job has run (or when it is dropped unused).
pub struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
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
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..config.permits {
            let (rx, argon) = (rx.clone(), argon.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&argon),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| format!("cannot start the password hashing threads: {e}"))?;
        }
        Ok(PasswordHasher {
            config,
            jobs: Mutex::new(tx),
            admitted: Arc::new(AtomicUsize::new(0)),
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

    /// A slot for one job, or `Busy` when `permits + queue` jobs are admitted already.
    pub fn admit(&self) -> Result<Admission, HashError> {
        let capacity = self.config.permits + self.config.queue;
        let before = self.admitted.fetch_add(1, Ordering::SeqCst);
        let admission = Admission(self.admitted.clone());
        if before >= capacity {
            return Err(HashError::Busy);
        }
        self.high_water.fetch_max(before + 1, Ordering::SeqCst);
        Ok(admission)
    }

    async fn run<R: Send + 'static>(
        &self,
        admission: Admission,
        job: impl FnOnce(&Argon2<'static>) -> R + Send + 'static,
    ) -> Result<R, HashError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |argon| {
            let _ = tx.send(job(argon));
            drop(admission);
        });
        self.jobs
            .lock()
            .map_err(|_| HashError::Failed("hasher queue poisoned".into()))?
            .send(job)
            .map_err(|_| HashError::Failed("hashing threads stopped".into()))?;
        rx.await.map_err(|_| HashError::Failed("hashing thread stopped".into()))
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no account,
    /// so both paths cost exactly one verification.
    pub async fn verify(&self, stored: Option<&str>, password: &Password) -> Result<bool, HashError> {
        self.verify_admitted(self.admit()?, stored, password).await
    }

    /// `verify` with a slot taken earlier (the login takes it before its database work).
    pub async fn verify_admitted(
        &self,
        admission: Admission,
        stored: Option<&str>,
        password: &Password,
    ) -> Result<bool, HashError> {
        let (phc, real) = match stored {
            Some(h) => (h.to_owned(), true),
            None => (self.dummy_hash.clone(), false),
        };
        let candidate = password.expose().clone();
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let matched = self
            .run(admission, move |argon| match PasswordHash::new(&phc) {
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
        self.run(self.admit()?, move |argon| {
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
