//! What an error message quotes of the text it refuses: enough to recognise it, never the
//! whole of whatever was sent (a message may be shown, logged and sent back many times); and
//! [`cut`], the same for any length.

/// Most characters of a refused text quoted in a message.
pub const MOST_QUOTED_CHARS: usize = 40;

/// `text`, or its first [`MOST_QUOTED_CHARS`] characters and "…".
pub fn excerpt(text: &str) -> String {
    cut(text, MOST_QUOTED_CHARS)
}

/// `text`, or its first `most` characters (never splitting one) and "…".
pub fn cut(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_quoted_whole_and_long_ones_cut_on_a_character() {
        assert_eq!(excerpt("supervisor"), "supervisor");
        let long = "é".repeat(MOST_QUOTED_CHARS + 1);
        assert_eq!(
            excerpt(&long),
            format!("{}…", "é".repeat(MOST_QUOTED_CHARS))
        );
        assert_eq!(
            excerpt(&"x".repeat(MOST_QUOTED_CHARS)),
            "x".repeat(MOST_QUOTED_CHARS)
        );
    }
}
