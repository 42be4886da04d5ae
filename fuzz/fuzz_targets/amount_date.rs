//! Amounts as German and English users type them, and invoice dates: an accepted amount is
//! within the limits and reads back from both printed forms; an accepted date reads back.
#![no_main]

use app::{
    backend::tools::timefmt::parse_date,
    domain::money::{MAX_CENTS, format_eur, parse_eur},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(cents) = parse_eur(raw) {
        assert!(cents > 0 && cents <= MAX_CENTS, "{raw:?} -> {cents}");
        for german in [true, false] {
            let shown = format_eur(cents, german);
            assert_eq!(parse_eur(&shown), Ok(cents), "{raw:?} shown as {shown:?}");
        }
    }
    if let Some(date) = parse_date(raw) {
        assert_eq!(date.len(), 10, "{date}");
        assert_eq!(parse_date(&date).as_deref(), Some(date.as_str()));
    }
});
