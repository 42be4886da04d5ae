//! What a TAN SMS says (SPEC 5.2): the TAN, what it authorises with the action's data
//! (masked where they are personal), how long it is valid, and not to enter it for anything
//! the user did not ask for.

use crate::domain::{lang::Lang, money};

/// A protected action as the TAN SMS and the TAN prompt name it.
pub enum Authorises<'a> {
    /// The new IBAN, masked.
    BankAccount {
        masked: &'a str,
    },
    Invoice {
        number: &'a str,
        cents: i64,
    },
    TanSettings,
    Password,
    /// The new address, masked.
    Email {
        masked: &'a str,
    },
    Invite {
        address: &'a str,
    },
    EnableAccount {
        address: &'a str,
    },
    DisableAccount {
        address: &'a str,
    },
    PushPairing,
    AuthenticatorApp,
    Passkey,
    RecoveryCodes,
    /// An application's payment, confirmed through OpenID Connect; the IBAN masked in the
    /// SMS, in full on the confirmation page.
    ApplicationPayment {
        application: &'a str,
        cents: i64,
        iban: &'a str,
        reference: &'a str,
    },
    /// An application's change of the payout account; the holder on the page only.
    ApplicationPayoutAccount {
        application: &'a str,
        iban: &'a str,
        holder: Option<&'a str>,
    },
}

/// What the TAN authorises, in the user's language.
pub fn describe(lang: Lang, what: Authorises<'_>) -> String {
    use Authorises as A;
    match (lang, what) {
        (Lang::De, A::BankAccount { masked }) => format!("Bankverbindung ändern auf {masked}"),
        (Lang::En, A::BankAccount { masked }) => format!("change bank account to {masked}"),
        (Lang::De, A::Invoice { number, cents }) => {
            format!("Rechnung {number} über {} einreichen", money::format_eur(cents, true))
        }
        (Lang::En, A::Invoice { number, cents }) => {
            format!("submit invoice {number} for {}", money::format_eur(cents, false))
        }
        (Lang::De, A::TanSettings) => "TAN-Einstellungen ändern".into(),
        (Lang::En, A::TanSettings) => "change TAN settings".into(),
        (Lang::De, A::Password) => "Passwort ändern".into(),
        (Lang::En, A::Password) => "change password".into(),
        (Lang::De, A::Email { masked }) => format!("E-Mail-Adresse ändern auf {masked}"),
        (Lang::En, A::Email { masked }) => format!("change e-mail address to {masked}"),
        (Lang::De, A::Invite { address }) => format!("{address} einladen"),
        (Lang::En, A::Invite { address }) => format!("invite {address}"),
        (Lang::De, A::EnableAccount { address }) => format!("Konto {address} aktivieren"),
        (Lang::En, A::EnableAccount { address }) => format!("enable account {address}"),
        (Lang::De, A::DisableAccount { address }) => format!("Konto {address} deaktivieren"),
        (Lang::En, A::DisableAccount { address }) => format!("disable account {address}"),
        (Lang::De, A::PushPairing) => "Gerät für Push-Bestätigung koppeln".into(),
        (Lang::En, A::PushPairing) => "pair a device for push approval".into(),
        (Lang::De, A::AuthenticatorApp) => "Authenticator-App einrichten".into(),
        (Lang::En, A::AuthenticatorApp) => "set up an authenticator app".into(),
        (Lang::De, A::Passkey) => "Passkey einrichten".into(),
        (Lang::En, A::Passkey) => "set up a passkey".into(),
        (Lang::De, A::RecoveryCodes) => "Neue Wiederherstellungscodes erzeugen".into(),
        (Lang::En, A::RecoveryCodes) => "create new recovery codes".into(),
        (Lang::De, A::ApplicationPayment { application, cents, iban, reference }) => format!(
            "{application}: Zahlung von {} an {iban}, Verwendungszweck {reference}",
            money::format_eur(cents, true)
        ),
        (Lang::En, A::ApplicationPayment { application, cents, iban, reference }) => {
            format!("{application}: payment of {} to {iban}, reference {reference}", money::format_eur(cents, false))
        }
        (Lang::De, A::ApplicationPayoutAccount { application, iban, holder }) => match holder {
            Some(holder) => format!("{application}: Auszahlungskonto ändern auf {iban} ({holder})"),
            None => format!("{application}: Auszahlungskonto ändern auf {iban}"),
        },
        (Lang::En, A::ApplicationPayoutAccount { application, iban, holder }) => match holder {
            Some(holder) => format!("{application}: change payout account to {iban} ({holder})"),
            None => format!("{application}: change payout account to {iban}"),
        },
    }
}

/// The TAN SMS.
pub fn sms(lang: Lang, tan: &str, description: &str, minutes: i64) -> String {
    match lang {
        Lang::De => format!(
            "TAN {tan}: {description}. Gültig {minutes} Minuten. Geben Sie die TAN nur ein, wenn Sie das selbst \
             veranlasst haben."
        ),
        Lang::En => {
            format!(
                "TAN {tan}: {description}. Valid for {minutes} minutes. Only enter it if you asked for this yourself."
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sms_names_the_tan_and_what_it_authorises() {
        let d = describe(Lang::De, Authorises::BankAccount { masked: "DE89 •••• 3000" });
        assert_eq!(
            sms(Lang::De, "7KQ2MX", &d, 5),
            "TAN 7KQ2MX: Bankverbindung ändern auf DE89 •••• 3000. Gültig 5 Minuten. Geben Sie die TAN nur ein, \
             wenn Sie das selbst veranlasst haben."
        );
        let d = describe(Lang::En, Authorises::Invoice { number: "R-1", cents: 1_250_000 });
        assert!(d.starts_with("submit invoice R-1 for "), "{d}");
    }
}
