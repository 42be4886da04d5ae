//! Transactions an application asks its user to confirm with a TAN (RFC 9396, Rich
//! Authorization Requests; SPEC 11.3).
//!
//! Rules:
//! - `authorization_details` is a JSON array of exactly one object whose `type` is one of:
//!   - `payout_account`: `iban`, `account_holder` (the supplier's payout account at the
//!     application changes);
//!   - `payment`: `amount` (a decimal string with at most two places, `"1234.50"`),
//!     `currency` (`"EUR"`), `creditor_iban`, `reference` (up to 140 characters).
//! - Any other type, field or value is refused (`invalid_authorization_details`); nothing is
//!   guessed.
//! - The TAN is bound to the client and to these data in their normalised form (IBAN in
//!   electronic form, the amount with two places); other data need a new TAN.
//! - The token response and the ID token carry the details exactly as confirmed.

use serde::{Deserialize, Serialize};

use super::money::MAX_CENTS;

/// The one transaction of a request, normalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Detail {
    PayoutAccount { iban: String, account_holder: String },
    Payment { amount: String, currency: String, creditor_iban: String, reference: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailsError {
    /// Not a JSON array of one object of a known type with exactly its fields.
    Shape,
    Iban,
    Amount,
    Currency,
    /// A name or reference that is empty, too long or has control characters.
    Text,
}

impl DetailsError {
    pub const fn description(self) -> &'static str {
        match self {
            DetailsError::Shape => "authorization_details must be an array of one payout_account or payment object",
            DetailsError::Iban => "the IBAN is not valid",
            DetailsError::Amount => "amount must be a positive decimal string with at most two places",
            DetailsError::Currency => "currency must be EUR",
            DetailsError::Text => "account_holder and reference must be 1 to 140 visible characters",
        }
    }
}

/// Parses and normalises `authorization_details`; `iban` checks an IBAN and gives its
/// electronic form (the server's IBAN library).
pub fn parse(json: &str, iban: &dyn Fn(&str) -> Option<String>) -> Result<Detail, DetailsError> {
    let mut list: Vec<Detail> = serde_json::from_str(json).map_err(|_| DetailsError::Shape)?;
    if list.len() != 1 {
        return Err(DetailsError::Shape);
    }
    match list.remove(0) {
        Detail::PayoutAccount { iban: raw, account_holder } => Ok(Detail::PayoutAccount {
            iban: iban(&raw).ok_or(DetailsError::Iban)?,
            account_holder: text(&account_holder)?,
        }),
        Detail::Payment { amount, currency, creditor_iban, reference } => {
            if currency != "EUR" {
                return Err(DetailsError::Currency);
            }
            Ok(Detail::Payment {
                amount: format_cents(cents(&amount)?),
                currency,
                creditor_iban: iban(&creditor_iban).ok_or(DetailsError::Iban)?,
                reference: text(&reference)?,
            })
        }
    }
}

fn text(s: &str) -> Result<String, DetailsError> {
    super::payee::visible_text(s).ok_or(DetailsError::Text)
}

/// `"1234.5"` → 123450; a machine format, unlike the amounts users type (`money`).
pub fn cents(amount: &str) -> Result<i64, DetailsError> {
    let (int, frac) = amount.split_once('.').unwrap_or((amount, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || int.len() > 12 || (amount.contains('.') && (!digits(frac) || frac.len() > 2)) {
        return Err(DetailsError::Amount);
    }
    let whole: i64 = int.parse().map_err(|_| DetailsError::Amount)?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| DetailsError::Amount)?;
    let total = whole.checked_mul(100).and_then(|c| c.checked_add(frac)).ok_or(DetailsError::Amount)?;
    if total <= 0 || total > MAX_CENTS {
        return Err(DetailsError::Amount);
    }
    Ok(total)
}

fn format_cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

impl Detail {
    /// For the audit log: the transaction with its IBAN masked.
    pub fn masked(&self) -> String {
        match self {
            Detail::PayoutAccount { iban, .. } => format!("payout_account {}", super::mask::iban(iban)),
            Detail::Payment { amount, currency, creditor_iban, reference } => {
                format!("payment {amount} {currency} to {}, reference {reference}", super::mask::iban(creditor_iban))
            }
        }
    }

    /// What the TAN is bound to: the normalised data, one form only.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iban(s: &str) -> Option<String> {
        let e: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        (e == "DE89370400440532013000").then_some(e)
    }

    #[test]
    fn a_payment_is_normalised() {
        let d = parse(
            r#"[{"type":"payment","amount":"1234.5","currency":"EUR","creditor_iban":"de89 3704 0044 0532 0130 00","reference":" RE-2026-17 "}]"#,
            &iban,
        )
        .unwrap();
        assert_eq!(
            d,
            Detail::Payment {
                amount: "1234.50".into(),
                currency: "EUR".into(),
                creditor_iban: "DE89370400440532013000".into(),
                reference: "RE-2026-17".into()
            }
        );
        assert_eq!(d.masked(), "payment 1234.50 EUR to DE89 •••• 3000, reference RE-2026-17");
        assert_eq!(
            d.canonical(),
            r#"{"type":"payment","amount":"1234.50","currency":"EUR","creditor_iban":"DE89370400440532013000","reference":"RE-2026-17"}"#
        );
    }

    #[test]
    fn anything_else_is_refused() {
        let payout = |extra: &str| {
            format!(
                r#"[{{"type":"payout_account","iban":"DE89370400440532013000","account_holder":"Muster GmbH"{extra}}}]"#
            )
        };
        assert!(parse(&payout(""), &iban).is_ok());
        assert_eq!(parse(&payout(r#","bic":"X""#), &iban), Err(DetailsError::Shape), "unknown field");
        assert_eq!(parse(r#"[{"type":"wire"}]"#, &iban), Err(DetailsError::Shape));
        assert_eq!(parse("[]", &iban), Err(DetailsError::Shape));
        let one = r#"{"type":"payout_account","iban":"DE89370400440532013000","account_holder":"Muster GmbH"}"#;
        assert_eq!(parse(&format!("[{one},{one}]"), &iban), Err(DetailsError::Shape), "one transaction a request");
        let pay = |amount: &str, currency: &str| {
            format!(
                r#"[{{"type":"payment","amount":"{amount}","currency":"{currency}","creditor_iban":"DE89370400440532013000","reference":"R"}}]"#
            )
        };
        assert_eq!(parse(&pay("12.345", "EUR"), &iban), Err(DetailsError::Amount));
        assert_eq!(parse(&pay("0", "EUR"), &iban), Err(DetailsError::Amount));
        assert_eq!(parse(&pay("-5", "EUR"), &iban), Err(DetailsError::Amount));
        assert_eq!(parse(&pay("1,50", "EUR"), &iban), Err(DetailsError::Amount));
        assert_eq!(parse(&pay("10", "USD"), &iban), Err(DetailsError::Currency));
        assert_eq!(parse(&payout("").replace("DE89", "DE00"), &iban), Err(DetailsError::Iban));
        let reversed = pay("10", "EUR").replace(r#""reference":"R""#, "\"reference\":\"R\u{202E}21-ER\"");
        assert_eq!(parse(&reversed, &iban), Err(DetailsError::Text), "no right-to-left override");
    }

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(cents("0.01"), Ok(1));
        assert_eq!(cents("100"), Ok(10_000));
        assert_eq!(cents("100000000.00"), Ok(MAX_CENTS));
        assert_eq!(cents("100000000.01"), Err(DetailsError::Amount));
        assert_eq!(cents("1."), Err(DetailsError::Amount));
        assert_eq!(cents(".5"), Err(DetailsError::Amount));
    }
}
