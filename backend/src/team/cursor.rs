//! The Users list's page cursors: where a page is (after or before a row's sort key) and how
//! many people come before it, as one opaque URL-safe string.
//!
//! A cursor belongs to one order: asked for with another sort or direction it is refused,
//! since its key means nothing there. It holds only the sort key of a row the caller has been
//! shown (a lower-case name or address, a date) and numbers, so handing it back reveals
//! nothing new; a forged one can only move the page.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use roster_shared::api::{ErrorCode, PeopleSort, SortOrder};

use crate::db::people::{KeyValue, PersonKey, Seek};
use crate::error::ApiError;

/// A page of the list: where it is, and how many people come before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) seek: Seek,
    pub(crate) start: u64,
}

/// The longest cursor read (a key of at most a few hundred characters, written in base64).
const MOST_CHARS: usize = 1024;

/// A cursor that cannot be read, as every other unreadable query parameter is answered.
fn refused(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidQuery, message)
}

fn sort_letter(sort: PeopleSort) -> char {
    match sort {
        PeopleSort::Name => 'n',
        PeopleSort::Email => 'e',
        PeopleSort::Status => 's',
        PeopleSort::LastSignIn => 'l',
    }
}

fn order_letter(order: SortOrder) -> char {
    match order {
        SortOrder::Asc => 'a',
        SortOrder::Desc => 'd',
    }
}

impl Cursor {
    /// The first page.
    pub(crate) fn first() -> Cursor {
        Cursor {
            seek: Seek::First,
            start: 0,
        }
    }

    /// The cursor's text for a list in the order of `sort` and `order`.
    pub(crate) fn encode(&self, sort: PeopleSort, order: SortOrder) -> String {
        let (direction, key) = match &self.seek {
            Seek::First => return String::new(),
            Seek::After(key) => ('a', key),
            Seek::Before(key) => ('b', key),
        };
        let value = match &key.value {
            None => "-".to_owned(),
            Some(KeyValue::Text(text)) => format!("t{text}"),
            Some(KeyValue::Number(number)) => format!("i{number}"),
        };
        let text = format!(
            "1{direction}{}{}.{}.{}.{}.{value}",
            sort_letter(sort),
            order_letter(order),
            self.start,
            key.segment,
            key.user_id
        );
        URL_SAFE_NO_PAD.encode(text)
    }

    /// Reads a cursor of a list in the order of `sort` and `order`; an empty one is the first
    /// page.
    pub(crate) fn decode(
        text: &str,
        sort: PeopleSort,
        order: SortOrder,
    ) -> Result<Cursor, ApiError> {
        if text.is_empty() {
            return Ok(Cursor::first());
        }
        let unreadable = || {
            refused(
                "This link to a page of the list is not one Roster made; open the list from its first page.",
            )
        };
        if text.len() > MOST_CHARS {
            return Err(unreadable());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| unreadable())?;
        let text = String::from_utf8(bytes).map_err(|_| unreadable())?;
        let mut fields = text.splitn(5, '.');
        let head: Vec<char> = fields.next().ok_or_else(unreadable)?.chars().collect();
        let [version, direction, sort_of, order_of] = head[..] else {
            return Err(unreadable());
        };
        if version != '1' || !matches!(direction, 'a' | 'b') {
            return Err(unreadable());
        }
        if sort_of != sort_letter(sort) || order_of != order_letter(order) {
            return Err(refused(
                "This page belongs to the list in another order; open the list from its first page.",
            ));
        }
        let mut number = || -> Result<&str, ApiError> { fields.next().ok_or_else(unreadable) };
        let start: u64 = number()?.parse().map_err(|_| unreadable())?;
        let segment: u8 = number()?.parse().map_err(|_| unreadable())?;
        let user_id: i64 = number()?.parse().map_err(|_| unreadable())?;
        let value = fields.next().ok_or_else(unreadable)?;
        let value = match value.split_at_checked(1) {
            Some(("-", "")) => None,
            Some(("t", text)) => Some(KeyValue::Text(text.to_owned())),
            Some(("i", number)) => {
                Some(KeyValue::Number(number.parse().map_err(|_| unreadable())?))
            }
            _ => return Err(unreadable()),
        };
        if segment > 3 {
            return Err(unreadable());
        }
        let key = PersonKey {
            segment,
            value,
            user_id,
        };
        Ok(Cursor {
            seek: if direction == 'a' {
                Seek::After(key)
            } else {
                Seek::Before(key)
            },
            start,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(value: Option<KeyValue>) -> PersonKey {
        PersonKey {
            segment: 1,
            value,
            user_id: 42,
        }
    }

    #[test]
    fn a_cursor_reads_back_as_written() {
        for seek in [
            Seek::After(key(Some(KeyValue::Text("zoë o.brien@x".into())))),
            Seek::Before(key(Some(KeyValue::Number(-5)))),
            Seek::After(key(None)),
        ] {
            let cursor = Cursor { seek, start: 150 };
            let text = cursor.encode(PeopleSort::Status, SortOrder::Desc);
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
            );
            assert_eq!(
                Cursor::decode(&text, PeopleSort::Status, SortOrder::Desc).unwrap(),
                cursor
            );
        }
        assert_eq!(
            Cursor::decode("", PeopleSort::Name, SortOrder::Asc).unwrap(),
            Cursor::first()
        );
    }

    #[test]
    fn a_cursor_of_another_order_or_made_up_is_refused() {
        let cursor = Cursor {
            seek: Seek::After(key(Some(KeyValue::Text("ana".into())))),
            start: 50,
        };
        let text = cursor.encode(PeopleSort::Name, SortOrder::Asc);
        assert!(Cursor::decode(&text, PeopleSort::Name, SortOrder::Desc).is_err());
        assert!(Cursor::decode(&text, PeopleSort::Email, SortOrder::Asc).is_err());
        for made_up in [
            "!!",
            "abc",
            &URL_SAFE_NO_PAD.encode("1xna.1.0.1.-"),
            &"A".repeat(2000),
        ] {
            assert!(Cursor::decode(made_up, PeopleSort::Name, SortOrder::Asc).is_err());
        }
    }
}
