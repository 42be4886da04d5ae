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
    Some(s.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

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
