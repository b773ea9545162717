//! Health, the error shape, static files and the API document.

use roster_shared::api::{DatabaseEngine, ErrorBody, Health, HealthStatus};
use roster_tests::{Engine, TestApp, engines};

engines!(
    health_reports_engine_and_migrations,
    unknown_api_routes_answer_in_the_error_shape,
    api_document_lists_the_routes,
);

async fn health_reports_engine_and_migrations(engine: Engine) {
    let app = TestApp::spawn(engine).await;

    let response = app.get("/api/v1/health").await;

    assert_eq!(response.status(), 200);
    let health: Health = response.json().await.expect("a Health body");
    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    let expected = match engine {
        Engine::Sqlite => DatabaseEngine::Sqlite,
        Engine::Postgres => DatabaseEngine::Postgres,
    };
    assert_eq!(health.database, expected);
    assert!(health.migrations_applied >= 1);
    app.stop().await;
}

async fn unknown_api_routes_answer_in_the_error_shape(engine: Engine) {
    let app = TestApp::spawn(engine).await;

    for path in ["/api/v1/nothing-here", "/api", "/api/v2/health"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{path}"
        );
        let body: ErrorBody = response.json().await.expect("the error shape");
        assert_eq!(body.code, "not_found");
    }

    let response = app
        .client
        .delete(app.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body: ErrorBody = response.json().await.expect("the error shape");
    assert_eq!(body.code, "method_not_allowed");
    app.stop().await;
}

async fn api_document_lists_the_routes(engine: Engine) {
    let app = TestApp::spawn(engine).await;

    let response = app.get("/api/openapi.json").await;

    assert_eq!(response.status(), 200);
    let document: serde_json::Value = response.json().await.unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{document}"
    );
    assert!(document["paths"]["/api/v1/health"]["get"].is_object());
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    app.stop().await;
}
