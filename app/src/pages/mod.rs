//! One folder per page.

pub mod home;
pub mod login;
pub mod mfa;
pub mod not_found;
pub mod setup;
