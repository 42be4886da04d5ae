//! Mobile numbers (SPEC 2.2): parsed and validated with libphonenumber's metadata
//! (`phonenumber` crate), stored as E.164, limited to the policy's country allow-list.
//! A number written nationally ("0151 …") is read as German, the portal's home country.

use phonenumber::{Mode, PhoneNumber, Type, country, metadata::DATABASE};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneError {
    /// Not a valid phone number.
    Malformed,
    /// A valid number, but not one that receives SMS.
    NotMobile,
    /// A mobile number of a country outside the allow-list.
    CountryNotAllowed,
}

/// The E.164 form of a mobile number from an allowed country.
pub fn parse_mobile(raw: &str, allowed_countries: &[String]) -> Result<String, PhoneError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 32 {
        return Err(PhoneError::Malformed);
    }
    let number: PhoneNumber = phonenumber::parse(Some(country::Id::DE), raw).map_err(|_| PhoneError::Malformed)?;
    if !number.is_valid() {
        return Err(PhoneError::Malformed);
    }
    let region = number.country().id().map(|id| id.as_ref().to_owned()).ok_or(PhoneError::Malformed)?;
    if !allowed_countries.contains(&region) {
        return Err(PhoneError::CountryNotAllowed);
    }
    match number.number_type(&DATABASE) {
        Type::Mobile | Type::FixedLineOrMobile => Ok(number.format().mode(Mode::E164).to_string()),
        _ => Err(PhoneError::NotMobile),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Policy;

    fn parse(raw: &str) -> Result<String, PhoneError> {
        parse_mobile(raw, &Policy::default().phone_countries)
    }

    #[test]
    fn national_and_international_forms_become_e164() {
        assert_eq!(parse("0151 23456789").as_deref(), Ok("+4915123456789"));
        assert_eq!(parse("+49 (151) 234-56789").as_deref(), Ok("+4915123456789"));
        assert_eq!(parse("+41 79 123 45 67").as_deref(), Ok("+41791234567"));
        assert_eq!(parse("+44 7400 123456").as_deref(), Ok("+447400123456"));
    }

    #[test]
    fn landlines_and_foreign_numbers_are_refused() {
        assert_eq!(parse("030 1234567"), Err(PhoneError::NotMobile));
        assert_eq!(parse("+1 202 555 0143"), Err(PhoneError::CountryNotAllowed));
        assert_eq!(parse("+86 138 0013 8000"), Err(PhoneError::CountryNotAllowed));
        // Guernsey shares +44 but is not the United Kingdom.
        assert_eq!(parse("+44 7911 123456"), Err(PhoneError::CountryNotAllowed));
    }

    #[test]
    fn garbage_is_malformed() {
        for raw in ["", "hello", "+49", "0151", "+49 151 2345678901234567890", "12345"] {
            assert_eq!(parse(raw), Err(PhoneError::Malformed), "{raw:?}");
        }
    }
}
