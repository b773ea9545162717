//! `InviteList`: what the "New User" email box accepts.
//!
//! People paste addresses from spreadsheets (one per line, or tab-separated), from mail clients
//! (`Ana Lopez <ana@example.com>, "Smith, Jo" <jo@example.com>`) and type them separated by
//! commas, semicolons or spaces. All of those work. Good addresses are kept even when some
//! entries are bad: each bad entry is reported with its text and the reason, and repeated
//! addresses (compared without case) are merged and reported, so nobody is invited twice.

use std::collections::HashSet;

use crate::email::{EmailAddress, EmailError};

/// Most people one invitation may name.
pub const MAX_INVITATION_SIZE: usize = 1000;

/// The outcome of reading an email box.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteList {
    /// Every distinct valid address, in the order first given.
    pub addresses: Vec<EmailAddress>,
    /// Addresses given more than once (each listed once, as first written).
    pub duplicates: Vec<EmailAddress>,
    /// Entries that are not addresses, with why.
    pub invalid: Vec<InvalidEntry>,
}

/// One entry of the box that is not an email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEntry {
    pub text: String,
    pub error: EmailError,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteListError {
    #[error(
        "{count} addresses: one invitation can name at most {MAX_INVITATION_SIZE} people; split the list"
    )]
    TooMany { count: usize },
}

impl InviteList {
    /// Reads a whole email box.
    pub fn parse(text: &str) -> Result<Self, InviteListError> {
        let mut list = InviteList::default();
        let mut seen = HashSet::new();
        let mut reported = HashSet::new();
        for entry in entries(text) {
            match EmailAddress::parse(entry) {
                Ok(address) => {
                    if seen.insert(address.key()) {
                        list.addresses.push(address);
                    } else if reported.insert(address.key()) {
                        list.duplicates.push(address);
                    }
                }
                Err(error) => list.invalid.push(InvalidEntry {
                    text: entry.to_owned(),
                    error,
                }),
            }
        }
        if list.addresses.len() > MAX_INVITATION_SIZE {
            return Err(InviteListError::TooMany {
                count: list.addresses.len(),
            });
        }
        Ok(list)
    }

    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.invalid.is_empty()
    }
}

/// Splits a box into entries, each meant to be one address.
///
/// Commas, semicolons and line breaks end an entry unless they sit inside a quoted display
/// name or inside `<…>`. An entry with `<address>` is that address (its display name is
/// dropped); any other entry is split further at spaces and tabs.
pub fn entries(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for segment in segments(text) {
        if let Some(start) = segment.find('<')
            && let Some(len) = segment[start + 1..].find('>')
        {
            let inner = segment[start + 1..start + 1 + len].trim();
            if !inner.is_empty() {
                out.push(inner);
            }
            continue;
        }
        out.extend(segment.split([' ', '\t']).filter(|s| !s.is_empty()));
    }
    out
}

/// Splits at hard separators (`,` `;` line breaks) that are outside quotes and angle brackets.
/// An unclosed quote or bracket is treated as an ordinary character, so one stray `"` cannot
/// swallow the rest of a pasted list.
///
/// Linear in the text's length: where the next line break, `"` and `>` are is remembered, so
/// each stretch of text is searched once per kind, not once per opening `"` or `<` before it
/// (a line of 100,000 quotes took minutes when every quote looked for its line's end).
fn segments(text: &str) -> Vec<&str> {
    let hard = |c: char| matches!(c, ',' | ';' | '\n' | '\r');
    let mut out = Vec::new();
    let mut start = 0;
    let mut line_break = None;
    let mut quote = None;
    let mut angle = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let closing = match c {
            '"' => Some(next_from(&mut quote, text, i + 1, |c| c == '"')),
            '<' => Some(next_from(&mut angle, text, i + 1, |c| c == '>')),
            _ => None,
        };
        if let Some(close) = closing {
            // Only a bracket closed before the next line break counts as one.
            let line_end = next_from(&mut line_break, text, i + 1, |c| matches!(c, '\n' | '\r'));
            if close < line_end {
                while chars.peek().is_some_and(|&(j, _)| j <= close) {
                    chars.next();
                }
                continue;
            }
        }
        if hard(c) {
            let piece = text[start..i].trim();
            if !piece.is_empty() {
                out.push(piece);
            }
            start = i + c.len_utf8();
        }
    }
    let piece = text[start..].trim();
    if !piece.is_empty() {
        out.push(piece);
    }
    out
}

/// Where the first character matching `wanted` at or after `from` is (`text.len()` if none).
/// `found` remembers the last answer: it stays right for every later `from` up to it, as
/// nothing matched between the `from` it was searched from and it. `from` never decreases
/// from one call to the next with the same `found`.
fn next_from(
    found: &mut Option<usize>,
    text: &str,
    from: usize,
    wanted: impl Fn(char) -> bool,
) -> usize {
    match *found {
        Some(at) if at >= from => at,
        _ => {
            let at = text[from..]
                .find(wanted)
                .map_or(text.len(), |offset| from + offset);
            *found = Some(at);
            at
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn addresses(list: &InviteList) -> Vec<&str> {
        list.addresses.iter().map(EmailAddress::as_str).collect()
    }

    #[test]
    fn every_separator_works() {
        let list = InviteList::parse(
            "a@x.com, b@x.com;c@x.com d@x.com\te@x.com\nf@x.com\r\ng@x.com,,;  \n",
        )
        .unwrap();
        assert_eq!(
            addresses(&list),
            [
                "a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com", "g@x.com"
            ]
        );
        assert!(list.invalid.is_empty() && list.duplicates.is_empty());
    }

    #[test]
    fn mail_client_forms_with_display_names() {
        let list = InviteList::parse(
            r#"Ana Lopez <ana@x.com>, "Smith, Jo" <jo@x.com>; <bare@x.com>, plain@x.com"#,
        )
        .unwrap();
        assert_eq!(
            addresses(&list),
            ["ana@x.com", "jo@x.com", "bare@x.com", "plain@x.com"]
        );
        assert!(list.invalid.is_empty(), "{:?}", list.invalid);
    }

    #[test]
    fn duplicates_are_merged_and_reported_once() {
        let list = InviteList::parse("Ana@x.com ana@X.com ANA@x.com bo@x.com").unwrap();
        assert_eq!(addresses(&list), ["Ana@x.com", "bo@x.com"]);
        assert_eq!(list.duplicates.len(), 1);
        assert_eq!(list.duplicates[0].as_str(), "ana@x.com");
    }

    #[test]
    fn bad_entries_are_reported_and_good_ones_kept() {
        let list = InviteList::parse("ana@x.com, bob@x, carla.x.com, dan@y.org").unwrap();
        assert_eq!(addresses(&list), ["ana@x.com", "dan@y.org"]);
        assert_eq!(
            list.invalid,
            vec![
                InvalidEntry {
                    text: "bob@x".into(),
                    error: EmailError::DomainWithoutDot
                },
                InvalidEntry {
                    text: "carla.x.com".into(),
                    error: EmailError::MissingAt
                },
            ]
        );
    }

    #[test]
    fn a_stray_quote_does_not_swallow_the_list() {
        let list = InviteList::parse("\"ana@x.com, bo@x.com\nca@x.com").unwrap();
        assert!(addresses(&list).contains(&"ca@x.com"), "{list:?}");
        assert!(addresses(&list).contains(&"bo@x.com"), "{list:?}");
    }

    #[test]
    fn at_most_a_thousand_people() {
        let text: Vec<String> = (0..1000).map(|i| format!("p{i}@x.com")).collect();
        assert_eq!(
            InviteList::parse(&text.join(",")).unwrap().addresses.len(),
            1000
        );
        let text: Vec<String> = (0..1001).map(|i| format!("p{i}@x.com")).collect();
        let error = InviteList::parse(&text.join("\n")).unwrap_err();
        assert_eq!(error, InviteListError::TooMany { count: 1001 });
        assert!(error.to_string().contains("at most 1000"), "{error}");
        // Duplicates do not count against the limit.
        let text = vec!["same@x.com"; 2000].join(",");
        assert_eq!(InviteList::parse(&text).unwrap().addresses.len(), 1);
    }

    #[test]
    fn empty_box() {
        let list = InviteList::parse(" ,; \n").unwrap();
        assert!(list.is_empty());
    }

    #[test]
    fn long_lines_of_quotes_and_brackets_are_read_in_linear_time() {
        // A megabyte body of one line of openers: each used to search the rest of the line
        // for its end (minutes of CPU for 160,000 quotes).
        for text in [
            "\"".repeat(1_000_000),
            "<".repeat(1_000_000),
            "\"<".repeat(500_000),
            "a@x.com \"".repeat(100_000),
        ] {
            let started = std::time::Instant::now();
            let _ = InviteList::parse(&text);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{:?} for {} bytes starting {:?}",
                started.elapsed(),
                text.len(),
                &text[..10]
            );
        }
    }

    /// `segments` as it was first written: each opener searched the rest of its line.
    fn segments_reference(text: &str) -> Vec<&str> {
        let hard = |c: char| matches!(c, ',' | ';' | '\n' | '\r');
        let mut out = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let closing = match c {
                '"' => Some('"'),
                '<' => Some('>'),
                _ => None,
            };
            if let Some(close) = closing {
                let rest = &text[i + 1..];
                let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
                if let Some(offset) = rest[..line_end].find(close) {
                    let skip_to = i + 1 + offset;
                    while chars.peek().is_some_and(|&(j, _)| j <= skip_to) {
                        chars.next();
                    }
                    continue;
                }
            }
            if hard(c) {
                let piece = text[start..i].trim();
                if !piece.is_empty() {
                    out.push(piece);
                }
                start = i + c.len_utf8();
            }
        }
        let piece = text[start..].trim();
        if !piece.is_empty() {
            out.push(piece);
        }
        out
    }

    proptest! {
        #[test]
        fn never_panics(text in any::<String>()) {
            let _ = InviteList::parse(&text);
        }

        #[test]
        fn segments_read_as_they_always_did(text in "[a@é\"<>,; \n\r]{0,60}") {
            prop_assert_eq!(segments(&text), segments_reference(&text));
        }

        #[test]
        fn joined_addresses_come_back(names in proptest::collection::vec("[a-z]{1,8}", 1..20), sep in prop::sample::select(vec![",", ";", " ", "\n", ", ", "\t"])) {
            let text: Vec<String> = names.iter().map(|n| format!("{n}@example.com")).collect();
            let list = InviteList::parse(&text.join(sep)).unwrap();
            let mut unique: Vec<String> = Vec::new();
            for t in &text { if !unique.contains(t) { unique.push(t.clone()); } }
            prop_assert_eq!(list.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(), unique);
            prop_assert!(list.invalid.is_empty());
        }
    }
}
