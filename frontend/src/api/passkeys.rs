//! Passkeys: the person's own (Sign-in & Security), and signing in with one.

use roster_shared::api::{
    AddPasskeyRequest, PasskeyCeremony, PasskeyInfo, PasskeySignInRequest, PasswordConfirmation,
    SignInMethods, SignInOutcome,
};

use super::{ApiError, delete, get, post, post_for};

/// `GET /api/v1/sign-in/methods`: where passkeys work.
pub async fn sign_in_methods() -> Result<SignInMethods, ApiError> {
    get("/api/v1/sign-in/methods").await
}

pub async fn passkeys() -> Result<Vec<PasskeyInfo>, ApiError> {
    get("/api/v1/me/passkeys").await
}

/// Starts adding a passkey (the password is required).
pub async fn start_passkey(request: &PasswordConfirmation) -> Result<PasskeyCeremony, ApiError> {
    post("/api/v1/me/passkeys/registration", request).await
}

pub async fn add_passkey(request: &AddPasskeyRequest) -> Result<PasskeyInfo, ApiError> {
    post("/api/v1/me/passkeys", request).await
}

pub async fn remove_passkey(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/me/passkeys/{id}"), None::<&()>).await
}

pub async fn passkey_challenge() -> Result<PasskeyCeremony, ApiError> {
    post_for("/api/v1/sign-in/passkey/challenge").await
}

pub async fn sign_in_passkey(request: &PasskeySignInRequest) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/sign-in/passkey", request).await
}
