//! What a TAN shows about the receiving side of money (SPEC 5.2, 7): an account holder's name
//! or a payment reference is 1 to 140 characters (SEPA's limit) that all show: no control
//! characters (a line break would split what the TAN is bound to) and no invisible format
//! characters (bidirectional overrides, zero-width spaces and joiners, the soft hyphen), so the
//! user confirms what the text says. The payout account page and an application's
//! transaction (RFC 9396) both read names through here.

/// SEPA's longest name or reference.
pub const MAX_CHARS: usize = 140;

/// The trimmed text, or `None` when it is empty, too long or hides characters.
pub fn visible_text(raw: &str) -> Option<String> {
    let t = raw.trim();
    let ok = !t.is_empty() && t.chars().count() <= MAX_CHARS && !t.chars().any(|c| c.is_control() || is_format(c));
    ok.then(|| t.to_owned())
}

/// Invisible characters that change how a text reads.
fn is_format(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_all_they_say() {
        assert_eq!(visible_text("  Muster GmbH ").as_deref(), Some("Muster GmbH"));
        assert_eq!(visible_text("Müller & Söhne KG").as_deref(), Some("Müller & Söhne KG"));
        assert_eq!(visible_text(""), None);
        assert_eq!(visible_text(&"x".repeat(141)), None);
        assert_eq!(visible_text(&"ä".repeat(140)).map(|s| s.chars().count()), Some(140));
        assert_eq!(visible_text("Muster\nGmbH"), None, "a line break");
        assert_eq!(visible_text("Muster\u{202E}HbmG"), None, "a bidirectional override");
        assert_eq!(visible_text("Mus\u{200B}ter"), None, "a zero-width space");
    }
}
