//! Password input rules that hold before any hashing (SPEC 1, issue "Foundation").
//!
//! A password over `Policy::password_max_bytes` is refused before argon2 sees it, so a
//! megabyte-long password cannot buy an attacker extra hashing time.

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

#[cfg(test)]
mod tests {
    use super::*;

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
