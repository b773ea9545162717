//! `NewPassword`: the rule a password must meet when it is chosen (at setup, on accepting an
//! invitation, on change). Existing passwords are only ever compared, never re-checked.
//!
//! The rule follows NIST SP 800-63B: length matters, composition rules do not. At least 10
//! characters, at most 128 (hashing cost is bounded), not one of the passwords attackers try
//! first, and not the person's own email address.

use serde::{Deserialize, Serialize};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords of the minimum length that top every leaked-password list.
const COMMON: &[&str] = &[
    "1234567890",
    "0987654321",
    "1q2w3e4r5t",
    "qwertyuiop",
    "asdfghjkl;",
    "password12",
    "password123",
    "password1!",
    "passw0rd12",
    "qwerty1234",
    "qwerty12345",
    "iloveyou12",
    "abcdefghij",
    "abc1234567",
    "welcome123",
    "letmein123",
    "changeme12",
    "admin12345",
    "administrator",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "123456789a",
    "a123456789",
    "11111111111",
    "sunshine12",
    "football12",
    "princess12",
];

/// A password someone is choosing. Its `Debug` never shows it.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = Password, min_length = 10, max_length = 128))]
#[serde(try_from = "String", into = "String")]
pub struct NewPassword(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("use at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("use at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("this password is one of the first that attackers try; choose another")]
    Common,
    #[error("do not use your email address as your password")]
    SameAsEmail,
}

impl NewPassword {
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let count = input.chars().count();
        if count < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if count > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lower = input.to_lowercase();
        let mut chars = lower.chars();
        let first = chars.next();
        if COMMON.contains(&lower.as_str()) || chars.all(|c| Some(c) == first) {
            return Err(PasswordError::Common);
        }
        Ok(NewPassword(input.to_owned()))
    }

    /// The same rule, plus: not the person's email address (nor its part before the @).
    pub fn parse_for(input: &str, email: &str) -> Result<Self, PasswordError> {
        let password = Self::parse(input)?;
        let lower = input.to_lowercase();
        let email = email.to_lowercase();
        let local = email.split('@').next().unwrap_or_default();
        if lower == email || (!local.is_empty() && lower == local) {
            return Err(PasswordError::SameAsEmail);
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NewPassword {
    type Error = PasswordError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        NewPassword::parse(&value)
    }
}

impl From<NewPassword> for String {
    fn from(value: NewPassword) -> Self {
        value.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_what_counts() {
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            PasswordError::TooShort
        );
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(NewPassword::parse("ñandú-lluvia").is_ok());
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).unwrap_err(),
            PasswordError::TooLong
        );
    }

    #[test]
    fn common_and_repeated_passwords_are_refused() {
        assert_eq!(
            NewPassword::parse("Password123").unwrap_err(),
            PasswordError::Common
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaa").unwrap_err(),
            PasswordError::Common
        );
    }

    #[test]
    fn not_the_email_address() {
        assert_eq!(
            NewPassword::parse_for("Ana.Lopez@example.com", "ana.lopez@example.com").unwrap_err(),
            PasswordError::SameAsEmail
        );
        assert_eq!(
            NewPassword::parse_for("anastasia.lopez", "anastasia.lopez@example.com").unwrap_err(),
            PasswordError::SameAsEmail
        );
        assert!(NewPassword::parse_for("a different one", "ana@example.com").is_ok());
    }

    #[test]
    fn debug_never_shows_it() {
        let password = NewPassword::parse("correct horse battery").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
