//! Recovery codes: ten single-use codes that pass the login challenge when the
//! phone is out of reach. A set is shown once: right after MFA setup, to the session the setup
//! logged in (the next login of the account takes that offer back), and on demand behind a TAN
//! (every time). Only their keyed hash is stored, bound to the account; a new set
//! replaces the old one. Using one is in `challenge::use_recovery_code`.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::WriteTx,
        factor::recovery_code::code_hash,
        login::access,
        messages::{self, tan::Authorises},
        request::RequestCtx,
        state::AppState,
        store, tan,
        tools::crypto::{Secret, random_recovery_code},
    },
    domain::{
        mfa::{RECOVERY_CODES, display_recovery_code},
        tan::Action,
    },
    wire::AppError,
};

/// Replaces the account's codes with a new set and returns it, as shown (`ABCDE-FGHJK`).
async fn issue(conn: &mut WriteTx, state: &AppState, ctx: &RequestCtx, user_id: i64) -> Result<Vec<String>, AppError> {
    store::recovery_codes::delete_of_user(conn, user_id).await?;
    let mut shown = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code: Secret<String> = random_recovery_code();
        store::recovery_codes::insert(conn, user_id, &code_hash(state, user_id, code.expose()), ctx.now).await?;
        shown.push(display_recovery_code(code.expose()));
    }
    store::users::clear_recovery_codes_due(conn, user_id).await?;
    audit::record(conn, ctx.now, Some(ctx.ip), AuditEvent::RecoveryCodesCreated { user_id }).await?;
    Ok(shown)
}

/// Right after MFA setup: the new set, once. `None` once it was shown.
pub async fn due(state: &AppState, ctx: &RequestCtx) -> Result<Option<Vec<String>>, AppError> {
    let mut tx = state.writer.begin().await?;
    let (_, user) = access::member(&mut tx, state, ctx).await?;
    if !store::users::recovery_codes_due(&mut tx, user.id).await? {
        return Ok(None);
    }
    let shown = issue(&mut tx, state, ctx, user.id).await?;
    tx.commit().await?;
    Ok(Some(shown))
}

/// A new set on demand, behind a TAN every time.
pub async fn renew(state: &AppState, ctx: &RequestCtx, tan: Option<&str>) -> Result<Vec<String>, AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let description = messages::tan::describe(ctx.lang, Authorises::RecoveryCodes);
    let protected = tan::Protected { action: Action::NewRecoveryCodes, canonical: "recovery_codes", description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    let shown = issue(&mut tx, state, ctx, user.id).await?;
    tx.commit().await?;
    Ok(shown)
}
