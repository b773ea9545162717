//! A resource's attributes as the identity provider wrote them, changed by PATCH operations
//! (RFC 7644 §3.5.2) in every shape providers send: with and without `path`, a value object
//! keyed by attribute paths (`"name.givenName"`, schema-qualified names), value filters
//! (`emails[type eq "work"].value`, creating the value a `replace` names when none matches, as
//! Microsoft Entra ID expects), and `remove` of multi-valued values given in `value`.
//!
//! Attributes a resource type does not keep are accepted and left out (RFC 7644 §3.5.2 lets a
//! service provider ignore what it does not support); what is kept reads back as it was sent.

use serde_json::{Map, Value};

use super::ScimError;
use super::filter::{self, Filter, Op};
use super::patch::{AttrPath, Operation, PatchKind};

/// The attributes a resource type keeps: their names as the schema spells them, and whether
/// each is multi-valued.
pub(crate) struct Kept {
    /// The resource type's schema URN: a path qualified with it names its own attributes.
    pub(crate) schema: &'static str,
    pub(crate) attributes: &'static [(&'static str, bool)],
}

impl Kept {
    /// The schema's spelling of `name` (attribute names are case-insensitive, RFC 7643 §2.1),
    /// and whether it is multi-valued; `None` for an attribute not kept.
    fn find(&self, name: &str) -> Option<(&'static str, bool)> {
        self.attributes
            .iter()
            .find(|(kept, _)| kept.eq_ignore_ascii_case(name))
            .copied()
    }

    /// Only the attributes kept, under the schema's spelling; the rest left out.
    pub(crate) fn keep(&self, body: &Map<String, Value>) -> Map<String, Value> {
        let mut kept = Map::new();
        for (key, value) in body {
            if let Some((name, _)) = self.find(key)
                && !value.is_null()
            {
                kept.insert(name.to_owned(), value.clone());
            }
        }
        kept
    }

    /// Carries out `operation` on `document`.
    pub(crate) fn apply(
        &self,
        document: &mut Map<String, Value>,
        operation: &Operation,
    ) -> Result<(), ScimError> {
        match &operation.path {
            Some(path) => self.apply_at(document, operation.kind, path, &operation.value),
            None => {
                // `{"op": "replace", "value": {"active": false, "name.givenName": "Ana"}}`: each
                // key a path of its own.
                let Value::Object(values) = &operation.value else {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "Without a path, the value is an object of attributes.",
                    ));
                };
                for (key, value) in values {
                    let path =
                        AttrPath::parse(key).map_err(|e| ScimError::bad("invalidPath", e))?;
                    if value.is_null() {
                        continue;
                    }
                    self.apply_at(document, operation.kind, &path, value)?;
                }
                Ok(())
            }
        }
    }

    fn apply_at(
        &self,
        document: &mut Map<String, Value>,
        kind: PatchKind,
        path: &AttrPath,
        value: &Value,
    ) -> Result<(), ScimError> {
        if path
            .schema
            .as_deref()
            .is_some_and(|schema| !schema.eq_ignore_ascii_case(self.schema))
        {
            // An extension's attribute (`…:enterprise:2.0:User:employeeNumber`): not kept.
            return Ok(());
        }
        let Some((name, multi)) = self.find(&path.attribute) else {
            return Ok(());
        };
        match (&path.filter, &path.sub_attribute) {
            (None, None) => {
                set_whole(document, name, multi, kind, value);
                Ok(())
            }
            (None, Some(sub)) => {
                set_sub(document, name, sub, kind, value);
                Ok(())
            }
            (Some((_, filter)), sub) => {
                set_filtered(document, name, filter, sub.as_deref(), kind, value)
            }
        }
    }
}

/// `add`, `replace` or `remove` of a whole attribute.
fn set_whole(
    document: &mut Map<String, Value>,
    name: &str,
    multi: bool,
    kind: PatchKind,
    value: &Value,
) {
    match kind {
        PatchKind::Remove => {
            // `{"op": "remove", "path": "members", "value": [{"value": "42"}]}` removes those
            // values only (Microsoft Entra ID); without a value, the whole attribute goes.
            match (multi, value) {
                (true, Value::Array(gone)) if !gone.is_empty() => {
                    if let Some(Value::Array(values)) = document.get_mut(name) {
                        values.retain(|v| !gone.iter().any(|g| same_value(v, g)));
                        if values.is_empty() {
                            document.remove(name);
                        }
                    }
                }
                _ => {
                    document.remove(name);
                }
            }
        }
        PatchKind::Add if multi => {
            let added = as_values(value);
            let values = document
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if !values.is_array() {
                *values = Value::Array(Vec::new());
            }
            if let Value::Array(values) = values {
                for new in added {
                    if !values.iter().any(|v| same_value(v, &new)) {
                        values.push(new);
                    }
                }
            }
        }
        PatchKind::Replace if multi => {
            document.insert(name.to_owned(), Value::Array(as_values(value)));
        }
        PatchKind::Add | PatchKind::Replace => match (document.get_mut(name), value) {
            // A complex attribute's sub-attributes are merged (RFC 7644 §3.5.2.1 and .3).
            (Some(Value::Object(current)), Value::Object(new)) => {
                for (key, sub) in new {
                    if sub.is_null() {
                        current.remove(key);
                    } else {
                        current.insert(key.clone(), sub.clone());
                    }
                }
            }
            _ => {
                document.insert(name.to_owned(), value.clone());
            }
        },
    }
}

/// `name.givenName`: a sub-attribute of a single complex attribute.
fn set_sub(
    document: &mut Map<String, Value>,
    name: &str,
    sub: &str,
    kind: PatchKind,
    value: &Value,
) {
    match kind {
        PatchKind::Remove => {
            if let Some(Value::Object(current)) = document.get_mut(name) {
                if let Some(key) = key_in(current, sub) {
                    current.remove(&key);
                }
                // No `name: {}` left behind: the attribute is gone with its last part.
                if current.is_empty() {
                    document.remove(name);
                }
            }
        }
        PatchKind::Add | PatchKind::Replace => {
            let current = document
                .entry(name.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !current.is_object() {
                *current = Value::Object(Map::new());
            }
            if let Value::Object(current) = current {
                let key = key_in(current, sub).unwrap_or_else(|| sub.to_owned());
                current.insert(key, value.clone());
            }
        }
    }
}

/// `emails[type eq "work"]` or `emails[type eq "work"].value`: the values the filter matches.
fn set_filtered(
    document: &mut Map<String, Value>,
    name: &str,
    filter: &Filter,
    sub: Option<&str>,
    kind: PatchKind,
    value: &Value,
) -> Result<(), ScimError> {
    let values = match document.get_mut(name) {
        Some(Value::Array(values)) => values,
        _ => {
            document.insert(name.to_owned(), Value::Array(Vec::new()));
            match document.get_mut(name) {
                Some(Value::Array(values)) => values,
                _ => unreachable!("just inserted"),
            }
        }
    };
    let mut matched = 0;
    match kind {
        PatchKind::Remove => match sub {
            None => values.retain(|v| !filter::matches(filter, v)),
            Some(sub) => {
                for v in values.iter_mut().filter(|v| filter::matches(filter, v)) {
                    if let Value::Object(object) = v {
                        object.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                    }
                }
            }
        },
        PatchKind::Add | PatchKind::Replace => {
            for v in values.iter_mut() {
                if !filter::matches(filter, v) {
                    continue;
                }
                matched += 1;
                match (sub, v) {
                    (Some(sub), Value::Object(object)) => {
                        let key = key_in(object, sub).unwrap_or_else(|| sub.to_owned());
                        object.insert(key, value.clone());
                    }
                    (None, v) => match (v, value) {
                        (Value::Object(object), Value::Object(new)) => {
                            for (key, sub) in new {
                                object.insert(key.clone(), sub.clone());
                            }
                        }
                        (v, value) => *v = value.clone(),
                    },
                    (Some(_), _) => {}
                }
            }
            if matched == 0 {
                // `replace` of `emails[type eq "work"].value` where there is no work address:
                // one is added, `{"type": "work", "value": …}` (Microsoft Entra ID sends this for
                // a person's first address of a kind).
                let Some(mut created) = created_by(filter) else {
                    return Err(ScimError::bad(
                        "noTarget",
                        format!("No value of {name} matches the path's filter."),
                    ));
                };
                match (sub, value) {
                    (Some(sub), value) => {
                        created.insert(sub.to_owned(), value.clone());
                    }
                    (None, Value::Object(new)) => {
                        for (key, sub) in new {
                            created.insert(key.clone(), sub.clone());
                        }
                    }
                    (None, _) => {
                        return Err(ScimError::bad(
                            "invalidValue",
                            format!("A value of {name} is an object."),
                        ));
                    }
                }
                values.push(Value::Object(created));
            }
        }
    }
    if values.is_empty() {
        document.remove(name);
    }
    Ok(())
}

/// The value a filter of equalities names (`type eq "work"`, `type eq "work" and primary eq
/// true`), to be created when none matches; `None` for any other filter.
fn created_by(filter: &Filter) -> Option<Map<String, Value>> {
    let mut created = Map::new();
    let mut add = |filter: &Filter| match filter {
        Filter::Compare {
            path,
            op: Op::Eq,
            value,
        } if !path.contains('.') => {
            created.insert(path.clone(), value.clone());
            true
        }
        _ => false,
    };
    let all = match filter {
        Filter::And(all) => all.iter().all(&mut add),
        other => add(other),
    };
    all.then_some(created)
}

/// The key of `object` that is `name` in any case (sub-attribute names are case-insensitive).
fn key_in(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

/// The values of an `add` or `replace`: an array, or one value (Entra sends either).
fn as_values(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(values) => values.iter().filter(|v| !v.is_null()).cloned().collect(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

/// Whether two values of a multi-valued attribute are the same one: by their `value` when
/// both have one (a member is its id, whatever `display` says), else equal.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::patch;

    const USER: Kept = Kept {
        schema: "urn:ietf:params:scim:schemas:core:2.0:User",
        attributes: &[
            ("userName", false),
            ("name", false),
            ("displayName", false),
            ("emails", true),
            ("active", false),
            ("members", true),
        ],
    };

    fn patched(document: Value, operations: Value) -> Result<Value, ScimError> {
        let mut document = match document {
            Value::Object(map) => map,
            _ => panic!("an object"),
        };
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        });
        for operation in patch::parse(&body)? {
            USER.apply(&mut document, &operation)?;
        }
        Ok(Value::Object(document))
    }

    #[test]
    fn entra_replaces_a_work_address_and_creates_it_when_missing() {
        let ops = json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ana@example.com"}]);
        assert_eq!(
            patched(
                json!({"emails": [{"type": "work", "value": "old@example.com", "primary": true}]}),
                ops.clone()
            )
            .unwrap(),
            json!({"emails": [{"type": "work", "value": "ana@example.com", "primary": true}]})
        );
        assert_eq!(
            patched(
                json!({"emails": [{"type": "home", "value": "h@example.com"}]}),
                ops
            )
            .unwrap(),
            json!({"emails": [{"type": "home", "value": "h@example.com"}, {"type": "work", "value": "ana@example.com"}]})
        );
    }

    #[test]
    fn a_value_object_without_path_takes_dotted_and_qualified_keys_and_ignores_the_rest() {
        let ops = json!([{"op": "replace", "value": {
            "displayName": "Ana",
            "name.givenName": "Ana",
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName": "Lima",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "7",
            "id": "42",
            "active": false,
        }}]);
        assert_eq!(
            patched(json!({"userName": "ana", "name": {"givenName": "A"}}), ops).unwrap(),
            json!({"userName": "ana", "displayName": "Ana", "name": {"givenName": "Ana", "familyName": "Lima"}, "active": false})
        );
    }

    #[test]
    fn members_are_added_once_and_removed_by_filter_or_by_value() {
        let start = json!({"members": [{"value": "1"}, {"value": "2"}, {"value": "3"}]});
        let ops = json!([
            {"op": "add", "path": "members", "value": [{"value": "3", "display": "C"}, {"value": "4", "$ref": null}]},
            {"op": "remove", "path": "members[value eq \"1\"]"},
            {"op": "Remove", "path": "members", "value": [{"value": "2"}]},
        ]);
        assert_eq!(
            patched(start, ops).unwrap(),
            json!({"members": [{"value": "3"}, {"value": "4", "$ref": null}]})
        );
    }

    #[test]
    fn removing_the_last_part_leaves_no_empty_attribute() {
        let ops =
            json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "emails"}]);
        assert_eq!(
            patched(json!({"userName": "u", "name": {"givenName": "A"}, "emails": [{"value": "a@b.c"}]}), ops).unwrap(),
            json!({"userName": "u"})
        );
    }

    #[test]
    fn a_replace_of_a_complex_attribute_merges_and_a_filter_that_creates_nothing_is_refused() {
        assert_eq!(
            patched(
                json!({"name": {"givenName": "A", "familyName": "B"}}),
                json!([{"op": "replace", "path": "name", "value": {"givenName": "C"}}])
            )
            .unwrap(),
            json!({"name": {"givenName": "C", "familyName": "B"}})
        );
        let error = patched(
            json!({"emails": []}),
            json!([{"op": "replace", "path": "emails[value sw \"a\"].type", "value": "work"}]),
        )
        .unwrap_err();
        assert!(format!("{error:?}").contains("noTarget"), "{error:?}");
    }
}
