//! The body of every form post: the guard's UTF-8 check, then server_fn's form decoder into
//! the arguments of real server functions. A body the guard lets through is valid UTF-8, and
//! a decoded field holds U+FFFD only when the body spelled it out: nothing a user typed is
//! silently replaced.
#![no_main]

use app::api::{accounts::SetAccountEnabled, auth::Login, portal::SubmitInvoice, registration::Register};
use libfuzzer_sys::fuzz_target;

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Option<T> {
    // What server_fn's `PostUrl` codec does with a body.
    serde_qs::Config::new(5, false).deserialize_str(body).ok()
}

fn no_replacement(fields: &[&str], spelled_out: bool) {
    if !spelled_out {
        assert!(fields.iter().all(|f| !f.contains('\u{FFFD}')), "a field gained U+FFFD: {fields:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if !server::guard::form_is_utf8(data) {
        return;
    }
    let body = std::str::from_utf8(data).expect("the guard passed a body that is not UTF-8");
    let upper = body.to_ascii_uppercase();
    let spelled_out = body.contains('\u{FFFD}') || upper.contains("%EF%BF%BD");
    if let Some(l) = decode::<Login>(body) {
        no_replacement(&[&l.email, &l.password, l.phone_reset.as_deref().unwrap_or("")], spelled_out);
    }
    if let Some(r) = decode::<Register>(body) {
        no_replacement(&[&r.company, &r.full_name, &r.email, &r.password], spelled_out);
    }
    if let Some(i) = decode::<SubmitInvoice>(body) {
        no_replacement(&[&i.number, &i.date, &i.amount, i.tan.as_deref().unwrap_or("")], spelled_out);
    }
    let _ = decode::<SetAccountEnabled>(body);
});
