//! Widgets shared by several pages.

mod code_input;
mod error_notice;
mod header;
mod language;
mod local_time;
mod new_password;
pub mod passkey_ceremony;
mod portal_nav;
mod resend;
mod steps;
mod tan_prompt;

pub use code_input::{AppCodeInput, CodeInput};
pub use error_notice::{ErrorNotice, first_error};
pub use header::Header;
pub use language::{provide_locale, use_locale};
pub use local_time::LocalTime;
pub use new_password::NewPasswordInput;
pub use passkey_ceremony::{CeremonyNotice, CeremonyProblem};
pub use portal_nav::{PortalNav, load_error};
pub use resend::ResendButton;
pub use steps::Steps;
pub use tan_prompt::TanPrompt;
