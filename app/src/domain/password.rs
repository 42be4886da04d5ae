//! Password rules (SPEC 1, 2.1).
//!
//! - A password over `Policy::password_max_bytes` is refused before argon2 sees it, so a
//!   megabyte-long password cannot buy an attacker extra hashing time.
//! - A new password (registration, invitation, forgotten password, change) has at least
//!   `password_min_chars` (12) characters, does not contain the account's own e-mail name,
//!   full name or company, and scores at least `password_min_score` (3 of 4) with the zxcvbn
//!   strength estimator, which knows common and leaked-style passwords, keyboard patterns,
//!   repeats, sequences, dates and names. The refusal says which of these it was.

use super::policy::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordInputError {
    Empty,
    TooLong,
}

/// Checks a password as typed at login.
pub fn check_login_input(password: &str, policy: &Policy) -> Result<(), PasswordInputError> {
    if password.is_empty() {
        Err(PasswordInputError::Empty)
    } else if password.len() > policy.password_max_bytes {
        Err(PasswordInputError::TooLong)
    } else {
        Ok(())
    }
}

/// Why a new password is refused; each has its own sentence on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeakPassword {
    TooShort,
    TooLong,
    /// It contains the e-mail name, the full name or the company.
    Personal,
    /// A common or leaked-style password, or close to one.
    Common,
    /// Keyboard rows, repeats, sequences, years or dates.
    Pattern,
    /// Guessable for another reason (a single word, a name, too little variety).
    Guessable,
}

/// The parts of the account a password must not be built from: the e-mail's local part, the
/// words of the full name and of the company, each of at least 4 characters.
pub fn personal_words(email: &str, full_name: &str, company: &str) -> Vec<String> {
    let local = email.split('@').next().unwrap_or("");
    [local, full_name, company]
        .iter()
        .flat_map(|s| s.split(|c: char| !c.is_alphanumeric()))
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 4)
        .collect()
}

/// Checks a new password (SPEC 2.1). `personal` comes from [`personal_words`].
#[cfg(feature = "ssr")]
pub fn check_new(password: &str, personal: &[String], policy: &Policy) -> Result<(), WeakPassword> {
    use zxcvbn::feedback::Warning;
    if password.chars().count() < policy.password_min_chars {
        return Err(WeakPassword::TooShort);
    }
    if password.len() > policy.password_max_bytes {
        return Err(WeakPassword::TooLong);
    }
    let lower = password.to_lowercase();
    if personal.iter().any(|w| lower.contains(w.as_str())) {
        return Err(WeakPassword::Personal);
    }
    // zxcvbn's cost grows with the length; its verdict on the first 100 characters holds.
    let head: String = password.chars().take(100).collect();
    let inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(&head, &inputs);
    if u8::from(estimate.score()) >= policy.password_min_score {
        return Ok(());
    }
    Err(match estimate.feedback().and_then(zxcvbn::feedback::Feedback::warning) {
        Some(
            Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password
            | Warning::ThisIsACommonPassword
            | Warning::ThisIsSimilarToACommonlyUsedPassword,
        ) => WeakPassword::Common,
        Some(
            Warning::StraightRowsOfKeysAreEasyToGuess
            | Warning::ShortKeyboardPatternsAreEasyToGuess
            | Warning::RepeatsLikeAaaAreEasyToGuess
            | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess
            | Warning::SequencesLikeAbcAreEasyToGuess
            | Warning::RecentYearsAreEasyToGuess
            | Warning::DatesAreOftenEasyToGuess,
        ) => WeakPassword::Pattern,
        _ => WeakPassword::Guessable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn new_passwords() {
        let p = Policy::default();
        let me = personal_words("jana.becker@holz-meier.de", "Jana Becker", "Holzbau Meier GmbH");
        assert_eq!(check_new("kurz", &me, &p), Err(WeakPassword::TooShort));
        assert_eq!(check_new("Password1234", &me, &p), Err(WeakPassword::Common));
        assert_eq!(check_new("qwertyuiopasdfgh", &me, &p), Err(WeakPassword::Common), "on the leaked lists");
        assert_eq!(check_new("2020202020202020", &me, &p), Err(WeakPassword::Pattern));
        assert_eq!(check_new("aaaaaaaaaaaaaaaa", &me, &p), Err(WeakPassword::Pattern));
        assert_eq!(check_new("Becker-Tresor-91!", &me, &p), Err(WeakPassword::Personal));
        assert_eq!(check_new("HOLZBAU mag ich sehr", &me, &p), Err(WeakPassword::Personal));
        assert_eq!(check_new(&"x".repeat(1025), &me, &p), Err(WeakPassword::TooLong));
        assert_eq!(check_new("Kiefer-Wolke-Laterne-73", &me, &p), Ok(()));
        assert_eq!(check_new("correct horse battery staple", &me, &p), Ok(()));
    }

    #[test]
    fn bounds() {
        let p = Policy::default();
        assert_eq!(check_login_input("", &p), Err(PasswordInputError::Empty));
        assert_eq!(check_login_input(&"x".repeat(1024), &p), Ok(()));
        assert_eq!(check_login_input(&"x".repeat(1025), &p), Err(PasswordInputError::TooLong));
        // Bytes, not characters: 342 three-byte characters are 1026 bytes.
        assert_eq!(check_login_input(&"€".repeat(342), &p), Err(PasswordInputError::TooLong));
    }
}
