//! Entry points for the coverage-guided fuzz targets in `fuzz/`: each parser that a client's
//! bytes (a request, an uploaded file, a header) or an operator's file reach, behind a plain
//! signature, with the properties the target checks. Not part of the server's interface.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::json;

use crate::auth::proxy::{TrustedProxies, client_address};
use crate::scim::filter::{self, Filter, MAX_DEPTH, MAX_TERMS};
use crate::scim::patch;

/// A SCIM filter: parsing never panics or recurses without bound, what parses is no deeper than
/// its limits allow, and matching it against a user never panics either.
pub fn scim_filter(input: &str) {
    let Ok(parsed) = filter::parse(input) else {
        return;
    };
    let (depth, terms) = shape(&parsed);
    // Every group, `not` and `[…]` adds at most three levels to the parsed tree.
    assert!(depth <= 3 * (MAX_DEPTH + 1), "depth {depth} for {input:?}");
    assert!(terms <= MAX_TERMS, "{terms} terms for {input:?}");
    let user = json!({
        "userName": "ana@example.com",
        "active": true,
        "name": { "givenName": "Ana", "familyName": "López" },
        "emails": [{ "value": "ana@example.com", "type": "work", "primary": true }],
        "groups": [{ "value": "1", "display": "Support / Admin" }],
    });
    let _ = filter::matches(&parsed, &user);
}

/// A SCIM PATCH body as it arrives: read as JSON, then into operations, without panicking; at
/// most the operations allowed; every path read prints as text that reads back the same.
pub fn scim_patch(input: &[u8]) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(input) else {
        return;
    };
    let Ok(operations) = patch::parse(&body) else {
        return;
    };
    assert!(operations.len() <= patch::MAX_PATCH_OPERATIONS);
    for operation in operations {
        if let Some(path) = operation.path {
            let printed = path.to_string();
            let again = patch::AttrPath::parse(&printed)
                .unwrap_or_else(|e| panic!("{printed:?} printed from a path no longer reads: {e}"));
            assert_eq!(again.to_string(), printed);
            assert_eq!(
                (&again.schema, &again.attribute, &again.sub_attribute),
                (&path.schema, &path.attribute, &path.sub_attribute)
            );
        }
    }
}

/// A SCIM resource body (a User to create or replace, a Group's members, a PATCH): read as
/// JSON, then as Roster reads it, without panicking; an address read is one that parses again
/// as itself.
pub fn scim_resource(input: &[u8]) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(input) else {
        return;
    };
    if let serde_json::Value::Object(fields) = &body {
        if let Ok(address) = crate::scim::users::address_of(fields) {
            let again = roster_shared::email::EmailAddress::parse(&address.to_string())
                .expect("an address read prints as one");
            assert_eq!(again, address);
        }
        // Read as a PATCH and carried out on the body itself as a User: whatever it says.
        let kept = &crate::scim::users::USER_KEPT;
        if let Ok(operations) = crate::scim::patch::parse(&body) {
            let mut document = kept.keep(fields);
            for operation in &operations {
                let _ = kept.apply(&mut document, operation);
            }
        }
    }
    let _ = crate::scim::users::as_bool(&body["active"]);
    if let Ok(members) = crate::scim::groups::member_ids(&body["members"]) {
        assert!(members.len() <= body["members"].as_array().map_or(1, Vec::len));
    }
}

/// (depth, comparisons and presence tests) of a parsed filter.
fn shape(filter: &Filter) -> (usize, usize) {
    match filter {
        Filter::Compare { .. } | Filter::Present(_) => (1, 1),
        Filter::And(all) | Filter::Or(all) => all
            .iter()
            .map(shape)
            .fold((0, 0), |acc, s| (acc.0.max(s.0 + 1), acc.1 + s.1)),
        Filter::Not(inner) | Filter::Each { filter: inner, .. } => {
            let (depth, terms) = shape(inner);
            (depth + 1, terms)
        }
    }
}

/// A CSV import file: read without panicking, at most 10,000 lines, each with trimmed fields
/// and line numbers that only go up.
pub fn csv_import(input: &str) {
    let Ok(lines) = crate::team::import::read_lines(input) else {
        return;
    };
    assert!(lines.len() <= crate::team::import::MOST_ROWS);
    for pair in lines.windows(2) {
        assert!(pair[0].number < pair[1].number);
    }
    for line in &lines {
        for field in [&line.email, &line.role, &line.account] {
            assert_eq!(field.trim(), field.as_str());
            assert!(field.chars().count() <= crate::team::import::MOST_FIELD_CHARS + 1);
        }
        // The fields then meet the shared rules, which must not panic either.
        let _ = roster_shared::email::EmailAddress::parse(&line.email);
        let _ = roster_shared::role::Role::parse(&line.role);
    }
}

/// The operator's plans file (TOML): read without panicking; what is accepted has plans.
pub fn plans_file(input: &str) {
    if let Ok(plans) = crate::plans::Plans::parse(input) {
        assert!(!plans.all().is_empty());
    }
}

/// `X-Forwarded-For` as the trusted proxies' client sees it: the address found is the peer's
/// own unless the peer is a trusted proxy.
pub fn forwarded_for(peer: IpAddr, forwarded: &str, trusted: &str) {
    let Ok(trusted) = trusted.parse::<TrustedProxies>() else {
        return;
    };
    let found = client_address(peer, [forwarded], &trusted);
    if !trusted.contains(peer) {
        assert_eq!(found, peer.to_canonical());
    }
}

/// `Cookie` headers: the session token found is one of the values sent, never invented.
pub fn session_cookie(headers: &[&[u8]]) {
    let mut map = HeaderMap::new();
    for value in headers {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.append(header::COOKIE, value);
        }
    }
    if let Some(token) = crate::auth::session::session_token(&map) {
        assert!(
            headers
                .iter()
                .any(|h| String::from_utf8_lossy(h).contains(token)),
            "{token:?} was not sent"
        );
    }
}
