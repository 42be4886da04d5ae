//! Amounts in EUR as integer cents (SPEC 7), as German and English users type them.
//!
//! Accepted: `1234`, `1234,5`, `1234,56`, `1.234,56`, `1234.56`, `1,234.56`, with an optional
//! `€`/`EUR`. The last `,` or `.` followed by one or two digits is the decimal separator; other
//! separators must group thousands by three.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountError {
    Malformed,
    NotPositive,
    TooLarge,
}

/// The largest amount accepted: 100 million EUR.
pub const MAX_CENTS: i64 = 10_000_000_000;

pub fn parse_eur(input: &str) -> Result<i64, AmountError> {
    let s = input.trim().trim_end_matches("EUR").trim_end_matches('€').trim_start_matches('€').trim();
    if s.is_empty() || s.len() > 20 {
        return Err(AmountError::Malformed);
    }
    if s.starts_with('-') {
        return Err(AmountError::NotPositive);
    }
    let (int_part, frac_part) = match s.rfind([',', '.']) {
        Some(i) if (2..=3).contains(&(s.len() - i)) => {
            // The decimal separator cannot also group thousands ("12,345,6").
            if s[..i].contains(&s[i..=i]) {
                return Err(AmountError::Malformed);
            }
            (&s[..i], &s[i + 1..])
        }
        _ => (s, ""),
    };
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::Malformed);
    }
    let groups: Vec<&str> = int_part.split([',', '.', ' ']).collect();
    let grouped = groups.len() > 1;
    for (i, g) in groups.iter().enumerate() {
        let ok_len = if !grouped {
            !g.is_empty()
        } else if i == 0 {
            (1..=3).contains(&g.len())
        } else {
            g.len() == 3
        };
        if !ok_len || !g.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::Malformed);
        }
    }
    let euros: i64 = groups.concat().parse().map_err(|_| AmountError::TooLarge)?;
    let cents: i64 = match frac_part.len() {
        0 => 0,
        1 => frac_part.parse::<i64>().map_err(|_| AmountError::Malformed)? * 10,
        _ => frac_part.parse().map_err(|_| AmountError::Malformed)?,
    };
    let total = euros.checked_mul(100).and_then(|e| e.checked_add(cents)).ok_or(AmountError::TooLarge)?;
    if total == 0 {
        return Err(AmountError::NotPositive);
    }
    if total > MAX_CENTS {
        return Err(AmountError::TooLarge);
    }
    Ok(total)
}

/// `1234567` → `12.345,67 EUR` (German) or `12,345.67 EUR` (English).
pub fn format_eur(cents: i64, german: bool) -> String {
    let (thousands, decimal) = if german { ('.', ',') } else { (',', '.') };
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push(thousands);
        }
        grouped.push(c);
    }
    format!("{grouped}{decimal}{:02} EUR", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_english_forms() {
        for (input, cents) in [
            ("1234", 123_400),
            ("1234,5", 123_450),
            ("1234,56", 123_456),
            ("1.234,56", 123_456),
            ("1234.56", 123_456),
            ("1,234.56", 123_456),
            ("12.345.678,90 €", 1_234_567_890),
            ("0,01", 1),
            ("10000 EUR", 1_000_000),
        ] {
            assert_eq!(parse_eur(input), Ok(cents), "{input}");
        }
    }

    #[test]
    fn refusals() {
        for bad in ["", "abc", "12,345,6", "1.23.45", "12,3456", "1e5", "12..5"] {
            assert_eq!(parse_eur(bad), Err(AmountError::Malformed), "{bad}");
        }
        assert_eq!(parse_eur("0"), Err(AmountError::NotPositive));
        assert_eq!(parse_eur("-5"), Err(AmountError::NotPositive));
        assert_eq!(parse_eur("100000001"), Err(AmountError::TooLarge));
        assert_eq!(parse_eur("99999999999999999999"), Err(AmountError::TooLarge));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_eur(1_234_567, true), "12.345,67 EUR");
        assert_eq!(format_eur(1_234_567, false), "12,345.67 EUR");
        assert_eq!(format_eur(5, true), "0,05 EUR");
    }
}
