//! argon2id password hashing behind a bounded admission gate (SPEC 1.1).
//!
//! - Hashing runs on `permits` dedicated threads (one per core by default), never on the
//!   async workers. Each thread allocates argon2's `m_kib` of memory once, at its first run,
//!   and reuses it for every run after, so hashing holds `permits × m_kib` however many
//!   logins come. (Allocating per run, as the argon2 crate does, let glibc keep the freed
//!   blocks in its arenas: 522 MiB under a login flood on tokio's blocking pool, still 228 MiB
//!   on two fixed threads, against idle + 2 × 19 MiB now.)
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
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, PasswordHasher as _, SaltString, rand_core::OsRng},
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

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hasher busy")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

type Job = Box<dyn FnOnce(&mut Worker) + Send>;

/// One hashing thread: the configured argon2id and its memory, allocated at the first run and
/// reused by every run after.
struct Worker {
    argon: Argon2<'static>,
    blocks: Vec<Block>,
}

impl Worker {
    /// argon2 of `password` and `salt` with `argon`'s parameters into `out`, in this
    /// thread's memory.
    fn compute(&mut self, argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), String> {
        let needed = argon.params().block_count();
        if self.blocks.len() < needed {
            self.blocks.resize(needed, Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut self.blocks[..needed]).map_err(|e| e.to_string())
    }

    /// Whether `password` matches the PHC string `phc`, with the parameters stored in it.
    /// The outputs are compared in constant time (`Output`'s equality).
    fn verify(&mut self, phc: &str, password: &[u8]) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else { return false };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
        let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed)) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from) {
            None => Version::default(),
            Some(Ok(v)) => v,
            Some(Err(_)) => return false,
        };
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
        let mut out = vec![0u8; expected.len()];
        let argon = Argon2::new(algorithm, version, params);
        self.compute(&argon, password, salt, &mut out).is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
    }

    /// A new PHC string for `password` with a fresh salt and the configured parameters.
    fn hash(&mut self, password: &[u8]) -> Result<String, String> {
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let argon = self.argon.clone();
        self.compute(&argon, password, salt_bytes, &mut out)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(argon.params()).map_err(|e| e.to_string())?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
        };
        Ok(phc.to_string())
    }
}

pub struct PasswordHasher {
    config: Argon2Config,
    jobs: Mutex<mpsc::Sender<Job>>,
    admitted: Arc<AtomicUsize>,
    high_water: AtomicUsize,
    verifications: AtomicU64,
    /// Jobs refused with `Busy` since start.
    refusals: AtomicU64,
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
                    let mut worker = Worker { argon, blocks: Vec::new() };
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut worker),
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
            refusals: AtomicU64::new(0),
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

    /// Jobs admitted now (running or waiting for a thread).
    pub fn admitted(&self) -> usize {
        self.admitted.load(Ordering::SeqCst)
    }

    /// Jobs refused with `Busy` since start (the queue was full).
    pub fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    /// A slot for one job, or `Busy` when `permits + queue` jobs are admitted already.
    pub fn admit(&self) -> Result<Admission, HashError> {
        let capacity = self.config.permits + self.config.queue;
        let before = self.admitted.fetch_add(1, Ordering::SeqCst);
        let admission = Admission(self.admitted.clone());
        if before >= capacity {
            self.refusals.fetch_add(1, Ordering::Relaxed);
            return Err(HashError::Busy);
        }
        self.high_water.fetch_max(before + 1, Ordering::SeqCst);
        Ok(admission)
    }

    async fn run<R: Send + 'static>(
        &self,
        admission: Admission,
        job: impl FnOnce(&mut Worker) -> R + Send + 'static,
    ) -> Result<R, HashError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |worker| {
            let _ = tx.send(job(worker));
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
        let matched = self.run(admission, move |worker| worker.verify(&phc, candidate.as_bytes())).await;
        if matched.is_err() {
            self.verifications.fetch_sub(1, Ordering::SeqCst);
        }
        Ok(matched? && real)
    }

    /// A new PHC string for `password` with a fresh salt.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let candidate = password.expose().clone();
        self.run(self.admit()?, move |worker| worker.hash(candidate.as_bytes())).await?.map_err(HashError::Failed)
    }
}

/// A full hashing queue is "busy, try again"; any other failure is internal.
impl From<HashError> for crate::wire::AppError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => crate::wire::AppError::Busy { retry_after_secs: 1 },
            other => crate::wire::AppError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::tools::crypto::Secret;

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

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crate_both_ways_whatever_their_parameters() {
        use argon2::password_hash::PasswordVerifier as _;
        let h = cheap(1, 1);
        let pw = Secret::new("Kiefer-Wolke-Laterne-73".to_string());
        // A stored hash of other parameters (an older configuration) is checked with its own.
        let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(128, 2, 1, None).unwrap());
        let stored =
            other.hash_password(pw.expose().as_bytes(), &SaltString::generate(&mut OsRng)).unwrap().to_string();
        assert!(h.verify(Some(&stored), &pw).await.unwrap());
        assert!(!h.verify(Some(&stored), &Secret::new("Kiefer-Wolke-Laterne-74".into())).await.unwrap());
        // And what the worker writes, the crate accepts.
        let ours = h.hash(&pw).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(pw.expose().as_bytes(), &parsed).is_ok());
        assert!(ours.contains("m=64,t=1,p=1"), "{ours}");
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
