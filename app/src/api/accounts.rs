//! Accounts (SPEC 6.1, 6.5): invitations and the team page, and the user's own security
//! activity.

use leptos::prelude::*;

use crate::wire::{
    AppError,
    accounts::{ActivityItem, InvitationInfo, TeamMember},
};

#[server(name = GetInvitation, prefix = "/api", endpoint = "invitation")]
pub async fn invitation(token: String) -> Result<InvitationInfo, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::accounts::invitation(&state, &ctx, &token).await
}

/// The invited colleague sets a password and goes on to MFA setup.
#[server(prefix = "/api", endpoint = "invitation/accept")]
pub async fn accept_invitation(token: String, password: String) -> Result<(), AppError> {
    use crate::backend::{login::sessions::CookieJar, services::accounts, tools::crypto::Secret};
    let (state, ctx) = super::context::request()?;
    let session = accounts::accept_invitation(&state, &ctx, &token, Secret::new(password)).await?;
    super::context::set_cookie(&CookieJar::session(state.config.dev_mode).set(&session))?;
    leptos_axum::redirect("/mfa/setup");
    Ok(())
}

#[server(name = GetTeam, prefix = "/api", endpoint = "team")]
pub async fn team() -> Result<Vec<TeamMember>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::accounts::team(&state, &ctx).await
}

/// An admin invites a colleague (TAN per the admin mode, SPEC 5.3).
#[server(prefix = "/api", endpoint = "team/invite")]
pub async fn invite(full_name: String, email: String, tan: Option<String>) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = tan.filter(|t| !t.trim().is_empty());
    crate::backend::services::accounts::invite(&state, &ctx, &full_name, &email, tan.as_deref()).await
}

/// An admin disables or re-enables a colleague's account (TAN per the admin mode).
#[server(prefix = "/api", endpoint = "team/enabled")]
pub async fn set_account_enabled(user_id: i64, enabled: bool, tan: Option<String>) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = tan.filter(|t| !t.trim().is_empty());
    crate::backend::services::accounts::set_enabled(&state, &ctx, user_id, enabled, tan.as_deref()).await
}

/// The logged-in user's own recent security activity.
#[server(name = GetActivity, prefix = "/api", endpoint = "activity")]
pub async fn activity() -> Result<Vec<ActivityItem>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::accounts::activity(&state, &ctx).await
}
