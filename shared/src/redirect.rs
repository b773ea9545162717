//! `LocalPath`: a place in this app to go to, taken from somewhere a stranger can write (the
//! `next` parameter of a sign-in link, a return address in a query string). Parsed so that
//! whatever it accepts stays on the app's origin when a browser or the router follows it.
//!
//! Browsers are generous readers of URLs: `//host` and `/\host` name another site (a
//! backslash counts as a slash in `http(s)` URLs), tabs and newlines are dropped anywhere
//! (`/\t/host` is `//host`), leading spaces and control characters are trimmed, and a router
//! may decode `%2F`/`%5C` into the slashes it was meant to avoid. So the rule is plain: a
//! path starts with one `/`, holds no `//`, no backslash, no whitespace or control
//! character, and no percent-escape of a slash, a backslash, a percent sign (which would
//! decode into another escape) or a control character. Query and fragment are allowed
//! (`/invitations/accept#token=…`), under the same rule.

/// Longer than any address the app makes, short enough to never matter.
pub const MAX_LOCAL_PATH_CHARS: usize = 2048;

/// A path of this app (with its query and fragment, if any) that cannot lead elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LocalPathError {
    #[error("not a path of this app: it must start with /")]
    NotAPath,
    #[error("a path is at most {MAX_LOCAL_PATH_CHARS} characters long")]
    TooLong,
    #[error("a path has no spaces or control characters")]
    Invisible,
    #[error("a path has no backslash")]
    Backslash,
    #[error("a path has no //")]
    DoubleSlash,
    #[error("a path has no encoded slash, backslash, percent sign or control character")]
    EncodedSeparator,
}

impl LocalPath {
    pub fn parse(input: &str) -> Result<Self, LocalPathError> {
        if !input.starts_with('/') {
            return Err(LocalPathError::NotAPath);
        }
        if input.chars().count() > MAX_LOCAL_PATH_CHARS {
            return Err(LocalPathError::TooLong);
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(LocalPathError::Invisible);
        }
        if input.contains('\\') {
            return Err(LocalPathError::Backslash);
        }
        if input.contains("//") {
            return Err(LocalPathError::DoubleSlash);
        }
        if escaped_bytes(input).any(|b| matches!(b, b'/' | b'\\' | b'%' | 0..=0x1f | 0x7f)) {
            return Err(LocalPathError::EncodedSeparator);
        }
        Ok(LocalPath(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for LocalPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The bytes that the `%XX` escapes of `text` stand for (malformed escapes are no escapes,
/// as for browsers).
fn escaped_bytes(text: &str) -> impl Iterator<Item = u8> + '_ {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter_map(move |(i, &b)| {
        if b != b'%' {
            return None;
        }
        let high = hex_value(*bytes.get(i + 1)?)?;
        let low = hex_value(*bytes.get(i + 2)?)?;
        Some(high << 4 | low)
    })
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Whether a browser on an `https` page, following `reference`, could end up on another
    /// origin: the WHATWG URL parser's first steps, which decide between "a path here" and
    /// "another site", written from the standard independently of the rule above.
    fn leaves_origin(reference: &str) -> bool {
        // Leading and trailing C0 controls and spaces are trimmed; tabs and newlines go
        // anywhere in the string.
        let trimmed = reference.trim_matches(|c: char| c <= ' ');
        let cleaned: String = trimmed
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        // A scheme (`https:`, `javascript:`, …) makes it an absolute URL.
        let scheme_end = cleaned.find(':');
        if let Some(end) = scheme_end {
            let scheme = &cleaned[..end];
            let mut chars = scheme.chars();
            if chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            {
                return true;
            }
        }
        // For special schemes a backslash is a slash: two of them start an authority.
        let mut slashes = cleaned.chars().take_while(|c| matches!(c, '/' | '\\'));
        slashes.next().is_some() && slashes.next().is_some()
    }

    /// What a router that percent-decodes a path once would make of it.
    fn decoded(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && let (Some(h), Some(l)) = (
                    bytes.get(i + 1).copied().and_then(hex_value),
                    bytes.get(i + 2).copied().and_then(hex_value),
                )
            {
                out.push(h << 4 | l);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn paths_of_the_app_are_accepted_as_they_are() {
        for path in [
            "/",
            "/profile",
            "/accounts/12/users?page=2&q=ana%20lopez",
            "/invitations/accept#token=abc_D-1",
            "/accounts/3/people/7",
            "/search?q=jos%C3%A9",
            "/caf\u{e9}",
        ] {
            assert_eq!(LocalPath::parse(path).unwrap().as_str(), path);
        }
    }

    #[test]
    fn anything_that_names_another_site_is_refused() {
        use LocalPathError::*;
        for (input, reason) in [
            ("", NotAPath),
            ("profile", NotAPath),
            ("https://evil.example", NotAPath),
            ("javascript:alert(1)", NotAPath),
            (" /profile", NotAPath),
            ("//evil.example", DoubleSlash),
            ("/\\evil.example", Backslash),
            ("/\\/evil.example", Backslash),
            ("/\t/evil.example", Invisible),
            ("/\n/evil.example", Invisible),
            ("/ /evil.example", Invisible),
            ("/\u{0}/evil.example", Invisible),
            ("/\u{a0}/evil.example", Invisible),
            ("/accounts//x", DoubleSlash),
            ("/%2F/evil.example", EncodedSeparator),
            ("/%2f%2fevil.example", EncodedSeparator),
            ("/%5Cevil.example", EncodedSeparator),
            ("/%5c%5cevil.example", EncodedSeparator),
            ("/%252F%252Fevil.example", EncodedSeparator),
            ("/%09/evil.example", EncodedSeparator),
            ("/%0a/evil.example", EncodedSeparator),
        ] {
            assert_eq!(LocalPath::parse(input), Err(reason), "{input:?}");
        }
        assert_eq!(
            LocalPath::parse(&format!("/{}", "a".repeat(MAX_LOCAL_PATH_CHARS))),
            Err(LocalPathError::TooLong)
        );
    }

    #[test]
    fn the_oracle_knows_the_tricks() {
        for trick in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            " //evil.example",
            "https:evil.example",
            "javascript:alert(1)",
        ] {
            assert!(leaves_origin(trick), "{trick:?}");
        }
        assert!(leaves_origin(&decoded("/%2F%2Fevil")));
        assert!(!leaves_origin("/profile"));
        assert!(!leaves_origin("/a//b"));
    }

    fn tricky() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "/",
                "\\",
                "%",
                "2",
                "5",
                "f",
                "F",
                "c",
                "C",
                "0",
                "9",
                "a",
                "A",
                ":",
                "\t",
                "\n",
                "\r",
                " ",
                "\u{0}",
                "\u{1f}",
                "\u{a0}",
                ".",
                "#",
                "?",
                "@",
                "evil",
                "http",
                "%2f",
                "%5C",
                "%25",
                "%09",
                "javascript:",
            ]),
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn nothing_accepted_leaves_the_origin_even_once_decoded(tail in tricky()) {
            // Half the inputs start like a path, so that many of them get far into the rule.
            for input in [tail.clone(), format!("/{tail}")] {
                if let Ok(path) = LocalPath::parse(&input) {
                    let once = decoded(path.as_str());
                    let twice = decoded(&once);
                    for form in [path.as_str(), &once, &twice] {
                        prop_assert!(!leaves_origin(form), "{input:?} accepted, {form:?} leaves");
                    }
                }
            }
        }

        #[test]
        fn any_text_is_answered_without_panicking(input in any::<String>()) {
            if let Ok(path) = LocalPath::parse(&input) {
                prop_assert!(!leaves_origin(path.as_str()));
                prop_assert!(!leaves_origin(&decoded(path.as_str())));
                prop_assert_eq!(path.as_str(), input.as_str());
            }
        }
    }
}
