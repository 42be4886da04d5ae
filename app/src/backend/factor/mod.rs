//! The factors of the login challenge (SPEC 3.1), one module each, and the one place that
//! knows which ones an account has and opens a challenge on the last one that passed.
//!
//! | factor | module | what passes it |
//! |---|---|---|
//! | code by SMS, code by e-mail | `code` | a 6-digit code sent on the channel |
//! | authenticator app (TOTP) | `totp` | the app's current code, never a used step again |
//! | push with number matching | `push` | the right number picked on the paired device |
//! | passkey (WebAuthn) | `passkey` | a signature by one of the account's passkeys, user verified |
//! | recovery code | `recovery_code` | one unused code of the account's ten |
//!
//! The challenge itself (its state, 5 tries) is `step`; the bound on wrong entries across
//! every challenge of an account (20 a day, SPEC 4.6) is `wrong_entries`; the end of a passed
//! login is `login::completion`. The use cases that drive them are in `services::challenge`.

pub mod code;
pub mod passkey;
pub mod push;
pub mod recovery_code;
pub mod step;
pub mod totp;
pub mod wrong_entries;

use self::{
    code::{CodeSend, Sent},
    push::PushSent,
    step::Account,
};
use super::{db::WriteTx, limits::account_lock, limits::sms_cap, request::RequestCtx, state::AppState, store};
use crate::{
    domain::{
        login::LoginState,
        mfa::{Factor, Method},
    },
    wire::AppError,
};

/// The code channels an account can use at login. After a forgotten-password link the
/// e-mail already proved the address, so the phone is the second factor when there is one.
pub fn channels_of(account: &Account, stage: LoginState) -> Vec<Method> {
    let has_phone = account.phone_e164.is_some();
    Method::ALL
        .into_iter()
        .filter(|m| match m {
            Method::Sms => has_phone,
            Method::Email => !(has_phone && stage == LoginState::ResetChallenge),
        })
        .collect()
}

/// The channel a login challenge sends its first code on when it opens on a code: the last
/// factor's channel while the account still has it, else the first it has.
pub fn code_channel(account: &Account, stage: LoginState) -> Method {
    let channels = channels_of(account, stage);
    match account.last_factor.0 {
        Some(Factor::Code(m)) if channels.contains(&m) => m,
        _ => channels.first().copied().unwrap_or(Method::Email),
    }
}

/// What a login challenge opens on.
#[derive(Clone, Copy)]
enum Opening {
    /// A code sent on the challenge's channel.
    Code,
    /// The authenticator app's code; nothing is sent.
    App,
    /// A push to the paired device; no code is sent.
    Push,
    /// The account's passkeys; nothing is sent.
    Passkey,
}

/// The password step's challenge (SPEC 1.5): opens on the account's last factor and sends
/// the first code (or push). Runs inside the password step's transaction, before the session
/// exists: `Err(AccountLocked)` means the quota locked the account and no session may be
/// created. `read`: the facts of a first code on a channel, when the use case read them with
/// the account (under the account's and the network's locks).
pub async fn open_login_challenge(
    tx: &mut WriteTx,
    state: &AppState,
    ctx: &RequestCtx,
    account: Account,
    session_hash: &[u8],
    stage: LoginState,
    read: Option<(Method, code::SendFacts)>,
) -> Result<(), AppError> {
    let user_id = account.id;
    let channels = channels_of(&account, stage);
    let first_channel = channels.first().copied().unwrap_or(Method::Email);
    // The challenge opens on the factor that passed last time, when it still can: a code on
    // the same channel; the authenticator app, which waits for its code and sends nothing
    // ("Authenticate via SMS/e-mail" sends one); or a push to the paired device instead of a
    // code. The app and push only at login, not after a forgotten-password link.
    let at_login = stage == LoginState::ChallengeRequired;
    let (mut channel, opens_on) = match account.last_factor.0 {
        Some(Factor::Code(m)) if channels.contains(&m) => (m, Opening::Code),
        Some(Factor::Code(_)) | None => (first_channel, Opening::Code),
        Some(Factor::Totp) => match at_login && totp::enrolled(tx, user_id).await? {
            true => (first_channel, Opening::App),
            false => (first_channel, Opening::Code),
        },
        Some(Factor::Push) => match at_login && push::paired(tx, user_id).await? {
            true => (first_channel, Opening::Push),
            false => (first_channel, Opening::Code),
        },
        Some(Factor::Passkey) => match at_login && passkey::enrolled(tx, user_id).await? {
            true => (first_channel, Opening::Passkey),
            false => (first_channel, Opening::Code),
        },
    };
    let login = crate::domain::mfa::Purpose::Login;
    let facts = match opens_on {
        Opening::Code => {
            let facts = match read {
                Some((m, facts)) if m == channel => facts,
                _ => code::facts(tx, state, ctx, user_id, login, channel).await?,
            };
            match facts.network.filter(|used| sms_cap::free_at(state, ctx, *used).is_some()) {
                None => Some(facts),
                // This network's SMS are used up: the code goes by e-mail, so the user still
                // gets in. Where e-mail is no method (a forgotten password), the login is
                // refused.
                Some(used) => match channels.contains(&Method::Email) {
                    true => {
                        channel = Method::Email;
                        Some(code::facts(tx, state, ctx, user_id, login, channel).await?)
                    }
                    false => {
                        let refusal = sms_cap::refusal_of(tx, state, ctx, used).await?;
                        return Err(refusal.unwrap_or(AppError::Unreachable));
                    }
                },
            }
        }
        Opening::App | Opening::Push | Opening::Passkey => None,
    };
    let challenge_id =
        tx.send_kept_with(store::challenges::open_login(session_hash, user_id, channel, ctx.now)).await?;
    let facts = match (opens_on, facts) {
        (Opening::Code, Some(facts)) => facts,
        (Opening::App | Opening::Passkey, _) => return Ok(()),
        (Opening::Push, _) => {
            return match push::create_request(tx, state, ctx, user_id, session_hash).await? {
                PushSent::Sent | PushSent::Waiting => Ok(()),
                PushSent::Refused(refusal) => Err(refusal),
            };
        }
        (Opening::Code, None) => return Err(AppError::internal("a code's facts were not read")),
    };
    let to = match channel {
        Method::Sms => account.phone_e164.clone().unwrap_or_default(),
        Method::Email => account.email.clone(),
    };
    let send = CodeSend { user_id, challenge_id, purpose: login, channel, to: &to };
    match code::send(tx, state, ctx, send, &facts).await? {
        Sent::Yes => Ok(()),
        Sent::QuotaExceeded { .. } => Err(account_lock::lock(tx, state, ctx, user_id).await?),
    }
}
