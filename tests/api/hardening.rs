//! What every answer carries and never carries: security headers, the API document matching
//! the routes, request size limits, and no internal error text.

use roster_shared::api::ErrorBody;
use roster_tests::{Engine, TestApp, engines, expect_json};

engines!(
    every_response_carries_the_security_headers,
    every_documented_operation_is_served,
    oversized_bodies_are_refused_in_the_error_shape,
    internal_failures_never_show_their_cause,
    every_operation_takes_exactly_the_credentials_it_documents,
    every_string_a_client_sends_has_a_limit,
    a_stored_value_roster_does_not_know_is_an_error_not_a_default,
);

/// Longer than any string field Roster keeps (the longest, a message preview, keeps 500
/// characters; an address is at most 254), yet well within the body limit.
const LONG_FIELD: usize = 20_000;
/// Operations that store nothing: they may answer 200, with what they were sent cut short.
const READ_ONLY_PREVIEWS: [&str; 1] = ["/api/v1/accounts/{id}/invitations/preview"];
/// Long for a query parameter, yet within the 64 KiB request head: the handler reads it.
const LONG_PARAMETER: usize = 20_000;

/// A request body for `schema` in which every free string is [`LONG_FIELD`] characters long and
/// everything else is plausible: enums take their first value, numbers 1, arrays one item.
fn long_strings_for(
    schema: &serde_json::Value,
    document: &serde_json::Value,
    depth: usize,
) -> serde_json::Value {
    use serde_json::{Value, json};
    if depth > 8 {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return long_strings_for(
            &document["components"]["schemas"][name],
            document,
            depth + 1,
        );
    }
    for choice in ["oneOf", "anyOf"] {
        if let Some(variants) = schema[choice].as_array() {
            let variant = variants
                .iter()
                .find(|v| v["type"] != "null")
                .unwrap_or(&Value::Null);
            return long_strings_for(variant, document, depth + 1);
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for part in parts {
            if let Value::Object(fields) = long_strings_for(part, document, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ if schema["properties"].is_object() => vec!["object"],
        _ => vec![],
    };
    match types.iter().find(|t| **t != "null").copied() {
        Some("string") => Value::from("x".repeat(LONG_FIELD)),
        Some("integer") | Some("number") => json!(1),
        Some("boolean") => json!(false),
        Some("array") => json!([long_strings_for(&schema["items"], document, depth + 1)]),
        Some("object") => Value::Object(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, property)| {
                    (
                        name.clone(),
                        long_strings_for(property, document, depth + 1),
                    )
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

async fn every_response_carries_the_security_headers(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    for path in [
        "/api/v1/health",
        "/api/v1/nothing",
        "/api/v1/session",
        "/api/openapi.json",
        "/scim/v2/Users",
        "/",
        "/users/anything",
        "/missing.js",
    ] {
        let response = app.api.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let sources: Vec<&str> = csp.split([' ', ';']).collect();
        assert!(
            !sources.contains(&"'unsafe-inline'") && !sources.contains(&"'unsafe-eval'"),
            "{path}: {csp}"
        );
    }
    // The app's page allows only its own origin (and compiling wasm).
    let page = app.api.get("/").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("'wasm-unsafe-eval'"),
        "{csp}"
    );
    app.stop().await;
}

async fn every_documented_operation_is_served(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let document: serde_json::Value = app.api.get_ok("/api/openapi.json").await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut operations = 0;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(ids.insert(id.clone()), "operationId {id} twice");
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            // A path parameter is one the path has; the rest are in the query, and optional
            // unless the handler refuses a request without them.
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                if parameter["in"] == "path" {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name} is documented in the path"
                    );
                }
            }
            let concrete = path
                .replace("{id}", "1")
                .replace("{user}", "1")
                .replace("{token}", "1");
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = app
                .api
                .request(method.clone(), &concrete)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let streaming = response.headers().get("content-type").is_some_and(|v| {
                v.to_str()
                    .unwrap_or_default()
                    .starts_with("text/event-stream")
            });
            // An event stream never ends: its opening is the proof it is routed.
            let text = if streaming {
                String::new()
            } else {
                response.text().await.unwrap()
            };
            // Whatever it answers, it is not the router saying the endpoint does not exist.
            assert_ne!(
                status, 405,
                "{method} {path} is documented but not routed: {text}"
            );
            assert!(
                !text.contains("There is no API endpoint at this address"),
                "{method} {path} is documented but not routed"
            );
            operations += 1;
        }
    }
    assert!(operations >= 50, "{operations} operations documented");
    // Every schema the operations refer to exists.
    let text = document.to_string();
    let mut missing: Vec<String> = text
        .split("#/components/schemas/")
        .skip(1)
        .map(|reference| {
            reference
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !document["components"]["schemas"][name].is_object())
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "schemas referred to but missing: {missing:?}"
    );
    app.stop().await;
}

async fn oversized_bodies_are_refused_in_the_error_shape(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.set_up().await;
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let response = app
        .api
        .request(reqwest::Method::PUT, "/api/v1/me/name")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.code, "payload_too_large");
    app.stop().await;
}

async fn internal_failures_never_show_their_cause(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    // Break the database under the server.
    app.execute("DROP TABLE audit_log").await;
    let response = app
        .api
        .get(&format!("/api/v1/accounts/{}/audit", acme.0))
        .await;
    assert_eq!(response.status(), 500);
    let text = response.text().await.unwrap();
    let body: ErrorBody = serde_json::from_str(&text).unwrap();
    assert_eq!(body.code, "internal");
    assert_eq!(
        body.message,
        "Something went wrong on our side. Please try again."
    );
    for leak in ["audit_log", "SQL", "sqlx", "table", "relation"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    let _ = expect_json::<serde_json::Value>;
    app.stop().await;
}

/// The document says, per operation, whether it is public, takes a session, or takes a session
/// or an API token. Every operation is called without credentials and with a valid Owner token:
/// the server must agree with the document everywhere (401 exactly where credentials are
/// missing or of the wrong kind).
async fn every_operation_takes_exactly_the_credentials_it_documents(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    // Operations run against a throwaway sub-account and ids that do not exist, so whatever the
    // server does after checking credentials changes nothing that matters here.
    let scratch = app.sub_account(acme, "Scratch").await;
    let token = app
        .api
        .api_token(acme, "Credentials", roster_shared::role::Role::Owner)
        .await;
    let document: serde_json::Value = app.api.get_ok("/api/openapi.json").await;
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["token"]["scheme"], "bearer");
    let anonymous = reqwest::Client::new();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let requirements = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} documents no security"));
            let public = requirements
                .iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
            let takes_token = requirements.iter().any(|r| r.get("token").is_some());
            let url = app.url(
                &path
                    .replace("{id}", &scratch.0.to_string())
                    .replace("{user}", "999999")
                    .replace("{token}", "999999"),
            );
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let is_get = method == reqwest::Method::GET;
            let send = |request: reqwest::RequestBuilder| async move {
                let request = if is_get {
                    request
                } else {
                    request.json(&serde_json::json!({}))
                };
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                // The event stream stays open: its status is all that matters.
                drop(response);
                status
            };
            let without = send(anonymous.request(method.clone(), &url)).await;
            if public {
                assert_ne!(without, 401, "{method} {path} is documented as public");
            } else {
                assert_eq!(without, 401, "{method} {path} answered without credentials");
            }
            let with_token = send(
                anonymous
                    .request(method.clone(), &url)
                    .bearer_auth(&token.token),
            )
            .await;
            if public || takes_token {
                assert_ne!(
                    with_token, 401,
                    "{method} {path} is documented to take a token"
                );
            } else {
                assert_eq!(
                    with_token, 401,
                    "{method} {path} is documented as session-only"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} operations checked");
}

/// Every documented operation is sent its body with every free string far longer than any
/// Roster keeps, and its string query parameters long too. A body is refused (4xx, never
/// stored and never a server failure), a query parameter is refused or cut to its limit, and
/// the server answers normally afterwards.
async fn every_string_a_client_sends_has_a_limit(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    // A throwaway sub-account and ids that do not exist: nothing that matters can change.
    let scratch = app.sub_account(acme, "Scratch").await;
    let document: serde_json::Value = app.api.get_ok("/api/openapi.json").await;
    let mut bodies = 0;
    let mut parameters = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let concrete = path
                .replace("{id}", &scratch.0.to_string())
                .replace("{user}", "999999")
                .replace("{token}", "999999")
                .replace("{operation}", "999999");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            if let Some(schema) =
                operation["requestBody"]["content"]["application/json"]["schema"].as_object()
            {
                let body =
                    long_strings_for(&serde_json::Value::Object(schema.clone()), &document, 0);
                if !body.to_string().contains(&"x".repeat(LONG_FIELD)) {
                    // Nothing free to make long (ids, enums, numbers): nothing to send.
                    continue;
                }
                let response = app
                    .api
                    .request(method.clone(), &concrete)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                assert!(
                    !text.contains(&"x".repeat(1000)),
                    "{method} {path} answers with what it was sent, whole: {text:.300}"
                );
                // Previews only read what they are sent, and show it back cut short.
                if READ_ONLY_PREVIEWS.contains(&path.as_str()) && status == 200 {
                    bodies += 1;
                    continue;
                }
                assert!(
                    (400..500).contains(&status) && status != 401 && status != 403,
                    "{method} {path} with {LONG_FIELD}-character strings answered {status}: {}",
                    &text[..text.len().min(300)]
                );
                let error: ErrorBody = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("{method} {path}: {text:.300}"));
                assert!(
                    !error.message.contains(&"x".repeat(1000)),
                    "{method} {path} echoes the string"
                );
                bodies += 1;
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let is_string = parameter["schema"]["type"] == "string"
                    || parameter["schema"]["type"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t == "string"));
                if parameter["in"] != "query"
                    || !is_string
                    || parameter["schema"]["enum"].is_array()
                {
                    continue;
                }
                let name = parameter["name"].as_str().unwrap();
                let url = format!("{concrete}?{name}={}", "x".repeat(LONG_PARAMETER));
                let response = app.api.request(method.clone(), &url).send().await.unwrap();
                let status = response.status().as_u16();
                assert!(status < 500, "{method} {path}?{name}=… answered {status}");
                drop(response);
                parameters += 1;
            }
        }
    }
    assert!(bodies >= 20, "only {bodies} bodies sent");
    assert!(parameters >= 1, "only {parameters} query parameters sent");
    // The Owner's session and the data are as they were.
    let page: roster_shared::api::PeoplePage = app
        .api
        .get_ok(&format!("/api/v1/accounts/{}/people", acme.0))
        .await;
    assert_eq!(page.total, 1);
    app.stop().await;
}

/// Values kept as text (an audit entry's action) are read back as one of the values the code
/// knows, or not at all: an unknown one fails the request as an internal error, without its
/// text, instead of being shown as something it is not.
async fn a_stored_value_roster_does_not_know_is_an_error_not_a_default(engine: Engine) {
    let (app, acme) = TestApp::signed_in_organisation(engine).await;
    app.sub_account(acme, "Support").await;
    let audit = format!("/api/v1/accounts/{}/audit", acme.0);
    let log: roster_shared::api::AuditPage = app.api.get_ok(&audit).await;
    assert!(log.entries.iter().any(|e| e.action == "account.created"));
    app.execute("UPDATE audit_log SET action = 'account.teleported'")
        .await;
    let response = app.api.get(&audit).await;
    assert_eq!(response.status(), 500);
    let error: ErrorBody = response.json().await.unwrap();
    assert_eq!(error.code, "internal");
    assert!(!error.message.contains("teleported"), "{}", error.message);
    app.stop().await;
}
