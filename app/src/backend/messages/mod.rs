//! The texts of messages that leave the server, in the user's language.

pub mod tan;

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

fn text(lang: Lang, de: (&str, String), en: (&str, String)) -> Text {
    let (subject, body) = match lang {
        Lang::De => (de.0, format!("Guten Tag,\n\n{}\n\nIhr Lieferantenportal", de.1)),
        Lang::En => (en.0, format!("Hello,\n\n{}\n\nYour supplier portal", en.1)),
    };
    Text { subject: subject.to_owned(), body }
}

/// The code that proves the address of a self-registration (SPEC 2.1).
pub fn registration_code(lang: Lang, code: &str, ttl_minutes: i64) -> Text {
    text(
        lang,
        (
            "Ihre Registrierung beim Lieferantenportal",
            format!(
                "Ihr Code zur Bestätigung Ihrer E-Mail-Adresse lautet: {code}\n\nEr ist {ttl_minutes} Minuten gültig. \
                 Wenn Sie sich nicht registrieren, ignorieren Sie diese E-Mail."
            ),
        ),
        (
            "Your registration with the supplier portal",
            format!(
                "Your code to confirm your e-mail address is: {code}\n\nIt is valid for {ttl_minutes} minutes. If you \
                 are not registering, ignore this e-mail."
            ),
        ),
    )
}

/// To the owner of an address someone tried to register again (SPEC 2.1): the registrant
/// learns nothing, the owner learns everything.
pub fn registration_attempt_notice(lang: Lang) -> Text {
    text(
        lang,
        (
            "Registrierungsversuch mit Ihrer E-Mail-Adresse",
            "jemand hat versucht, mit Ihrer E-Mail-Adresse ein neues Konto im Lieferantenportal anzulegen. Sie haben \
             bereits ein Konto; es wurde nichts geändert.\nWenn Sie das waren: Melden Sie sich mit Ihrem Konto an oder \
             nutzen Sie „Passwort vergessen“. Wenn nicht, können Sie diese E-Mail ignorieren."
                .into(),
        ),
        (
            "Registration attempt with your e-mail address",
            "someone tried to create a new supplier portal account with your e-mail address. You already have an \
             account; nothing was changed.\nIf that was you: log in with your account or use \"Forgot password\". If \
             not, you can ignore this e-mail."
                .into(),
        ),
    )
}

/// An organisation admin's invitation (SPEC 6.1).
pub fn invitation(lang: Lang, organisation: &str, inviter: &str, link: &str, hours: i64) -> Text {
    text(
        lang,
        (
            "Einladung zum Lieferantenportal",
            format!(
                "{inviter} hat Sie eingeladen, für {organisation} am Lieferantenportal teilzunehmen.\n\nLegen Sie hier \
                 Ihr Passwort fest und richten Sie danach die Anmeldung mit Ihrem Mobiltelefon ein:\n{link}\n\nDer Link \
                 ist {hours} Stunden gültig und funktioniert nur einmal."
            ),
        ),
        (
            "Invitation to the supplier portal",
            format!(
                "{inviter} has invited you to the supplier portal for {organisation}.\n\nSet your password here, then \
                 set up login with your mobile phone:\n{link}\n\nThe link is valid for {hours} hours and works once."
            ),
        ),
    )
}

/// A forgotten-password link (SPEC 6.3).
pub fn password_reset_link(lang: Lang, link: &str, minutes: i64) -> Text {
    text(
        lang,
        (
            "Neues Passwort für das Lieferantenportal",
            format!(
                "Sie haben ein neues Passwort angefordert. Öffnen Sie diesen Link und bestätigen Sie die Anfrage mit \
                 Ihrem zweiten Faktor:\n{link}\n\nDer Link ist {minutes} Minuten gültig und funktioniert nur einmal. \
                 Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Ihr Passwort bleibt unverändert."
            ),
        ),
        (
            "New password for the supplier portal",
            format!(
                "You asked for a new password. Open this link and confirm the request with your second factor:\n{link}\n\n\
                 The link is valid for {minutes} minutes and works once. If you did not ask for this, ignore this \
                 e-mail; your password stays unchanged."
            ),
        ),
    )
}

/// "Forgot password" for an account without a second factor (SPEC 6.3).
pub fn password_reset_needs_support(lang: Lang, support: &str) -> Text {
    text(
        lang,
        (
            "Passwort vergessen: bitte wenden Sie sich an den Support",
            format!(
                "Sie haben ein neues Passwort angefordert. Für Ihr Konto ist noch keine Mobilnummer als zweiter Faktor \
                 eingerichtet, deshalb kann das Passwort nicht allein per E-Mail zurückgesetzt werden. Bitte wenden Sie \
                 sich an das Account-Sicherheitsteam: {support}\nWenn Sie das nicht angefordert haben, ignorieren Sie \
                 diese E-Mail."
            ),
        ),
        (
            "Forgot password: please contact support",
            format!(
                "You asked for a new password. Your account has no mobile number as a second factor yet, so its \
                 password cannot be reset by e-mail alone. Please contact the account security team: {support}\nIf \
                 you did not ask for this, ignore this e-mail."
            ),
        ),
    )
}

/// After a forgotten-password reset.
pub fn password_reset_notice(lang: Lang) -> Text {
    text(
        lang,
        (
            "Ihr Passwort wurde neu gesetzt",
            "das Passwort Ihres Kontos im Lieferantenportal wurde über „Passwort vergessen“ neu gesetzt; alle \
             Sitzungen wurden beendet.\nWenn Sie das nicht waren, wenden Sie sich sofort an das \
             Account-Sicherheitsteam."
                .into(),
        ),
        (
            "Your password was reset",
            "the password of your supplier portal account was reset through \"Forgot password\"; every session was \
             ended.\nIf this was not you, contact the account security team at once."
                .into(),
        ),
    )
}

/// A support agent's phone-reset link (SPEC 6.2).
pub fn phone_reset_link(lang: Lang, link: &str, hours: i64) -> Text {
    text(
        lang,
        (
            "Neue Mobilnummer für das Lieferantenportal",
            format!(
                "das Account-Sicherheitsteam hat Ihnen auf Ihre Anfrage einen Link geschickt, mit dem Sie eine neue \
                 Mobilnummer einrichten:\n{link}\n\nMelden Sie sich über diesen Link mit Ihrem Passwort an; danach \
                 bestätigen Sie die neue Nummer per SMS. Der Link ist {hours} Stunden gültig und funktioniert nur \
                 einmal. Wenn Sie das nicht angefragt haben, wenden Sie sich an das Account-Sicherheitsteam."
            ),
        ),
        (
            "New mobile number for the supplier portal",
            format!(
                "at your request the account security team sent you a link to set up a new mobile number:\n{link}\n\n\
                 Log in through this link with your password, then confirm the new number by SMS. The link is valid \
                 for {hours} hours and works once. If you did not ask for this, contact the account security team."
            ),
        ),
    )
}

/// After a phone reset.
pub fn phone_reset_notice(lang: Lang, phone_masked: &str) -> Text {
    text(
        lang,
        (
            "Ihre Mobilnummer wurde geändert",
            format!(
                "für Ihr Konto im Lieferantenportal gilt jetzt die Mobilnummer {phone_masked}. Alle anderen Sitzungen \
                 und die TAN-Sitzung wurden beendet.\nWenn Sie das nicht waren, wenden Sie sich sofort an das \
                 Account-Sicherheitsteam."
            ),
        ),
        (
            "Your mobile number was changed",
            format!(
                "your supplier portal account now uses the mobile number {phone_masked}. Every other session and the \
                 TAN session were ended.\nIf this was not you, contact the account security team at once."
            ),
        ),
    )
}

/// A device was paired for push approval: the owner learns of it.
pub fn push_device_paired_notice(lang: Lang, name: &str) -> Text {
    text(
        lang,
        (
            "Ein Gerät für Push-Bestätigung wurde gekoppelt",
            format!(
                "für Ihr Konto im Lieferantenportal wurde soeben ein Gerät für die Push-Bestätigung gekoppelt \
                 („{name}“). Es ersetzt ein zuvor gekoppeltes Gerät.\nWenn Sie das nicht waren, wenden Sie sich \
                 sofort an das Account-Sicherheitsteam."
            ),
        ),
        (
            "A device was paired for push approval",
            format!(
                "a device was just paired for push approval with your supplier portal account (“{name}”). It \
                 replaces any device paired before.\nIf this was not you, contact the account security team at once."
            ),
        ),
    )
}

/// A recovery code passed a login: the owner learns of it, and how many remain.
pub fn recovery_code_used_notice(lang: Lang, remaining: i64) -> Text {
    text(
        lang,
        (
            "Ein Wiederherstellungscode wurde verwendet",
            format!(
                "bei der Anmeldung im Lieferantenportal wurde soeben einer Ihrer Wiederherstellungscodes verwendet. \
                 Es bleiben {remaining}.\nWenn Sie das nicht waren, wenden Sie sich sofort an das \
                 Account-Sicherheitsteam."
            ),
        ),
        (
            "A recovery code was used",
            format!(
                "one of your recovery codes was just used to log in to the supplier portal. {remaining} remain.\nIf \
                 this was not you, contact the account security team at once."
            ),
        ),
    )
}

/// A passkey was added, renamed or removed: the owner learns of it.
pub fn passkey_changed_notice(lang: Lang, change: crate::backend::audit::PasskeyChange, name: &str) -> Text {
    use crate::backend::audit::PasskeyChange as C;
    let (de, en) = match change {
        C::Added => ("hinzugefügt", "added"),
        C::Renamed => ("umbenannt", "renamed"),
        C::Removed => ("entfernt", "removed"),
    };
    text(
        lang,
        (
            "Ein Passkey wurde geändert",
            format!(
                "für Ihr Konto im Lieferantenportal wurde soeben ein Passkey {de} („{name}“).\nWenn Sie das nicht \
                 waren, wenden Sie sich sofort an das Account-Sicherheitsteam."
            ),
        ),
        (
            "A passkey was changed",
            format!(
                "a passkey of your supplier portal account was just {en} (“{name}”).\nIf this was not you, contact the \
                 account security team at once."
            ),
        ),
    )
}
