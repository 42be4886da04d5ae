//! Codes, TANs and recovery codes as typed, with spaces and dashes: an accepted input is the
//! canonical form, and the canonical form (and the form shown to the user) reads back as itself.
#![no_main]

use app::domain::{mfa, tan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(code) = mfa::normalise_code(raw) {
        assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        assert_eq!(mfa::normalise_code(&code), Ok(code.clone()));
    }
    if let Some(code) = mfa::normalise_recovery_code(raw) {
        assert_eq!(code.len(), mfa::RECOVERY_CODE_LEN);
        assert!(code.bytes().all(|b| tan::ALPHABET.contains(&b)), "{code}");
        assert_eq!(mfa::normalise_recovery_code(&mfa::display_recovery_code(&code)), Some(code.clone()));
    }
    if let Ok(t) = tan::normalise(raw) {
        assert!(t.bytes().all(|b| tan::ALPHABET.contains(&b)), "{t}");
        assert_eq!(tan::normalise(&t), Ok(t.clone()));
        assert_eq!(tan::normalise(&t.to_ascii_lowercase()), Ok(t.clone()));
    }
});
