//! First-run setup: the first top-level account and its Owner.

use axum::extract::State;
use axum::response::Response;
use roster_shared::api::{SetupRequest, SetupStatus};

use crate::auth::session::ClientInfo;
use crate::error::{ApiError, AppJson};
use crate::routes::session::signed_in;
use crate::state::AppState;

/// Whether setup is still needed, and the plans to choose from.
#[utoipa::path(
    get,
    path = "/api/v1/setup",
    tag = "setup",
    responses((status = 200, body = SetupStatus))
)]
pub(crate) async fn status(
    State(state): State<AppState>,
) -> Result<AppJson<SetupStatus>, ApiError> {
    Ok(AppJson(SetupStatus {
        required: crate::setup::required(&state).await?,
        plans: state.plans().all().iter().map(|p| p.info()).collect(),
    }))
}

/// Creates the first top-level account and its Owner, and signs the Owner in. Works once,
/// with a token from a setup link the server printed.
#[utoipa::path(
    post,
    path = "/api/v1/setup",
    tag = "setup",
    request_body = SetupRequest,
    responses(
        (status = 200, description = "Created; the Owner is signed in", body = roster_shared::api::SignInOutcome),
        (status = 403, description = "The setup link is not valid", body = roster_shared::api::ErrorBody),
        (status = 409, description = "Roster is already set up", body = roster_shared::api::ErrorBody),
        (status = 422, description = "A field is not valid", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn run(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(request): AppJson<SetupRequest>,
) -> Result<Response, ApiError> {
    let started = crate::setup::create_first(&state, &client, &request).await?;
    Ok(signed_in(&state, started))
}
