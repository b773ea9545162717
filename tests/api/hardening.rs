//! What every answer carries and never carries: security headers, the API document matching
//! the routes, request size limits, and no internal error text.

use roster_shared::api::ErrorBody;
use roster_tests::{Engine, TestApp, engines, expect_json};

engines!(
    every_response_carries_the_security_headers,
    every_documented_operation_is_served,
    oversized_bodies_are_refused_in_the_error_shape,
    internal_failures_never_show_their_cause,
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
