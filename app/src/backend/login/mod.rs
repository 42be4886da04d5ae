//! Login: who a request belongs to, and how a person gets in apart from the factors.
//!
//! - `sessions`: the server-side session and its cookie (SPEC 1.7): a new id at every login
//!   step, the idle and absolute timeouts;
//! - `access`: the gate every request that needs a login passes: the live session and, for
//!   the portal, the member (admin, support agent);
//! - `completion`: the end of every passed login, whichever factor passed it (trusted IP,
//!   the limits reset, a new session id), and the end of a phone reset;
//! - `links`: the single-use e-mail links (invitation, forgotten password, phone reset) that
//!   let a person in who cannot log in yet (SPEC 6.1–6.3).
//!
//! Not here: the factors of the challenge and the challenge itself (`factor/`), the password
//! throttle and the lock (`limits/`), the TAN a logged-in session needs for a protected action
//! (`tan`), and the use cases that drive a login (`services::auth`, `services::challenge`).

pub(crate) mod access;
pub(crate) mod completion;
pub(crate) mod links;
pub mod sessions;
