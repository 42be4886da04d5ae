//! Input: what a person typed, read and checked before a use case decides anything; a
//! refusal is an `InputError` the user reads in their language.
//!
//! - here: the checks several use cases share: a new password (SPEC 2.1: at least 12
//!   characters, not the account's own words, not common or guessable by the strength
//!   estimator) for registration, invitation, forgotten password and change; and a name field
//!   (1 to 200 characters, no control characters);
//! - `phone`: mobile numbers, to E.164 within the policy's countries;
//! - `iban`: IBANs and BICs, as typed and as shown.
//!
//! Not here: the pure rules these checks apply (`domain::password`, `domain::email`,
//! `domain::money` for amounts), and dates as typed (`tools::timefmt::parse_date`, beside
//! the formats it reads back).

pub mod iban;
pub mod phone;

use super::{state::AppState, tools::crypto::Password};
use crate::{
    domain::password::{self, personal_words},
    wire::{AppError, InputError},
};

/// Checks a new password (SPEC 2.1) against the account's own words and the strength
/// estimator: the one check of registration, invitation, forgotten password and change.
pub fn check_new_password(
    state: &AppState,
    password: &Password,
    email: &str,
    full_name: &str,
    company: &str,
) -> Result<(), AppError> {
    let personal = personal_words(email, full_name, company);
    password::check_new(password.expose(), &personal, &state.config.policy)
        .map_err(|w| AppError::Input(InputError::from(w)))
}

/// `check_new_password`, then the hash (outside any transaction).
pub async fn new_password_hash(
    state: &AppState,
    password: &Password,
    email: &str,
    full_name: &str,
    company: &str,
) -> Result<String, AppError> {
    check_new_password(state, password, email, full_name, company)?;
    Ok(state.hasher.hash(password).await?)
}

/// A trimmed name of 1 to 200 characters.
pub fn name_field(raw: &str, missing: InputError) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::Input(missing));
    }
    Ok(name.to_owned())
}
