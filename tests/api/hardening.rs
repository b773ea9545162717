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
);

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
    let app = TestApp::spawn(engine).await;
    let acme = app.set_up().await.last_account.unwrap();
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
    let app = TestApp::spawn(engine).await;
    let acme = app.set_up().await.last_account.unwrap();
    // Operations run against a throwaway sub-account and ids that do not exist, so whatever the
    // server does after checking credentials changes nothing that matters here.
    let scratch = app.sub_account(acme, "Scratch").await;
    let token: roster_shared::api::CreatedApiToken = expect_json(
        app.api
            .post(
                &format!("/api/v1/accounts/{}/api-tokens", acme.0),
                &serde_json::json!({ "name": "Credentials", "max_role": "owner" }),
            )
            .await,
        201,
    )
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
