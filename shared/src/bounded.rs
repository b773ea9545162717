//! Texts a client sends that Roster only compares (a password typed to sign in or to confirm,
//! a code from an authenticator app, the token of a link): read only up to a length none of
//! them reaches, so a request cannot make the server hash or look up megabytes, and a wrong
//! one is refused by what it is, before anything is counted or looked up.

use serde::de::{Deserialize, Deserializer, Error};

/// Longest password, code or token read: passwords are at most 128 characters, codes and
/// tokens well under 100.
pub const MAX_SECRET_CHARS: usize = 256;

/// Reads a password, code or token of at most [`MAX_SECRET_CHARS`] characters.
pub fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.chars().count() > MAX_SECRET_CHARS {
        return Err(D::Error::custom(format!(
            "at most {MAX_SECRET_CHARS} characters: no password, code or link token is longer"
        )));
    }
    Ok(text)
}

/// The same for a secret that may be left out (or null).
pub fn optional_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(text) if text.chars().count() > MAX_SECRET_CHARS => Err(D::Error::custom(format!(
            "at most {MAX_SECRET_CHARS} characters: no password, code or link token is longer"
        ))),
        text => Ok(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Typed {
        #[serde(deserialize_with = "secret")]
        password: String,
    }

    #[test]
    fn a_secret_is_read_up_to_its_limit() {
        let at_limit = format!("{{\"password\": \"{}\"}}", "é".repeat(MAX_SECRET_CHARS));
        assert_eq!(
            serde_json::from_str::<Typed>(&at_limit)
                .unwrap()
                .password
                .chars()
                .count(),
            MAX_SECRET_CHARS
        );
        let over = format!("{{\"password\": \"{}\"}}", "x".repeat(MAX_SECRET_CHARS + 1));
        let error = serde_json::from_str::<Typed>(&over)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("at most 256 characters"), "{error}");
    }
}
