//! E-mail addresses as login names: an accepted address is the stored form, and the stored
//! form is accepted again as itself (so the account is found the next time).
#![no_main]

use app::domain::email::{MAX_EMAIL_LEN, normalise};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Some(address) = normalise(raw) {
        assert!(address.len() <= MAX_EMAIL_LEN, "{address:?} is {} bytes", address.len());
        assert_eq!(address.matches('@').count(), 1, "{address:?}");
        assert_eq!(normalise(&address).as_deref(), Some(address.as_str()), "stored form not found again");
    }
});
