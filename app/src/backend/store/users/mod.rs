//! `users`: the accounts (SPEC 2.1, 6.1): who they are, their organisation and role, password
//! hash (empty while an invitation is open), phone, lock, trusted IP and TAN state. One table,
//! read for many purposes, so its statements are grouped by what they are for; every function
//! is reached as `store::users::<name>`.

mod accounts;
mod credentials;
mod limits;
mod oidc;
mod support;

pub use accounts::*;
pub use credentials::*;
pub use limits::*;
pub use oidc::*;
pub use support::*;
