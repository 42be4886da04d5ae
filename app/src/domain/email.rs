//! E-mail addresses as login names.
//!
//! An address is compared case-insensitively after trimming; the stored and the looked-up form
//! are the same normalised string, so `Anna@Example.org ` and `anna@example.org` are one account.

/// The longest address RFC 5321 allows in a path.
pub const MAX_EMAIL_LEN: usize = 254;

/// Trims and lower-cases an address, or `None` when it cannot be one
/// (no `@`, empty local part or domain, too long, spaces or control characters inside).
pub fn normalise(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() || s.len() > MAX_EMAIL_LEN {
        return None;
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    if s.matches('@').count() != 1 {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return None;
    }
    // Lower case can be longer (`İ` is two bytes, `i̇` three): the stored form must fit too.
    Some(s.to_lowercase()).filter(|lower| lower.len() <= MAX_EMAIL_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_fits_too() {
        let long = format!("{}@example.org", "İ".repeat(120));
        assert!(long.len() <= MAX_EMAIL_LEN);
        assert_eq!(normalise(&long), None, "its lower case is {} bytes", long.to_lowercase().len());
        let fits = format!("{}@example.org", "İ".repeat(70));
        assert_eq!(normalise(&fits).map(|e| normalise(&e) == Some(e)), Some(true));
    }

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(normalise("  Anna@Example.ORG ").as_deref(), Some("anna@example.org"));
    }

    #[test]
    fn refuses_what_cannot_be_an_address() {
        for bad in ["", "   ", "anna", "@example.org", "anna@", "anna@localhost", "a b@x.de", "anna@.de", "a@b@x.de"] {
            assert_eq!(normalise(bad), None, "{bad:?}");
        }
        assert_eq!(normalise(&format!("{}@x.de", "a".repeat(260))), None);
    }
}
