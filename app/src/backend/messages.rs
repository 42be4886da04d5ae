//! The texts of messages that leave the server, in the user's language.

use crate::domain::{
    lang::Lang,
    mfa::{Method, Purpose},
};

pub struct Text {
    pub subject: String,
    pub body: String,
}

/// A one-time code message. It says what the code is for and that it must not be shared.
pub fn code(lang: Lang, channel: Method, purpose: Purpose, code: &str, ttl_minutes: i64) -> Text {
    let (subject, what) = match (lang, purpose) {
        (Lang::De, Purpose::Login) => ("Ihr Anmeldecode für das Lieferantenportal", "Ihr Anmeldecode"),
        (Lang::De, Purpose::Setup) => ("Bestätigung Ihrer Mobilnummer", "Ihr Code zur Bestätigung Ihrer Mobilnummer"),
        (Lang::En, Purpose::Login) => ("Your login code for the supplier portal", "Your login code"),
        (Lang::En, Purpose::Setup) => ("Confirming your mobile number", "Your code to confirm your mobile number"),
    };
    let body = match (lang, channel) {
        (Lang::De, Method::Sms) => {
            format!("Riegel: {what} lautet {code}. Gültig {ttl_minutes} Minuten. Geben Sie ihn niemandem weiter.")
        }
        (Lang::En, Method::Sms) => {
            format!("Riegel: {what} is {code}. Valid for {ttl_minutes} minutes. Never share it.")
        }
        (Lang::De, Method::Email) => format!(
            "Guten Tag,\n\n{what} lautet: {code}\n\nEr ist {ttl_minutes} Minuten gültig. Geben Sie ihn niemandem \
             weiter – auch nicht dem Support.\nWenn Sie sich nicht gerade anmelden, ändern Sie bitte Ihr Passwort.\n\n\
             Ihr Lieferantenportal"
        ),
        (Lang::En, Method::Email) => format!(
            "Hello,\n\n{what} is: {code}\n\nIt is valid for {ttl_minutes} minutes. Never share it, not even with \
             support.\nIf you are not logging in right now, please change your password.\n\nYour supplier portal"
        ),
    };
    Text { subject: subject.to_owned(), body }
}

/// The code that proves a new e-mail address.
pub fn email_change_code(lang: Lang, code: &str, ttl_minutes: i64) -> Text {
    match lang {
        Lang::De => Text {
            subject: "Bestätigung Ihrer neuen E-Mail-Adresse".into(),
            body: format!(
                "Guten Tag,\n\nIhr Code zur Bestätigung dieser E-Mail-Adresse für das Lieferantenportal lautet: {code}\n\n\
                 Er ist {ttl_minutes} Minuten gültig. Wenn Sie das nicht veranlasst haben, ignorieren Sie diese E-Mail.\n\n\
                 Ihr Lieferantenportal"
            ),
        },
        Lang::En => Text {
            subject: "Confirming your new e-mail address".into(),
            body: format!(
                "Hello,\n\nyour code to confirm this e-mail address for the supplier portal is: {code}\n\n\
                 It is valid for {ttl_minutes} minutes. If you did not ask for this, ignore this e-mail.\n\n\
                 Your supplier portal"
            ),
        },
    }
}

/// The notice to the old address after an e-mail change.
pub fn email_changed_notice(lang: Lang, new_masked: &str) -> Text {
    match lang {
        Lang::De => Text {
            subject: "Ihre E-Mail-Adresse wurde geändert".into(),
            body: format!(
                "Guten Tag,\n\ndie E-Mail-Adresse Ihres Kontos im Lieferantenportal wurde auf {new_masked} geändert.\n\
                 Wenn Sie das nicht waren, wenden Sie sich sofort an das Account-Sicherheitsteam.\n\nIhr Lieferantenportal"
            ),
        },
        Lang::En => Text {
            subject: "Your e-mail address was changed".into(),
            body: format!(
                "Hello,\n\nthe e-mail address of your supplier portal account was changed to {new_masked}.\n\
                 If this was not you, contact the account security team at once.\n\nYour supplier portal"
            ),
        },
    }
}
