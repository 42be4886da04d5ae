//! The start page: where the logged-in supplier stands.

use leptos::prelude::*;

use crate::wire::{AppError, overview::Overview};

/// What the start page shows: where the logged-in supplier stands.
#[server(name = GetOverview, prefix = "/api", endpoint = "overview")]
pub async fn overview() -> Result<Overview, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::overview::overview(&state, &ctx).await
}
