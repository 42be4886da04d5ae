//! The recovery-code factor (SPEC 3.1): ten single-use codes that pass the login
//! challenge when the phone is out of reach. Only their keyed hash is stored, bound to the
//! account, and every unused one is compared in constant time. A wrong code counts toward the
//! challenge's 5 tries like a wrong one-time code. Making a set is `services::recovery_codes`.

use crate::{
    backend::{
        db::{LockKey, WriteTx},
        state::AppState,
        store::{self, Conn},
        tools::crypto::Purpose,
    },
    domain::time::Timestamp,
};

/// The keyed hash of a recovery code (normalised), bound to its account.
pub fn code_hash(state: &AppState, user_id: i64, code: &str) -> Vec<u8> {
    state.keys.keyed_hash(Purpose::RecoveryCode, format!("{user_id}:{code}").as_bytes())
}

/// Unused codes of an account.
pub async fn remaining(conn: &mut Conn, user_id: i64) -> Result<i64, sqlx::Error> {
    store::recovery_codes::count_unused(conn, user_id).await
}

/// Marks the account's code matching `code` used, comparing every unused one in constant
/// time; whether one matched. Under the account's lock, so two parallel entries of one code
/// use it once.
pub async fn use_one(
    tx: &mut WriteTx,
    state: &AppState,
    user_id: i64,
    code: &str,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    tx.holds(&LockKey::Account(user_id))?;
    let typed = code_hash(state, user_id, code);
    let unused = store::recovery_codes::unused_of_user(tx, user_id).await?;
    let mut matched = None;
    for (id, hash) in unused {
        if crate::backend::tools::crypto::hashes_equal(&typed, &hash) {
            matched = Some(id);
        }
    }
    let Some(id) = matched else { return Ok(false) };
    store::recovery_codes::mark_used(tx, id, now).await?;
    Ok(true)
}
