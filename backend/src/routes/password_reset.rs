//! "Forgot password?" (see `auth::password_reset`).

use axum::extract::State;
use axum::http::StatusCode;
use roster_shared::api::{
    PasswordResetCompletion, PasswordResetDone, PasswordResetRequest, PasswordResetRequested,
    PasswordResetTokenRequest, PasswordResetView,
};
use roster_shared::time::MINUTE_MS;

use crate::auth::password_reset::{self, RESET_VALIDITY_MS};
use crate::auth::session::ClientInfo;
use crate::error::{ApiError, AppJson};
use crate::state::AppState;

/// Mails a link to choose a new password, if the address belongs to someone with one.
#[utoipa::path(
    post,
    path = "/api/v1/password-reset",
    tag = "session",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted; the same answer whether or not the address has an account", body = PasswordResetRequested),
        (status = 422, description = "Not an email address", body = roster_shared::api::ErrorBody),
        (status = 429, description = "Too many requests for this address or from this client; the Retry-After header says when to try again", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn request_password_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(request): AppJson<PasswordResetRequest>,
) -> Result<(StatusCode, AppJson<PasswordResetRequested>), ApiError> {
    password_reset::request(&state, &client, &request.email).await?;
    Ok((
        StatusCode::ACCEPTED,
        AppJson(PasswordResetRequested {
            valid_minutes: (RESET_VALIDITY_MS / MINUTE_MS) as u32,
        }),
    ))
}

/// What a reset link is for, so the page can say it before a new password is typed.
#[utoipa::path(
    post,
    path = "/api/v1/password-reset/inspect",
    tag = "session",
    request_body = PasswordResetTokenRequest,
    responses(
        (status = 200, body = PasswordResetView),
        (status = 404, description = "Not a valid link (used, replaced or unknown)", body = roster_shared::api::ErrorBody),
        (status = 410, description = "Expired", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn inspect_password_reset(
    State(state): State<AppState>,
    AppJson(request): AppJson<PasswordResetTokenRequest>,
) -> Result<AppJson<PasswordResetView>, ApiError> {
    Ok(AppJson(
        password_reset::inspect(&state, &request.token).await?,
    ))
}

/// Sets the new password with a reset link, signs the person out everywhere and mails them a
/// notice. It does not sign in.
#[utoipa::path(
    post,
    path = "/api/v1/password-reset/complete",
    tag = "session",
    request_body = PasswordResetCompletion,
    responses(
        (status = 200, description = "Changed; every session of the person ended. Sign in with the new password.", body = PasswordResetDone),
        (status = 404, description = "Not a valid link (used, replaced or unknown)", body = roster_shared::api::ErrorBody),
        (status = 410, description = "Expired", body = roster_shared::api::ErrorBody),
        (status = 422, description = "The new password breaks a rule", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn complete_password_reset(
    State(state): State<AppState>,
    AppJson(request): AppJson<PasswordResetCompletion>,
) -> Result<AppJson<PasswordResetDone>, ApiError> {
    let email = password_reset::complete(&state, &request.token, request.password.expose()).await?;
    Ok(AppJson(PasswordResetDone { email }))
}
