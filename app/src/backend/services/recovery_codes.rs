//! Recovery codes (issue 8): ten single-use codes that pass the login challenge when the
//! phone is out of reach. A set is shown once: right after MFA setup, and on demand behind a
//! TAN (every time). Only their keyed hash is stored, bound to the account; a new set
//! replaces the old one. Using one is in `challenge::use_recovery_code`.

use sqlx::AnyConnection;

use super::RequestCtx;
use crate::{
    backend::{
        AppState, access,
        audit::{self, AuditEvent},
        crypto::{Secret, random_recovery_code},
        db::Flag,
        factor::recovery_code::code_hash,
        messages::{self, tan::Authorises},
        tan,
    },
    domain::{
        mfa::{RECOVERY_CODES, display_recovery_code},
        tan::Action,
    },
    wire::AppError,
};

/// Replaces the account's codes with a new set and returns it, as shown (`ABCDE-FGHJK`).
async fn issue(
    conn: &mut AnyConnection,
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
) -> Result<Vec<String>, AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    let mut shown = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code: Secret<String> = random_recovery_code();
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(code_hash(state, user_id, code.expose()))
            .bind(ctx.now.0)
            .execute(&mut *conn)
            .await?;
        shown.push(display_recovery_code(code.expose()));
    }
    sqlx::query("UPDATE users SET recovery_codes_due = 0 WHERE id = $1").bind(user_id).execute(&mut *conn).await?;
    audit::record(conn, ctx.now, Some(ctx.ip), AuditEvent::RecoveryCodesCreated { user_id }).await?;
    Ok(shown)
}

/// Right after MFA setup: the new set, once. `None` once it was shown.
pub async fn due(state: &AppState, ctx: &RequestCtx) -> Result<Option<Vec<String>>, AppError> {
    let mut tx = state.writer.begin().await?;
    let (_, user) = access::member(&mut tx, state, ctx).await?;
    let due: bool = sqlx::query_scalar::<_, Flag>("SELECT recovery_codes_due FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?
        .0;
    if !due {
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
