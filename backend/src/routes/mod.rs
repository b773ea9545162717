//! The `/api/v1` surface, one module per area. Each handler carries its `#[utoipa::path]`, so
//! the API document is generated from the same code that serves the routes.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

mod health;

pub(crate) fn api_v1() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health::health))
}
