//! The health checks: `GET /api/v1/health` (the server and its database answer),
//! `/api/v1/health/live` (the process answers: an orchestrator restarts it otherwise) and
//! `/api/v1/health/ready` (send it requests: a load balancer stops otherwise).

use axum::extract::State;
use axum::http::StatusCode;
use roster_shared::api::{Health, HealthStatus, Liveness, Readiness};

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

/// Answers while the process runs and serves, whatever its database does: restarting a
/// server because its database is away would not bring the database back.
#[utoipa::path(
    get,
    path = "/api/v1/health/live",
    tag = "system",
    responses((status = 200, description = "The process answers", body = Liveness))
)]
pub(crate) async fn live() -> AppJson<Liveness> {
    AppJson(Liveness {
        status: HealthStatus::Ok,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Whether this server should get requests: its database answers within 2 s and has applied
/// every migration the server knows, its mail and webhook workers run, and it is not
/// draining before a stop (SIGTERM). 503 with the same body, naming the failing check,
/// otherwise.
#[utoipa::path(
    get,
    path = "/api/v1/health/ready",
    tag = "system",
    responses(
        (status = 200, description = "Ready for requests", body = Readiness),
        (status = 503, description = "Not ready: a check fails, or the server drains", body = Readiness),
    )
)]
pub(crate) async fn ready(State(state): State<AppState>) -> (StatusCode, AppJson<Readiness>) {
    let readiness = crate::health::readiness(&state).await;
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, AppJson(readiness))
}
