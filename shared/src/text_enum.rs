//! `text_enum!`: a closed set of values written as fixed texts on the wire and in the database
//! (error codes, audit actions). Each value is written as its text, and read back only from
//! one of the texts: an unknown text is an error, never a default.

/// Defines `enum $name` with its texts: `ALL`, `as_str`, `parse`, `Display`, comparison with
/// the text, serde as the text, and (with `openapi`) a string-enum schema.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$doc:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$doc])* $variant, )*
        }

        impl $name {
            /// Every value, in the order written.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value's text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The value written `text`, if there is one.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        /// Reading a stored or sent text: an unknown one is an error that quotes it.
        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<Self, String> {
                $name::parse(&text).ok_or_else(|| {
                    format!("“{}” is not {}", crate::excerpt::excerpt(&text), $what)
                })
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::try_from(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some($name::ALL.iter().map(|value| value.as_str())))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use text_enum;

/// What every `text_enum!` type promises, checked over all its values: each is written as its
/// text, reads back from it (and only from it), and no two share a text; an unknown text is
/// refused in words that name `what`.
#[cfg(test)]
pub(crate) fn assert_texts_round_trip<T>(all: &[T], what: &str)
where
    T: Copy
        + std::fmt::Debug
        + std::fmt::Display
        + PartialEq
        + serde::Serialize
        + serde::de::DeserializeOwned,
{
    let mut seen = std::collections::HashSet::new();
    for value in all {
        let text = value.to_string();
        let written = serde_json::to_string(value).unwrap();
        assert_eq!(written, format!("\"{text}\""), "{value:?}");
        assert_eq!(serde_json::from_str::<T>(&written).unwrap(), *value);
        assert!(seen.insert(text), "{value} twice");
    }
    let unknown = serde_json::from_str::<T>("\"no.such_value\"").unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains(&format!("“no.such_value” is not {what}")),
        "{unknown}"
    );
}
