//! Authenticator apps (TOTP, RFC 6238; issue 8): 6 digits, 30-second steps, one step of
//! tolerance either way, a used step never accepted again. The secret (160 random bits) is
//! sealed with the server's key, bound to the account. Enrolment is behind a TAN every time:
//! the settings page shows a QR code and the secret, and the first right code confirms it.
//! At login, a code from the app passes the challenge (`challenge::use_totp`).

use sqlx::SqliteConnection;
use totp_rs::{Algorithm, Secret as TotpSecret, TOTP};

use super::{RequestCtx, portal::describe, tan as tans};
use crate::{
    backend::{
        AppState,
        audit::{self, AuditEvent},
        crypto::Purpose,
    },
    domain::{mfa, tan::Action, time::Timestamp},
    wire::{AppError, InputError, mfa::TotpEnrolment},
};

const STEP_SECS: i64 = 30;
const ISSUER: &str = "Riegel Lieferantenportal";

fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, AppError> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS as u64, secret, Some(ISSUER.into()), account.into())
        .map_err(AppError::internal)
}

/// The step a code was made for, among the current one and one either side, if it matches
/// and is newer than `last_step`. Every candidate is compared, each in constant time.
fn matching_step(totp: &TOTP, code: &str, now: Timestamp, last_step: i64) -> Option<i64> {
    let current = now.0.div_euclid(STEP_SECS);
    let mut matched = None;
    for step in [current - 1, current, current + 1] {
        let Ok(at) = u64::try_from(step * STEP_SECS) else { continue };
        let expected = totp.generate(at);
        if crate::backend::crypto::hashes_equal(expected.as_bytes(), code.as_bytes()) && step > last_step {
            matched = Some(step);
        }
    }
    matched
}

#[derive(sqlx::FromRow)]
struct Row {
    secret_enc: Vec<u8>,
    confirmed_at: Option<i64>,
    last_step: i64,
}

async fn row(conn: &mut SqliteConnection, user_id: i64) -> Result<Option<Row>, sqlx::Error> {
    sqlx::query_as("SELECT secret_enc, confirmed_at, last_step FROM totp WHERE user_id = ?")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

fn secret_of(state: &AppState, user_id: i64, sealed: &[u8]) -> Result<Vec<u8>, AppError> {
    state.keys.open(Purpose::TotpSeal, &user_id.to_be_bytes(), sealed).map_err(AppError::internal)
}

/// Whether the account has a confirmed authenticator app.
pub(crate) async fn enrolled(conn: &mut SqliteConnection, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(row(conn, user_id).await?.is_some_and(|r| r.confirmed_at.is_some()))
}

/// Step 1, behind a TAN every time: a new secret, pending until a code confirms it. A
/// confirmed app keeps working until the new one is confirmed.
pub async fn start(state: &AppState, ctx: &RequestCtx, tan: Option<&str>) -> Result<TotpEnrolment, AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, user) = tans::logged_in(&mut tx, state, ctx).await?;
    let description = describe(ctx.lang, "Authenticator-App einrichten".into(), "set up an authenticator app".into());
    let protected = tans::Protected { action: Action::EnrolAuthenticator, canonical: "totp", description };
    if let Err(refusal) = tans::authorise(&mut tx, state, ctx, &session, &user, protected, tan).await? {
        return tans::commit_refusal(state, tx, refusal).await.map(|()| TotpEnrolment::default());
    }
    let mut secret = vec![0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let sealed = state.keys.seal(Purpose::TotpSeal, &user.id.to_be_bytes(), &secret).map_err(AppError::internal)?;
    let totp = totp(secret.clone(), &user.email)?;
    let url = totp.get_url();
    // The pending secret lives in its own row until confirmed; a confirmed one stays usable.
    sqlx::query("DELETE FROM totp_pending WHERE user_id = ?").bind(user.id).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO totp_pending (user_id, secret_enc, created_at) VALUES (?, ?, ?)")
        .bind(user.id)
        .bind(&sealed)
        .bind(ctx.now.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(AppError::internal)?;
    let svg = qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    Ok(TotpEnrolment { secret: TotpSecret::Raw(secret).to_encoded().to_string(), url, qr_svg: svg })
}

/// Step 2: the first code from the app confirms the pending secret, which replaces any
/// earlier app. Pending secrets older than ten minutes are void.
pub async fn confirm(state: &AppState, ctx: &RequestCtx, raw_code: &str) -> Result<(), AppError> {
    let code = mfa::normalise_code(raw_code).map_err(|_| AppError::Input(InputError::CodeMalformed))?;
    let mut tx = state.writer.begin().await?;
    let (_, user) = tans::logged_in(&mut tx, state, ctx).await?;
    let pending: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT secret_enc FROM totp_pending WHERE user_id = ? AND created_at > ?")
            .bind(user.id)
            .bind(ctx.now.minus_secs(state.config.policy.code_ttl_secs).0)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(sealed) = pending else {
        return Err(AppError::Input(InputError::TotpNotStarted));
    };
    let totp = totp(secret_of(state, user.id, &sealed)?, &user.email)?;
    let Some(step) = matching_step(&totp, &code, ctx.now, 0) else {
        return Err(AppError::Input(InputError::TotpCodeWrong));
    };
    sqlx::query("DELETE FROM totp_pending WHERE user_id = ?").bind(user.id).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO totp (user_id, secret_enc, created_at, confirmed_at, last_step) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET secret_enc = excluded.secret_enc, created_at = excluded.created_at,
             confirmed_at = excluded.confirmed_at, last_step = excluded.last_step",
    )
    .bind(user.id)
    .bind(&sealed)
    .bind(ctx.now.0)
    .bind(ctx.now.0)
    .bind(step)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::TotpEnrolled { user_id: user.id }).await?;
    tx.commit().await?;
    Ok(())
}

/// At login: whether `code` is the account's current TOTP code, newer than the last one
/// used; a match is recorded so it is never accepted again.
pub(crate) async fn check_and_use(
    conn: &mut SqliteConnection,
    state: &AppState,
    user_id: i64,
    email: &str,
    code: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    let Some(r) = row(conn, user_id).await?.filter(|r| r.confirmed_at.is_some()) else {
        return Err(AppError::Input(InputError::MethodUnavailable));
    };
    let totp = totp(secret_of(state, user_id, &r.secret_enc)?, email)?;
    let Some(step) = matching_step(&totp, code, now, r.last_step) else {
        return Ok(false);
    };
    sqlx::query("UPDATE totp SET last_step = ? WHERE user_id = ?").bind(step).bind(user_id).execute(conn).await?;
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
