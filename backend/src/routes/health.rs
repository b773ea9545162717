//! `GET /api/v1/health`: whether the server and its database answer.

use axum::extract::State;
use axum::http::StatusCode;
use roster_shared::api::{Health, HealthStatus};

use crate::error::AppJson;
use crate::state::AppState;

/// Reports the server's version, its database engine and how many migrations it applied.
/// Answers 503 (with the same body) when the database does not answer, so a load balancer
/// takes the replica out.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "system",
    responses(
        (status = 200, description = "The server and its database answer", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
pub(crate) async fn health(State(state): State<AppState>) -> (StatusCode, AppJson<Health>) {
    let db = state.db();
    let (status, code, migrations_applied) = match db.migrations_applied().await {
        Ok(count) => (HealthStatus::Ok, StatusCode::OK, count),
        Err(error) => {
            tracing::warn!(%error, "health check: the database does not answer");
            (HealthStatus::Degraded, StatusCode::SERVICE_UNAVAILABLE, 0)
        }
    };
    let health = Health {
        status,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: db.engine(),
        migrations_applied,
    };
    (code, AppJson(health))
}
