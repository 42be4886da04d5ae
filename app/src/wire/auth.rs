//! Login, logout and the current user (SPEC 1).

use serde::{Deserialize, Serialize};

/// Who is logged in, as the pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub full_name: String,
    pub email: String,
    pub role: String,
    pub organisation: Option<String>,
}
