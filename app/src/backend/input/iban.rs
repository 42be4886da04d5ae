//! IBANs as people type them and read them, checked by the IBAN library (check digits and
//! each country's format), and BICs: the payout account page and an application's transaction
//! share these.

use iban::IbanLike;

use crate::wire::InputError;

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

/// A BIC as typed (`deut de ff 500`): bank (4 letters), country (2 letters), location (2) and
/// optionally branch (3), in capitals; `Ok(None)` when left empty (it is optional).
pub fn bic(raw: &str) -> Result<Option<String>, InputError> {
    let bic: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if bic.is_empty() {
        return Ok(None);
    }
    let b = bic.as_bytes();
    let ok = (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..].iter().all(u8::is_ascii_alphanumeric);
    if ok { Ok(Some(bic)) } else { Err(InputError::BicInvalid) }
}

#[cfg(test)]
mod tests {
    use crate::wire::InputError;

    #[test]
    fn bics_with_and_without_branch() {
        assert_eq!(super::bic(" deut de ff 500 "), Ok(Some("DEUTDEFF500".to_owned())));
        assert_eq!(super::bic("COBADEFF"), Ok(Some("COBADEFF".to_owned())));
        assert_eq!(super::bic(""), Ok(None));
        assert_eq!(super::bic("DEUT1EFF"), Err(InputError::BicInvalid));
        assert_eq!(super::bic("DEUTDEF"), Err(InputError::BicInvalid));
        assert_eq!(super::bic("DEUTDEFFÄ"), Err(InputError::BicInvalid));
    }

    #[test]
    fn both_forms_read_and_print() {
        assert_eq!(super::electronic(" de89 3704 0044 0532 0130 00 ").as_deref(), Some("DE89370400440532013000"));
        assert_eq!(super::electronic("DE00370400440532013000"), None);
        assert_eq!(super::grouped("DE89370400440532013000"), "DE89 3704 0044 0532 0130 00");
    }
}
