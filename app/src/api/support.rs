//! The support console (SPEC 6.4): find an account, see its security state, act with a
//! reason. Only accounts with the role `support` reach any of these.

use leptos::prelude::*;

use crate::wire::{
    AppError,
    support::{AccountDetail, AccountHit},
};

/// Back to the account, saying the action is done (with or without JavaScript).
#[cfg(feature = "ssr")]
fn done(user_id: i64) -> Result<(), AppError> {
    leptos_axum::redirect(&format!("/support?id={user_id}&done=1"));
    Ok(())
}

#[server(name = SearchAccounts, prefix = "/api", endpoint = "support/search")]
pub async fn search_accounts(q: String) -> Result<Vec<AccountHit>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::support::search(&state, &ctx, &q).await
}

#[server(name = GetAccount, prefix = "/api", endpoint = "support/account")]
pub async fn account(id: i64) -> Result<AccountDetail, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::support::account(&state, &ctx, id).await
}

#[server(prefix = "/api", endpoint = "support/phone-reset")]
pub async fn send_phone_reset(user_id: i64, reason: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::support::send_phone_reset(&state, &ctx, user_id, &reason).await?;
    done(user_id)
}

#[server(prefix = "/api", endpoint = "support/lift-lock")]
pub async fn lift_lock(user_id: i64, reason: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::support::lift_lock(&state, &ctx, user_id, &reason).await?;
    done(user_id)
}

#[server(prefix = "/api", endpoint = "support/unlock-tan")]
pub async fn unlock_tan(user_id: i64, reason: String) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::support::unlock_tan(&state, &ctx, user_id, &reason).await?;
    done(user_id)
}
