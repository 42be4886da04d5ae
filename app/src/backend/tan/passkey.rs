//! TANs confirmed with a passkey (SPEC 14.3, 5.8).
//!
//! Rules:
//! - The ceremony is an issued TAN: its row in `tans` keeps the options shown to the browser
//!   and the state the answer is checked against, next to the digest of the action and its
//!   data. `webauthn-rs` makes its own challenge, so the binding to the data is the server's:
//!   an answer is checked only for the ceremony issued for exactly those data; other data
//!   void it, and the next request issues a new ceremony.
//! - Any of the account's passkeys may answer, with user verification (the rules of
//!   [`factor::passkey`]: RP ID and origin, the counter, the keys as they are now, read under
//!   the account's lock). A passkey removed meanwhile is no key of the account.
//! - An answer that fails is a wrong TAN (three in a row lock, SPEC 5.5). A garbled answer is
//!   no answer and counts nothing; a ceremony the user cancels sends nothing at all.
//! - A passed ceremony is used: the same answer again finds no issued TAN.

use serde::{Deserialize, Serialize};

use crate::{
    backend::{
        db::WriteTx,
        factor::passkey::{self as factor_passkey, Assertion},
        request::RequestCtx,
        state::AppState,
        store::{self, tans::IssuedTanRow},
    },
    wire::AppError,
};

#[cfg(doc)]
use crate::backend::factor;

/// A passkey TAN's ceremony as kept in its row.
#[derive(Serialize, Deserialize)]
struct Kept {
    /// The options for the browser (WebAuthn's JSON), shown again within the resend countdown.
    options: String,
    /// The library's state for checking the answer.
    state: String,
}

/// A new ceremony for the account's passkeys, as kept in the TAN's row.
pub(super) async fn begin(tx: &mut WriteTx, state: &AppState, user_id: i64) -> Result<String, AppError> {
    let rp = factor_passkey::relying_party(state)?;
    let keys = store::passkeys::of_user(tx, user_id).await?;
    let (options, kept) = factor_passkey::start_assertion(&rp, &keys)?;
    let options = serde_json::to_string(&options).map_err(AppError::internal)?;
    serde_json::to_string(&Kept { options, state: kept }).map_err(AppError::internal)
}

/// The browser's options of a kept ceremony.
pub(super) fn options_of(kept: &str) -> Result<String, AppError> {
    serde_json::from_str::<Kept>(kept).map(|k| k.options).map_err(AppError::internal)
}

/// Whether `answer` is a passkey's valid answer to the ceremony of `issued`. A passed key's
/// counter and last use are kept (written with the transaction).
pub(super) async fn check(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    issued: &IssuedTanRow,
    answer: &str,
) -> Result<bool, AppError> {
    let kept: Kept =
        serde_json::from_str(issued.ceremony.as_deref().unwrap_or_default()).map_err(AppError::internal)?;
    let rp = factor_passkey::relying_party(state)?;
    let keys = store::passkeys::of_user(tx, user_id).await?;
    match factor_passkey::finish_assertion(&rp, &kept.state, answer, &keys)? {
        Assertion::Passed(asserted) => {
            store::passkeys::set_used(tx, asserted.as_use(), ctx.now).await?;
            Ok(true)
        }
        Assertion::Failed => Ok(false),
    }
}
