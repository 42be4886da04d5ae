//! The payout account as typed (IBAN, BIC, account holder) and an application's
//! `authorization_details` (RFC 9396): an accepted IBAN is its electronic form and reads back
//! from its printed form; an accepted BIC and holder read back as themselves and the holder
//! shows every character; an accepted transaction's normalised form (what the TAN is bound
//! to) is accepted again as itself.
#![no_main]

use app::{
    backend::input::iban,
    domain::{authorization_details, payee},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, &str)| {
    let (raw, bic, holder) = input;
    if let Some(e) = iban::electronic(raw) {
        assert!((15..=34).contains(&e.len()), "{e}");
        assert!(e.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{e}");
        assert_eq!(iban::electronic(&iban::grouped(&e)).as_deref(), Some(e.as_str()));
        assert_eq!(iban::electronic(&e).as_deref(), Some(e.as_str()));
    }
    if let Ok(Some(b)) = iban::bic(bic) {
        assert!(b.len() == 8 || b.len() == 11, "{b}");
        assert_eq!(iban::bic(&b), Ok(Some(b.clone())));
    }
    if let Some(h) = payee::visible_text(holder) {
        assert!(!h.chars().any(char::is_control), "{h:?}");
        assert_eq!(payee::visible_text(&h).as_deref(), Some(h.as_str()));
    }
    if let Ok(detail) = authorization_details::parse(raw, &iban::electronic) {
        let again = format!("[{}]", detail.canonical());
        assert_eq!(authorization_details::parse(&again, &iban::electronic), Ok(detail.clone()), "{again}");
        let _ = detail.masked();
    }
});
