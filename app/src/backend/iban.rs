//! IBANs as people type them and read them, checked by the IBAN library (check digits and
//! each country's format): the payout account page and an application's transaction share
//! these.

use iban::IbanLike;

/// The electronic form (`DE89370400440532013000`) of an IBAN typed in either form
/// (`de89 3704 0044 0532 0130 00` too), or `None` when it is no valid IBAN.
pub fn electronic(raw: &str) -> Option<String> {
    raw.trim().to_ascii_uppercase().parse::<iban::Iban>().ok().map(|i| i.electronic_str().to_owned())
}

/// The print form in groups of four, for reading (`DE89 3704 0044 0532 0130 00`); an
/// unparseable value as it is.
pub fn grouped(electronic: &str) -> String {
    electronic.parse::<iban::Iban>().map(|i| i.to_string()).unwrap_or_else(|_| electronic.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_forms_read_and_print() {
        assert_eq!(super::electronic(" de89 3704 0044 0532 0130 00 ").as_deref(), Some("DE89370400440532013000"));
        assert_eq!(super::electronic("DE00370400440532013000"), None);
        assert_eq!(super::grouped("DE89370400440532013000"), "DE89 3704 0044 0532 0130 00");
    }
}
