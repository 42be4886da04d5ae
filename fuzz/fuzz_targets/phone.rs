//! Mobile numbers as typed (SPEC 2.2): an accepted number is E.164 and reads back as itself.
#![no_main]

use app::backend::input::phone::parse_mobile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    let allowed = ["DE".to_owned(), "AT".to_owned(), "CH".to_owned()];
    if let Ok(e164) = parse_mobile(raw, &allowed) {
        assert!(e164.starts_with('+') && e164.len() > 8 && e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164}");
        assert_eq!(parse_mobile(&e164, &allowed), Ok(e164.clone()), "E.164 form not read back");
    }
});
