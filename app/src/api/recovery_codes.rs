//! Recovery codes: the set due after MFA setup, and a new set; using one at the login
//! challenge is `challenge::use_recovery_code`.

use leptos::prelude::*;

use crate::wire::AppError;

/// The recovery codes due after MFA setup, once; `None` once shown.
#[server(name = GetDueRecoveryCodes, prefix = "/api", endpoint = "mfa/recovery-codes")]
pub async fn due_recovery_codes() -> Result<Option<Vec<String>>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::recovery_codes::due(&state, &ctx).await
}

/// A new set of recovery codes, behind a TAN every time.
#[server(prefix = "/api", endpoint = "mfa/recovery-codes/new")]
pub async fn new_recovery_codes(tan: Option<String>) -> Result<Vec<String>, AppError> {
    let (state, ctx) = super::context::request()?;
    crate::backend::services::recovery_codes::renew(&state, &ctx, tan.as_deref().filter(|t| !t.is_empty())).await
}
