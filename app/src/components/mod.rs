//! Widgets shared by several pages.

mod code_input;
mod error_notice;
mod header;
mod local_time;
mod resend;

pub use code_input::CodeInput;
pub use error_notice::{ErrorNotice, first_error};
pub use header::Header;
pub use local_time::LocalTime;
pub use resend::ResendButton;
