//! The API document, generated from the handlers' `#[utoipa::path]` attributes and the
//! `shared` types' schemas, and served at `/api/openapi.json`.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use roster_shared::api::{ErrorBody, FieldError, PeopleSort, SortOrder};
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
    components(schemas(ErrorBody, FieldError, PeopleSort, SortOrder)),
    tags(
        (name = "system", description = "Health of the server"),
        (name = "setup", description = "First run: the first account and its Owner"),
        (name = "session", description = "Signing in and out"),
        (name = "me", description = "The signed-in person: profile, password, devices, two-factor"),
        (name = "accounts", description = "Accounts and sub-accounts"),
        (name = "people", description = "The Users list, invitations and access"),
        (name = "invitations", description = "Invitation links, for the person invited"),
        (name = "seats", description = "Included and extra seats"),
        (name = "api tokens", description = "Tokens for programs"),
        (name = "audit", description = "Who changed what, when and from where"),
        (name = "events", description = "Live events and inbound messages"),
        (name = "mail", description = "Test email and the development mailbox")
    )
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
