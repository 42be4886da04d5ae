//! The authenticator-app factor (TOTP, RFC 6238; SPEC 3.1): 6 digits, 30-second steps, one
//! step of tolerance either way, a used step never accepted again (no replay). The secret
//! (160 random bits) is sealed with the server's key, bound to the account.
//!
//! Enrolment is a use case of the settings (`services::totp`); using a code at the login
//! challenge is `services::challenge::use_totp`. Both check codes here.

use totp_rs::{Algorithm, TOTP};

use crate::{
    backend::{
        db::{LockKey, WriteTx},
        state::AppState,
        store::{self, Conn},
        tools::crypto::Purpose,
    },
    domain::time::Timestamp,
    wire::{AppError, InputError},
};

const STEP_SECS: i64 = 30;
const ISSUER: &str = "Riegel Lieferantenportal";

pub fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, AppError> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS as u64, secret, Some(ISSUER.into()), account.into())
        .map_err(AppError::internal)
}

/// The step a code was made for, among the current one and one either side, if it matches
/// and is newer than `last_step`. Every candidate is compared, each in constant time.
pub fn matching_step(totp: &TOTP, code: &str, now: Timestamp, last_step: i64) -> Option<i64> {
    let current = now.0.div_euclid(STEP_SECS);
    let mut matched = None;
    for step in [current - 1, current, current + 1] {
        let Ok(at) = u64::try_from(step * STEP_SECS) else { continue };
        let expected = totp.generate(at);
        if crate::backend::tools::crypto::hashes_equal(expected.as_bytes(), code.as_bytes()) && step > last_step {
            matched = Some(step);
        }
    }
    matched
}

pub fn secret_of(state: &AppState, user_id: i64, sealed: &[u8]) -> Result<Vec<u8>, AppError> {
    state.keys.open(Purpose::TotpSeal, &user_id.to_be_bytes(), sealed).map_err(AppError::internal)
}

/// Whether the account has a confirmed authenticator app.
pub async fn enrolled(conn: &mut Conn, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(store::totp::of_user(conn, user_id).await?.is_some_and(|r| r.confirmed_at.is_some()))
}

/// At login: whether `code` is the account's current TOTP code, newer than the last one
/// used; a match is recorded so it is never accepted again. Under the account's lock, so a
/// code entered twice at once passes once.
pub async fn check_and_use(
    tx: &mut WriteTx,
    state: &AppState,
    user_id: i64,
    email: &str,
    code: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    tx.holds(&LockKey::Account(user_id))?;
    let Some(r) = store::totp::of_user(tx, user_id).await?.filter(|r| r.confirmed_at.is_some()) else {
        return Err(AppError::Input(InputError::MethodUnavailable));
    };
    let totp = totp(secret_of(state, user_id, &r.secret_enc)?, email)?;
    let Some(step) = matching_step(&totp, code, now, r.last_step) else {
        return Ok(false);
    };
    store::totp::set_last_step(tx, user_id, step).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_never_for_a_used_step() {
        let t = totp(b"12345678901234567890".to_vec(), "anna@example.org").unwrap();
        let now = Timestamp(1_800_000_015);
        let step = now.0 / STEP_SECS;
        let code_at = |s: i64| t.generate(u64::try_from(s * STEP_SECS).unwrap());
        assert_eq!(matching_step(&t, &code_at(step), now, 0), Some(step));
        assert_eq!(matching_step(&t, &code_at(step - 1), now, 0), Some(step - 1));
        assert_eq!(matching_step(&t, &code_at(step + 1), now, 0), Some(step + 1));
        assert_eq!(matching_step(&t, &code_at(step - 2), now, 0), None, "too old");
        assert_eq!(matching_step(&t, &code_at(step), now, step), None, "replayed");
        assert_eq!(matching_step(&t, &code_at(step), now, step - 1), Some(step));
    }
}
