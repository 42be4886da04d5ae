//! Masked display of phone numbers and e-mail addresses (SPEC 3, 5.1).
//!
//! Enough to recognise one's own number, too little to learn someone else's.

/// `+4915112345678` → `+49 ••••••••• 78`.
pub fn phone(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return "•••".into();
    }
    let cc_len = country_code_len(&digits);
    let cc: String = digits[..cc_len].iter().collect();
    let tail: String = digits[digits.len() - 2..].iter().collect();
    let hidden = "•".repeat(digits.len() - cc_len - 2);
    format!("+{cc} {hidden} {tail}")
}

/// Country codes are 1 to 3 digits and prefix-free; this covers the ones the allow-list can hold.
fn country_code_len(digits: &[char]) -> usize {
    match digits.first() {
        Some('1') | Some('7') => 1,
        Some('2') | Some('8') | Some('9') => 3,
        Some('3') => match digits.get(1) {
            Some('0' | '1' | '2' | '3' | '4' | '6' | '9') => 2,
            _ => 3,
        },
        Some('4') => match digits.get(1) {
            Some('2') => 3,
            _ => 2,
        },
        Some('5') => match digits.get(1) {
            Some('0' | '9') => 3,
            _ => 2,
        },
        Some('6') => match digits.get(1) {
            Some('7' | '8' | '9') => 3,
            _ => 2,
        },
        _ => 2,
    }
}

/// `anna.admin@muster.example` → `a•••@muster.example`.
pub fn email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

/// `DE89370400440532013000` → `DE89 •••• 3000` (SPEC 5.2).
pub fn iban(electronic: &str) -> String {
    let n = electronic.len();
    if n < 8 {
        return "•••".into();
    }
    format!("{} •••• {}", &electronic[..4], &electronic[n - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(phone("+4915112345678"), "+49 ••••••••• 78");
        assert_eq!(phone("+41791234567"), "+41 ••••••• 67");
        assert_eq!(phone("+353851234567"), "+353 ••••••• 67");
        assert_eq!(phone("+447700900123"), "+44 •••••••• 23");
        assert_eq!(phone("+1"), "•••");
    }

    #[test]
    fn ibans() {
        assert_eq!(iban("DE89370400440532013000"), "DE89 •••• 3000");
        assert_eq!(iban("DE89"), "•••");
    }

    #[test]
    fn emails() {
        assert_eq!(email("anna.admin@muster.example"), "a•••@muster.example");
        assert_eq!(email("broken"), "•••");
    }
}
