//! Names people and accounts are shown by: `PersonName` and `AccountName`.
//!
//! Both are trimmed, 1–100 characters, and free of control characters (which would break
//! emails, CSV exports and log lines). Nothing else is imposed: names are written in every
//! script, with apostrophes, hyphens and single letters.

use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("enter a name")]
    Empty,
    #[error("too long (at most {MAX_NAME_CHARS} characters)")]
    TooLong,
    #[error("contains a control character (such as a line break or tab)")]
    ControlCharacter,
}

fn clean(input: &str) -> Result<String, NameError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    Ok(name.to_owned())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(input: &str) -> Result<Self, NameError> {
                clean(input).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

name_type!(
    /// A person's name as they want to be shown ("Ana López", "李雷", "O'Brien").
    PersonName
);
name_type!(
    /// An account's or sub-account's name ("Acme Europe", "Support – Night shift").
    AccountName
);

impl AccountName {
    /// What two names are compared by where siblings must not share one. People read "EMEA"
    /// and "emea", or "North  America" and "north america", as one name (in chips, emails and
    /// the account switcher), so the key is lower-cased (Unicode) with inner runs of whitespace
    /// made one space.
    pub fn sibling_key(&self) -> String {
        self.0
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }

    /// Why a sibling may not take the name this sub-account of `parent` already has.
    pub fn taken_under(&self, parent: impl std::fmt::Display) -> String {
        format!("{parent} already has a sub-account named “{self}”.")
    }

    /// Whether this name reads the same as `other` (see [`AccountName::sibling_key`]).
    pub fn reads_as(&self, other: &AccountName) -> bool {
        self.sibling_key() == other.sibling_key()
    }
}
name_type!(
    /// What a person calls one of their passkeys ("Work laptop", "iPhone").
    PasskeyName
);
name_type!(
    /// What an API token is for, as its creator calls it ("Okta provisioning", "CI sync").
    TokenName
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_trimmed_and_kept_as_written() {
        assert_eq!(
            PersonName::parse("  Ana López ").unwrap().as_str(),
            "Ana López"
        );
        assert_eq!(PersonName::parse("李雷").unwrap().as_str(), "李雷");
        assert_eq!(PersonName::parse("X").unwrap().as_str(), "X");
        assert_eq!(
            AccountName::parse("Acme – EU").unwrap().as_str(),
            "Acme – EU"
        );
    }

    #[test]
    fn rejections_say_why() {
        assert_eq!(PersonName::parse("   ").unwrap_err(), NameError::Empty);
        assert_eq!(
            PersonName::parse("Ana\nLópez").unwrap_err(),
            NameError::ControlCharacter
        );
        assert_eq!(
            AccountName::parse(&"é".repeat(101)).unwrap_err(),
            NameError::TooLong
        );
        assert!(AccountName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn serde_goes_through_the_parser() {
        let name: PersonName = serde_json::from_str("\" Ana \"").unwrap();
        assert_eq!(name.as_str(), "Ana");
        assert!(serde_json::from_str::<PersonName>("\"\"").is_err());
    }

    #[test]
    fn sibling_names_compare_as_people_read_them() {
        let name = |s: &str| AccountName::parse(s).unwrap();
        assert!(name("EMEA").reads_as(&name("  emea ")));
        assert!(name("North  America").reads_as(&name("north\u{a0}america")));
        assert!(name("ÉQUIPE Ω").reads_as(&name("équipe ω")));
        assert!(!name("EMEA").reads_as(&name("EMEA 2")));
        assert!(!name("North America").reads_as(&name("NorthAmerica")));
        assert_eq!(name(" Support   Night ").sibling_key(), "support night");
    }

    proptest! {
        #[test]
        fn sibling_key_ignores_case_and_spacing(input in "[a-zA-ZÀ-Öà-ö ]{1,30}") {
            if let Ok(name) = AccountName::parse(&input) {
                let shouted = AccountName::parse(&format!("  {}  ", input.to_uppercase().replace(' ', "   "))).unwrap();
                prop_assert!(name.reads_as(&shouted));
                let key = name.sibling_key();
                prop_assert_eq!(key.trim(), key.as_str());
                prop_assert!(!key.contains("  "));
            }
        }

        #[test]
        fn sibling_key_is_idempotent(input in any::<String>()) {
            if let Ok(name) = AccountName::parse(&input) {
                let key = name.sibling_key();
                if let Ok(again) = AccountName::parse(&key) {
                    prop_assert_eq!(again.sibling_key(), key);
                }
            }
        }

        #[test]
        fn accepted_names_satisfy_the_rule(input in any::<String>()) {
            if let Ok(name) = PersonName::parse(&input) {
                let count = name.as_str().chars().count();
                prop_assert!((1..=MAX_NAME_CHARS).contains(&count));
                prop_assert!(!name.as_str().chars().any(char::is_control));
                prop_assert_eq!(name.as_str().trim(), name.as_str());
            }
        }
    }
}
