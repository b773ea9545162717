//! SCIM PATCH bodies (RFC 7644 §3.5.2), read into typed operations before anything changes:
//! a body that cannot be read changes nothing, whatever its first operations said.
//!
//! # Limits
//!
//! - At most [`MAX_PATCH_OPERATIONS`] operations per body (each may touch the database).
//! - A path is at most [`MAX_PATH_BYTES`] long; the filter of a value path (`emails[type eq
//!   "work"]`) is a SCIM filter with that grammar's own limits ([`filter`]).
//! - The JSON itself was read by `serde_json`, which refuses nesting beyond 128 levels, within
//!   the request body limit.

use std::fmt;

use roster_shared::excerpt::excerpt;
use serde_json::Value;

use super::filter::{self, Filter};
use super::{PATCH_SCHEMA, ScimError};

/// Most operations in one PATCH: each may touch the database, and an identity provider sends a
/// handful (a group's members are one operation with many values).
pub(crate) const MAX_PATCH_OPERATIONS: usize = 100;
/// Longest attribute path read, in bytes: a schema URN, an attribute, a filter, a
/// sub-attribute. Providers send a few dozen.
pub(crate) const MAX_PATH_BYTES: usize = 1024;

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchKind {
    Add,
    Replace,
    Remove,
}

impl PatchKind {
    /// `op`, in any case: RFC 7644 writes `add`, Microsoft Entra ID sends `Add`.
    fn parse(op: &str) -> Option<PatchKind> {
        [
            ("add", PatchKind::Add),
            ("replace", PatchKind::Replace),
            ("remove", PatchKind::Remove),
        ]
        .into_iter()
        .find(|(name, _)| op.eq_ignore_ascii_case(name))
        .map(|(_, kind)| kind)
    }
}

/// One operation of a PATCH.
#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) kind: PatchKind,
    /// `None`: the value is an object of attributes to add or replace.
    pub(crate) path: Option<AttrPath>,
    pub(crate) value: Value,
}

/// An attribute path: `[schema ":"] attribute ["[" filter "]"] ["." sub-attribute]`, for
/// example `active`, `name.givenName`, `emails[type eq "work"].value`,
/// `members[value eq "42"]`, or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
#[derive(Debug)]
pub(crate) struct AttrPath {
    /// The schema URN the attribute is named in, if it is named with one.
    pub(crate) schema: Option<String>,
    pub(crate) attribute: String,
    /// The value filter, as written (trimmed) and as parsed.
    pub(crate) filter: Option<(String, Filter)>,
    pub(crate) sub_attribute: Option<String>,
}

impl AttrPath {
    pub(crate) fn parse(text: &str) -> Result<AttrPath, String> {
        if text.len() > MAX_PATH_BYTES {
            return Err(format!(
                "A path is at most {MAX_PATH_BYTES} bytes long; this one has {}.",
                text.len()
            ));
        }
        let text = text.trim();
        // What the messages below quote of the path.
        let quoted = excerpt(text);
        let (head, filter, tail) = match text.find('[') {
            None => (text, None, None),
            Some(open) => {
                // The filter may hold `]` inside quoted values: the path's own `]` is the last.
                let close = text
                    .rfind(']')
                    .filter(|close| *close > open)
                    .ok_or_else(|| format!("The path “{quoted}” opens a [ it does not close."))?;
                let inner = text[open + 1..close].trim();
                let parsed = filter::parse(inner)
                    .map_err(|e| format!("The filter in the path “{quoted}”: {e}"))?;
                let rest = &text[close + 1..];
                let tail = match rest {
                    "" => None,
                    _ => Some(rest.strip_prefix('.').ok_or_else(|| {
                        format!(
                            "The path “{quoted}” has “{}” after its filter.",
                            excerpt(rest)
                        )
                    })?),
                };
                (&text[..open], Some((inner.to_owned(), parsed)), tail)
            }
        };
        // A schema URN ends at its last colon; the attribute follows.
        let (schema, name) = match head.rfind(':') {
            Some(colon) => {
                let urn = &head[..colon];
                if !urn
                    .get(..4)
                    .is_some_and(|prefix| prefix.eq_ignore_ascii_case("urn:"))
                    || urn.chars().any(|c| c.is_whitespace() || c == '"')
                {
                    return Err(format!("“{}” is not a schema URN.", excerpt(urn)));
                }
                (Some(urn.to_owned()), &head[colon + 1..])
            }
            None => (None, head),
        };
        let (attribute, sub_attribute) = match (name.split_once('.'), tail) {
            (Some(_), _) if filter.is_some() => {
                return Err(format!(
                    "The path “{quoted}” names a sub-attribute before its filter."
                ));
            }
            // Without a filter there is no tail.
            (Some((attribute, sub)), _) => (attribute, Some(sub)),
            (None, tail) => (name, tail),
        };
        for part in std::iter::once(attribute).chain(sub_attribute) {
            if !is_attribute_name(part) {
                return Err(format!(
                    "“{}” in the path “{quoted}” is not an attribute name.",
                    excerpt(part)
                ));
            }
        }
        Ok(AttrPath {
            schema,
            attribute: attribute.to_owned(),
            filter,
            sub_attribute: sub_attribute.map(str::to_owned),
        })
    }

    /// Whether this is plainly `attribute` (any case, with or without a schema URN): no filter,
    /// no sub-attribute.
    pub(crate) fn is(&self, attribute: &str) -> bool {
        self.filter.is_none()
            && self.sub_attribute.is_none()
            && self.attribute.eq_ignore_ascii_case(attribute)
    }

    /// Whether this names `attribute` or something within it (a sub-attribute, or values of it).
    pub(crate) fn within(&self, attribute: &str) -> bool {
        self.attribute.eq_ignore_ascii_case(attribute)
    }
}

/// RFC 7643 §2.1: `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`;
/// `$ref` is the one name that starts otherwise.
fn is_attribute_name(name: &str) -> bool {
    name == "$ref"
        || name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}:")?;
        }
        f.write_str(&self.attribute)?;
        if let Some((text, _)) = &self.filter {
            write!(f, "[{text}]")?;
        }
        if let Some(sub) = &self.sub_attribute {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// The operations of a PATCH body, all read before any is carried out.
pub(crate) fn parse(body: &Value) -> Result<Vec<Operation>, ScimError> {
    if !body["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|v| v == PATCH_SCHEMA))
    {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("A PATCH names the schema {PATCH_SCHEMA}."),
        ));
    }
    // Some providers write `operations`.
    let operations = body
        .get("Operations")
        .or_else(|| body.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad("invalidSyntax", "Operations is required."))?;
    if operations.len() > MAX_PATCH_OPERATIONS {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!(
                "A PATCH holds at most {MAX_PATCH_OPERATIONS} operations; this one has {}.",
                operations.len()
            ),
        ));
    }
    operations
        .iter()
        .enumerate()
        .map(|(n, operation)| read_operation(n + 1, operation))
        .collect()
}

fn read_operation(number: usize, operation: &Value) -> Result<Operation, ScimError> {
    let op = operation["op"].as_str().unwrap_or_default();
    let kind = PatchKind::parse(op).ok_or_else(|| {
        ScimError::bad(
            "invalidSyntax",
            format!(
                "Operation {number}: op is add, replace or remove, not “{}”.",
                excerpt(op)
            ),
        )
    })?;
    let path = match &operation["path"] {
        Value::Null => None,
        Value::String(text) if text.trim().is_empty() => None,
        Value::String(text) => Some(
            AttrPath::parse(text)
                .map_err(|e| ScimError::bad("invalidPath", format!("Operation {number}: {e}")))?,
        ),
        _ => {
            return Err(ScimError::bad(
                "invalidPath",
                format!("Operation {number}: path is a string."),
            ));
        }
    };
    let value = operation.get("value").cloned().unwrap_or(Value::Null);
    match (kind, &path, &value) {
        (PatchKind::Remove, None, _) => Err(ScimError::bad(
            "noTarget",
            format!("Operation {number}: remove needs a path."),
        )),
        (PatchKind::Add | PatchKind::Replace, None, value) if !value.is_object() => {
            Err(ScimError::bad(
                "invalidValue",
                format!(
                    "Operation {number}: without a path, the value is an object of attributes."
                ),
            ))
        }
        (PatchKind::Add | PatchKind::Replace, Some(_), Value::Null) => Err(ScimError::bad(
            "invalidValue",
            format!("Operation {number}: {op} needs a value."),
        )),
        _ => Ok(Operation { kind, path, value }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(text: &str) -> AttrPath {
        AttrPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn paths_read_as_providers_write_them() {
        let plain = path("active");
        assert!(plain.is("active") && plain.schema.is_none());
        let sub = path("name.givenName");
        assert_eq!(sub.attribute, "name");
        assert_eq!(sub.sub_attribute.as_deref(), Some("givenName"));
        assert!(!sub.is("name") && sub.within("NAME"));
        let valued = path(r#"emails[type eq "work"].value"#);
        assert_eq!(valued.attribute, "emails");
        assert_eq!(valued.filter.as_ref().unwrap().0, r#"type eq "work""#);
        assert_eq!(valued.sub_attribute.as_deref(), Some("value"));
        let member = path(r#"members[value eq "4]2"]"#);
        assert_eq!(member.filter.as_ref().unwrap().0, r#"value eq "4]2""#);
        let urn = path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager");
        assert_eq!(
            urn.schema.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert!(urn.is("manager"));
        assert!(path("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName").within("name"));
    }

    #[test]
    fn paths_print_as_they_read() {
        for text in [
            "active",
            "name.givenName",
            r#"emails[type eq "work"].value"#,
            r#"members[value eq "42"]"#,
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        ] {
            assert_eq!(path(text).to_string(), text);
        }
    }

    #[test]
    fn unreadable_paths_say_why() {
        for (text, says) in [
            ("emails[type eq \"work\"", "does not close"),
            ("emails[type eq]", "filter"),
            ("emails[type pr]x", "after its filter"),
            ("name.givenName[type pr]", "before its filter"),
            ("9lives", "not an attribute name"),
            ("na me", "not an attribute name"),
            ("http://x:active", "not a schema URN"),
            ("", "not an attribute name"),
        ] {
            let error = AttrPath::parse(text).unwrap_err();
            assert!(error.contains(says), "{text:?}: {error}");
        }
        let long = "a".repeat(MAX_PATH_BYTES + 1);
        assert!(
            AttrPath::parse(&long)
                .unwrap_err()
                .contains("at most 1024 bytes")
        );
    }

    #[test]
    fn a_body_is_read_whole_before_anything_is_done() {
        let body =
            |operations: Value| json!({ "schemas": [PATCH_SCHEMA], "Operations": operations });
        let read = parse(&body(json!([
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "add", "value": { "active": true } },
            { "op": "remove", "path": "members[value eq \"7\"]" },
        ])))
        .unwrap();
        assert_eq!(
            read.iter().map(|o| o.kind).collect::<Vec<_>>(),
            [PatchKind::Replace, PatchKind::Add, PatchKind::Remove]
        );
        // A bad third operation refuses the whole body, naming it.
        for (operations, says) in [
            (
                json!([{ "op": "add", "path": "active", "value": true }, {}, {}]),
                "Operation 2",
            ),
            (json!([{ "op": "move", "path": "active" }]), "not “move”"),
            (json!([{ "op": "remove" }]), "remove needs a path"),
            (json!([{ "op": "add", "value": 3 }]), "object of attributes"),
            (
                json!([{ "op": "replace", "path": "active" }]),
                "needs a value",
            ),
            (
                json!([{ "op": "add", "path": 7, "value": 1 }]),
                "path is a string",
            ),
        ] {
            let error = parse(&body(operations)).unwrap_err();
            assert!(error.detail.contains(says), "{error:?}");
        }
        let too_many = vec![json!({ "op": "remove", "path": "x" }); MAX_PATCH_OPERATIONS + 1];
        assert!(
            parse(&body(Value::from(too_many)))
                .unwrap_err()
                .detail
                .contains("at most 100")
        );
        assert!(
            parse(&json!({ "Operations": [] })).is_err(),
            "the schema is named"
        );
    }
}
