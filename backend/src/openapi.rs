//! The API document, generated from the handlers' `#[utoipa::path]` attributes and the
//! `shared` types' schemas, and served at `/api/openapi.json`.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use roster_shared::api::{ErrorBody, FieldError};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::routes;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        description = "Team and access management: accounts, people, invitations, roles and seats. \
                       Every error has the shape of `ErrorBody`."
    ),
    components(schemas(ErrorBody, FieldError)),
    tags((name = "system", description = "Health of the server"))
)]
struct ApiDoc;

/// The `/api/v1` routes, and the document describing exactly those routes.
pub(crate) fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api_v1())
        .split_for_parts()
}

/// Serves the document, serialized once.
pub(crate) fn document_route(document: &utoipa::openapi::OpenApi) -> Router<AppState> {
    let json = document
        .to_json()
        .expect("an OpenAPI document always serializes");
    Router::new().route(
        "/api/openapi.json",
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json).into_response() }
        }),
    )
}
