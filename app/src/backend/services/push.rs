//! Push approval with number matching (SPEC 3.5).
//!
//! A device is paired from the settings (behind a TAN every time): a one-use link, valid ten
//! minutes, opens `/device`, which makes an ECDSA P-256 key pair with WebCrypto (the private
//! key cannot be exported) and sends only the public key. The device gets its own cookie, which
//! opens its event stream. At login, a push creates a request with a two-digit number for the
//! login screen and three choices for the device; the device's answer is signed over the
//! request, its nonce and the pick. Only the right number approves; a wrong one or "Deny"
//! denies, and both are audited. Requests expire after two minutes, and pushes count against
//! their own quota (SPEC 4.1: 20 per rolling 24 h, the one past it locks the account).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::{
    ecdsa::{Signature, VerifyingKey, signature::Verifier},
    pkcs8::DecodePublicKey,
};

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::{self, LockKey},
        delivery::outbox,
        factor::{
            push::{self as factor_push, PushSent, notify},
            step,
            wrong_entries::{self, Admission},
        },
        limits::quota_window::{self, Sends},
        login::access,
        messages,
        messages::tan::Authorises,
        request::RequestCtx,
        state::AppState,
        store, tan,
        tools::crypto::{Purpose, Secret, hashes_equal, random_token},
    },
    domain::{
        mask,
        push::{self, Answer, Outcome, PushState, PushView},
        tan::Action,
        time::Timestamp,
    },
    wire::{
        AppError,
        push::{PairedDevice, PushPairing},
    },
};

/// How long a pairing link works.
const PAIRING_TTL_SECS: i64 = 10 * 60;
/// The longest device name kept.
const NAME_MAX_CHARS: usize = 60;

/// Step 1 in the settings, behind a TAN every time: a pairing link and its QR code.
pub async fn start_pairing(state: &AppState, ctx: &RequestCtx, tan: Option<&str>) -> Result<PushPairing, AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, user) = access::member(&mut tx, state, ctx).await?;
    let description = messages::tan::describe(ctx.lang, Authorises::PushPairing);
    let protected = tan::Protected { action: Action::EnrolAuthenticator, canonical: "push-device", description };
    let mut tx = tan::require(tx, state, ctx, &session, &user, protected, tan).await?;
    let token = random_token();
    store::push::delete_pairings_of_user(&mut tx, user.id).await?;
    let token_hash = state.keys.keyed_hash(Purpose::PushPairing, token.expose().as_bytes());
    store::push::insert_pairing(&mut tx, user.id, &token_hash, ctx.now).await?;
    tx.commit().await?;
    let link = format!("{}/device?pair={}", state.config.link_origin, token.expose());
    let qr = qrcode::QrCode::new(link.as_bytes()).map_err(AppError::internal)?;
    let qr_svg = qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    Ok(PushPairing { link, qr_svg })
}

/// Step 2 on the device: the pairing link's token and the device's public key (SPKI, base64url).
/// The device replaces any earlier one of the account. Returns the device's cookie token.
///
/// A browser that is a paired device already (`device`, its cookie) is paired anew only with
/// `replace`, the confirmation its device page showed (see [`device_page`]): a link alone,
/// which any user can make for their own account and send, never replaces a pairing silently.
/// The pairing it replaces ends (the earlier account's device is removed).
pub async fn pair_device(
    state: &AppState,
    ctx: &RequestCtx,
    pairing: &str,
    public_key: &str,
    name: &str,
    device: Option<&Secret<String>>,
    replace: Option<&str>,
) -> Result<Secret<String>, AppError> {
    let der = URL_SAFE_NO_PAD.decode(public_key.trim()).map_err(|_| AppError::BadRequest)?;
    VerifyingKey::from_public_key_der(&der).map_err(|_| AppError::BadRequest)?;
    let name: String = name.trim().chars().filter(|c| !c.is_control()).take(NAME_MAX_CHARS).collect();
    let name = if name.is_empty() { "–".to_owned() } else { name };
    let mut tx = state.writer.begin().await?;
    let replaced = match device {
        Some(token) => {
            store::push::device_by_token(&mut tx, &factor_push::device_hash(state, token)).await?.map(|(id, _)| id)
        }
        None => None,
    };
    if let (Some(_), Some(token)) = (replaced, device) {
        let expected = replace_confirmation(state, token, pairing);
        if !replace.is_some_and(|r| hashes_equal(r.as_bytes(), expected.as_bytes())) {
            return Err(AppError::PairingUnconfirmed);
        }
    }
    let pairing_hash = state.keys.keyed_hash(Purpose::PushPairing, pairing.as_bytes());
    let user_id = store::push::take_pairing(&mut tx, &pairing_hash, ctx.now.minus_secs(PAIRING_TTL_SECS)).await?;
    let user_id = user_id.ok_or(AppError::LinkInvalid)?;
    // The device and the waiting requests are the account's (and those of the account whose
    // device this browser held before): under their locks, like a device's answer.
    let ended = replaced.filter(|old| *old != user_id);
    tx.lock([user_id].into_iter().chain(ended).map(LockKey::Account)).await?;
    let token = random_token();
    store::push::upsert_device(&mut tx, user_id, &factor_push::device_hash(state, &token), &der, &name, ctx.now)
        .await?;
    // Requests waiting for the old device expire: only the new one answers from now on.
    store::push::expire_pending_of_user(&mut tx, user_id, ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PushDevicePaired { user_id }).await?;
    // The pairing this browser held for another account ends with its cookie.
    if let Some(old) = ended {
        store::push::delete_device(&mut tx, old).await?;
        store::push::expire_pending_of_user(&mut tx, old, ctx.now).await?;
        audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PushDeviceRemoved { user_id: old }).await?;
    }
    // The owner hears of it by e-mail, in the language of the browser that paired.
    let address = store::users::email_of(&mut tx, user_id).await?;
    outbox::email_to(&mut tx, &address, messages::push_device_paired_notice(ctx.lang, &name), ctx.now).await?;
    state.commit(tx).await?;
    notify(state, user_id);
    if let Some(old) = ended {
        notify(state, old);
    }
    Ok(token)
}

/// What a pairing link would replace on a browser that is a paired device already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    /// The account the device answers for now (masked), the device's name, when it was paired.
    pub current_account: String,
    pub current_device: String,
    pub paired_at_text: String,
    /// The account the link pairs the device with (masked); `None` for a link that does not
    /// work (unknown, used or expired).
    pub new_account: Option<String>,
    /// The value that confirms the replacement (the `replace` of [`pair_device`]).
    pub confirmation: String,
}

/// Whether the device page must ask before it pairs: `Some` when the page was opened with a
/// pairing link (`pairing`) in a browser whose cookie (`device`) belongs to a paired device,
/// and not yet with the confirmation the question shows (`replace`).
pub async fn device_page(
    state: &AppState,
    device: Option<&Secret<String>>,
    pairing: Option<&str>,
    replace: Option<&str>,
    now: Timestamp,
    lang: crate::domain::lang::Lang,
) -> Result<Option<Replacement>, AppError> {
    let (Some(device), Some(pairing)) = (device, pairing) else {
        return Ok(None);
    };
    let mut conn = state.pool.acquire().await?;
    let Some((user_id, name, paired_at)) =
        store::push::device_facts_by_token(&mut conn, &factor_push::device_hash(state, device)).await?
    else {
        return Ok(None);
    };
    let confirmation = replace_confirmation(state, device, pairing);
    if replace.is_some_and(|r| hashes_equal(r.as_bytes(), confirmation.as_bytes())) {
        return Ok(None);
    }
    let pairing_hash = state.keys.keyed_hash(Purpose::PushPairing, pairing.as_bytes());
    let new_user = store::push::pairing_user(&mut conn, &pairing_hash, now.minus_secs(PAIRING_TTL_SECS)).await?;
    let new_account = match new_user {
        Some(id) => Some(mask::email(&store::users::email_of(&mut conn, id).await?)),
        None => None,
    };
    Ok(Some(Replacement {
        current_account: mask::email(&store::users::email_of(&mut conn, user_id).await?),
        current_device: name,
        paired_at_text: crate::backend::tools::timefmt::minute(Timestamp(paired_at), lang),
        new_account,
        confirmation,
    }))
}

/// The confirmation that the pairing link `pairing` may replace the pairing of the device
/// holding `device`: only a page served to that browser can show it, so no link can carry it.
fn replace_confirmation(state: &AppState, device: &Secret<String>, pairing: &str) -> String {
    let mac = state.keys.keyed_hash(Purpose::PushReplace, format!("{}\n{pairing}", device.expose()).as_bytes());
    URL_SAFE_NO_PAD.encode(mac)
}

/// "Gerät entfernen" in the settings (a lost device): the device can no longer answer, and its
/// open requests are void. Removing a factor needs no TAN: it cannot let anyone in.
pub async fn remove_device(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let (_, user) = access::member(&mut tx, state, ctx).await?;
    if store::push::delete_device(&mut tx, user.id).await? == 0 {
        return Ok(());
    }
    store::push::expire_pending_of_user(&mut tx, user.id, ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PushDeviceRemoved { user_id: user.id }).await?;
    tx.commit().await?;
    notify(state, user.id);
    Ok(())
}

/// The settings' view of the paired device.
pub async fn paired_device(state: &AppState, ctx: &RequestCtx) -> Result<Option<PairedDevice>, AppError> {
    let (mut conn, _, user) = access::member_reading(state, ctx).await?;
    Ok(store::push::device_of_user(&mut conn, user.id).await?.map(|(name, paired_at)| PairedDevice {
        name,
        paired_at,
        paired_at_text: crate::backend::tools::timefmt::minute(Timestamp(paired_at), ctx.lang),
    }))
}

/// A request as the device shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeviceRequest {
    pub id: i64,
    pub nonce: String,
    /// When it was sent and when it expires (Unix seconds).
    pub at: i64,
    pub expires_at: i64,
    /// The address the login came from.
    pub ip: String,
    pub choices: Vec<u8>,
}

/// The requests the device holding `token` can answer now, and its account.
pub async fn device_requests(
    state: &AppState,
    token: &Secret<String>,
    now: Timestamp,
) -> Result<(i64, Vec<DeviceRequest>), AppError> {
    let mut conn = state.pool.acquire().await?;
    let (user_id, _) = factor_push::device(&mut conn, state, token).await?;
    let rows = store::push::pending_of_user(&mut conn, user_id, now).await?;
    let requests = rows
        .into_iter()
        .map(|r| DeviceRequest {
            id: r.id,
            nonce: r.nonce,
            at: r.created_at,
            expires_at: r.expires_at,
            ip: r.ip,
            choices: r.choices.split(',').filter_map(|n| n.parse().ok()).collect(),
        })
        .collect();
    Ok((user_id, requests))
}

/// "Authentifizierung über Push-Bestätigung" at the login challenge.
pub async fn send(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let (mut tx, step, _, _) = step::login_challenge(state, ctx).await?;
    let user_id = step.account.id;
    if !factor_push::paired(&mut tx, user_id).await? {
        return Err(AppError::Input(crate::wire::InputError::MethodUnavailable));
    }
    let sent = factor_push::create_request(&mut tx, state, ctx, user_id, &step.session.id_hash).await?;
    state.commit(tx).await?;
    notify(state, user_id);
    match sent {
        PushSent::Sent | PushSent::Waiting => Ok(()),
        PushSent::Refused(refusal) => Err(refusal),
    }
}

/// The push of the login in progress in the browser holding `session_token`, and its
/// account, for the login screen's event stream. Only a session at the login challenge has
/// one; the lookup only reads (a waiting screen does not keep its session alive).
pub async fn session_view(
    state: &AppState,
    session_token: &Secret<String>,
    now: Timestamp,
) -> Result<(i64, Option<PushView>), AppError> {
    let mut conn = state.pool.acquire().await?;
    let session =
        crate::backend::login::sessions::find(&mut conn, &state.keys, session_token, now, &state.config.policy)
            .await?
            .filter(|s| s.stage == crate::domain::login::LoginState::ChallengeRequired)
            .ok_or(AppError::NotAuthenticated)?;
    let view = factor_push::view_of_session(&mut conn, &session.id_hash, now).await?;
    Ok((session.user_id, view))
}

/// The login screen goes on once the device approved (with JavaScript by itself, without by
/// its refresh button): an approved push passes the challenge, once. Returns the new session.
pub async fn finish(state: &AppState, ctx: &RequestCtx) -> Result<Secret<String>, AppError> {
    let (mut tx, step, _, current) = step::login_entry(state, ctx).await?;
    let user_id = step.account.id;
    let row = store::push::newest_of_session(&mut tx, &step.session.id_hash).await?;
    let Some(store::push::SessionRequestRow { id: request_id, state: stored, expires_at, .. }) = row else {
        return Err(AppError::Input(crate::wire::InputError::MethodUnavailable));
    };
    match PushState::of(&stored, expires_at, ctx.now.0) {
        PushState::Pending => return Err(AppError::PushPending),
        PushState::Denied => return Err(AppError::PushDenied),
        PushState::Expired => return Err(AppError::PushExpired),
        PushState::Approved if stored == "used" => return Err(AppError::PushExpired),
        PushState::Approved => {}
    }
    store::push::mark_used(&mut tx, request_id).await?;
    let token = step::pass_login_challenge(
        &mut tx,
        state,
        ctx,
        &step,
        current,
        crate::domain::oidc::Proof::Factor(crate::domain::mfa::Factor::Push),
    )
    .await?;
    store::users::set_last_mfa_method_push(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(token)
}

/// The device's answer: `answer` is a picked number or `deny`, `signature` the device key's
/// ECDSA P-256 / SHA-256 signature (IEEE P1363, as WebCrypto makes it, base64url) over
/// [`push::signed_message`]. A signature the key did not make is refused and audited, and the
/// request stays open. Returns what the request is now.
pub async fn answer(
    state: &AppState,
    ctx: &RequestCtx,
    device_token: &Secret<String>,
    request_id: i64,
    answer: &str,
    signature: &str,
) -> Result<PushState, AppError> {
    let answer = Answer::parse(answer).ok_or(AppError::BadRequest)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature.trim())
        .ok()
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or(AppError::BadRequest)?;
    let mut tx: db::WriteTx = state.writer.begin().await?;
    let (user_id, public_key) = factor_push::device(&mut tx, state, device_token).await?;
    // The device names its account; the request, its state and the wrong entries a denial
    // counts are read under the account's lock.
    tx.lock([LockKey::Account(user_id)]).await?;
    let row = store::push::request_of_user(&mut tx, request_id, user_id).await?;
    let Some(store::push::AnsweredRequestRow { nonce, number, state: stored, expires_at, session_hash }) = row else {
        return Err(AppError::PushExpired);
    };
    let key = VerifyingKey::from_public_key_der(&public_key).map_err(AppError::internal)?;
    let message = push::signed_message(request_id, &nonce, answer);
    if key.verify(message.as_bytes(), &signature).is_err() {
        audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::PushSignatureRefused { user_id, request_id }).await?;
        tx.commit().await?;
        return Err(AppError::Forbidden);
    }
    if PushState::of(&stored, expires_at, ctx.now.0) != PushState::Pending {
        return Err(AppError::PushExpired);
    }
    // The device's pick is an entry at the login challenge: past the account's wrong entries
    // (SPEC 4.6) it is refused unchecked and the account locks.
    let used = quota_window::usage(&mut tx, &state.config.policy, user_id, Sends::WrongEntries, ctx.now).await?;
    if let Admission::Locked(refusal) = wrong_entries::admit(&mut tx, state, ctx, user_id, used).await? {
        return state.refuse(tx, refusal).await;
    }
    let outcome = push::decide(u8::try_from(number).unwrap_or(0), answer);
    let (new_state, event) = match outcome {
        Outcome::Approved => (PushState::Approved, AuditEvent::PushApproved { user_id, request_id }),
        Outcome::Denied { wrong_number } => {
            (PushState::Denied, AuditEvent::PushDenied { user_id, request_id, wrong_number })
        }
    };
    if new_state == PushState::Denied {
        factor_push::count_denied(&mut tx, state, ctx, user_id, &session_hash).await?;
    }
    store::push::set_answer(&mut tx, request_id, outcome, ctx.now).await?;
    store::push::set_device_last_seen(&mut tx, user_id, ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    tx.commit().await?;
    notify(state, user_id);
    Ok(new_state)
}
