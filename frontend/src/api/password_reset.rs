//! "Forgot password?": asking for a link, and choosing a new password with it. Signed out.

use roster_shared::api::{
    PasswordResetCompletion, PasswordResetDone, PasswordResetRequest, PasswordResetRequested,
    PasswordResetTokenRequest, PasswordResetView,
};

use super::{ApiError, post};

/// `POST /api/v1/password-reset`: the same answer whether or not the address has an account.
pub async fn request_password_reset(
    request: &PasswordResetRequest,
) -> Result<PasswordResetRequested, ApiError> {
    post("/api/v1/password-reset", request).await
}

/// What the link with `token` is for: 404 when used or replaced, 410 when expired.
pub async fn inspect_password_reset(token: &str) -> Result<PasswordResetView, ApiError> {
    post(
        "/api/v1/password-reset/inspect",
        &PasswordResetTokenRequest {
            token: token.to_owned(),
        },
    )
    .await
}

/// Sets the new password; nobody is signed in afterwards.
pub async fn complete_password_reset(
    request: &PasswordResetCompletion,
) -> Result<PasswordResetDone, ApiError> {
    post("/api/v1/password-reset/complete", request).await
}
