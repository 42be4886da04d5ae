//! The settings page (SPEC 5): the TAN system's state and rules, ending the TAN session, and
//! the changes of password and e-mail address. Like the portal's, a protected change takes an
//! optional `tan`: without it, the TAN system sends one; with it, the change runs.

use leptos::prelude::*;

use crate::wire::{AppError, settings::TanStatus};

#[server(name = GetTanStatus, prefix = "/api", endpoint = "tan/status")]
pub async fn tan_status() -> Result<TanStatus, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::settings::tan_status(&state, &ctx).await
}

#[server(prefix = "/api", endpoint = "tan/settings")]
pub async fn change_tan_settings(
    password: String,
    email: String,
    invoice: String,
    admin: String,
    threshold: String,
    way: Option<String>,
    tan: Option<String>,
) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let tan = super::context::filled(tan);
    let modes = [password.as_str(), email.as_str(), invoice.as_str(), admin.as_str()];
    let way = super::context::filled(way);
    crate::backend::services::settings::change_tan_settings(
        &state,
        &ctx,
        modes,
        &threshold,
        way.as_deref(),
        tan.as_deref(),
    )
    .await
}

#[server(prefix = "/api", endpoint = "tan/end")]
pub async fn end_tan_session() -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::settings::end_tan_session(&state, &ctx).await
}

#[server(prefix = "/api", endpoint = "password")]
pub async fn change_password(current: String, new: String, tan: Option<String>) -> Result<(), AppError> {
    use crate::backend::tools::crypto::Secret;
    let (state, ctx) = super::context::request()?;
    let tan = super::context::filled(tan);
    crate::backend::services::settings::change_password(
        &state,
        &ctx,
        Secret::new(current),
        Secret::new(new),
        tan.as_deref(),
    )
    .await
}

/// An e-mail change: first the new address (a code goes there), then the code, then the TAN.
#[server(prefix = "/api", endpoint = "email")]
pub async fn change_email(email: String, code: Option<String>, tan: Option<String>) -> Result<(), AppError> {
    let (state, ctx) = super::context::request()?;
    let (code, tan) = (super::context::filled(code), super::context::filled(tan));
    crate::backend::services::settings::change_email(&state, &ctx, &email, code.as_deref(), tan.as_deref()).await
}
