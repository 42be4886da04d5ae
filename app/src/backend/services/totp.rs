//! Authenticator apps (TOTP, RFC 6238; SPEC 3.1): 6 digits, 30-second steps, one step of
//! tolerance either way, a used step never accepted again. The secret (160 random bits) is
//! sealed with the server's key, bound to the account. Enrolment is behind a TAN every time:
//! the settings page shows a QR code and the secret, and the first right code confirms it.
//! At login, a code from the app passes the challenge (`challenge::use_totp`).

use totp_rs::Secret as TotpSecret;

use crate::{
    backend::{
        audit::{self, AuditEvent},
        factor::totp::{matching_step, secret_of, totp},
        login::access,
        messages::{self, tan::Authorises},
        request::RequestCtx,
        state::AppState,
        store, tan,
        tools::crypto::Purpose,
    },
    domain::{mfa, tan::Action},
    wire::{AppError, InputError, totp::TotpEnrolment},
};

/// Step 1, behind a TAN every time: a new secret, pending until a code confirms it. A
/// confirmed app keeps working until the new one is confirmed.
pub async fn start(state: &AppState, ctx: &RequestCtx, tan: Option<&str>) -> Result<TotpEnrolment, AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let description = messages::tan::describe(ctx.lang, Authorises::AuthenticatorApp);
    let protected = tan::Protected { action: Action::EnrolAuthenticator, canonical: "totp", description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    let mut secret = vec![0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let sealed = state.keys.seal(Purpose::TotpSeal, &user.id.to_be_bytes(), &secret).map_err(AppError::internal)?;
    let totp = totp(secret.clone(), &user.email)?;
    let url = totp.get_url();
    // The pending secret lives in its own row until confirmed; a confirmed one stays usable.
    store::totp::delete_pending(&mut tx, user.id).await?;
    store::totp::insert_pending(&mut tx, user.id, &sealed, ctx.now).await?;
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
    let (_, user) = access::member(&mut tx, state, ctx).await?;
    let pending =
        store::totp::pending_secret(&mut tx, user.id, ctx.now.minus_secs(state.config.policy.code_ttl_secs)).await?;
    let Some(sealed) = pending else {
        return Err(AppError::Input(InputError::TotpNotStarted));
    };
    let totp = totp(secret_of(state, user.id, &sealed)?, &user.email)?;
    let Some(step) = matching_step(&totp, &code, ctx.now, 0) else {
        return Err(AppError::Input(InputError::TotpCodeWrong));
    };
    store::totp::delete_pending(&mut tx, user.id).await?;
    store::totp::upsert_confirmed(&mut tx, user.id, &sealed, ctx.now, step).await?;
    Ok(audit::record_and_commit(tx, ctx, AuditEvent::TotpEnrolled { user_id: user.id }).await?)
}
