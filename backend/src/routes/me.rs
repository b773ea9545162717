//! The signed-in person's own identity: name, password, devices, passkeys and two-factor
//! authentication ("Sign-in & Security" and "Connected devices"). Each route reads its
//! request and answers what `auth::identity` did.

use axum::extract::State;
use axum::http::StatusCode;
use roster_shared::api::{
    AddPasskeyRequest, ChangePasswordRequest, Device, PasskeyCeremony, PasskeyInfo,
    PasswordConfirmation, RecoveryCodes, SessionInfo, TotpCodeRequest, TotpEnrolment,
    UpdateNameRequest,
};

use crate::auth::session::{self, CurrentSession};
use crate::auth::{identity, passkey};
use crate::error::{ApiError, AppJson, AppPath};
use crate::state::AppState;

/// Changes the name shown everywhere (header, Users lists, emails).
#[utoipa::path(
    put,
    path = "/api/v1/me/name",
    tag = "me",
    request_body = UpdateNameRequest,
    responses((status = 200, description = "Updated", body = SessionInfo))
)]
pub(crate) async fn update_name(
    State(state): State<AppState>,
    current: CurrentSession,
    headers: axum::http::HeaderMap,
    AppJson(request): AppJson<UpdateNameRequest>,
) -> Result<AppJson<SessionInfo>, ApiError> {
    let token = session::session_token(&headers).ok_or_else(session::sign_in_required)?;
    Ok(AppJson(
        identity::rename(&state, &current, token, &request.name).await?,
    ))
}

/// Changes the password (the current one is required) and signs out every other device.
#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    tag = "me",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; other devices are signed out"),
        (status = 422, description = "The current password is wrong, or the new one breaks a rule", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(request): AppJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    identity::change_password(
        &state,
        &current,
        &request.current_password,
        &request.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The person's signed-in devices, the current one marked.
#[utoipa::path(
    get,
    path = "/api/v1/me/devices",
    tag = "me",
    responses((status = 200, body = Vec<Device>))
)]
pub(crate) async fn devices(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<AppJson<Vec<Device>>, ApiError> {
    Ok(AppJson(identity::devices(&state, &current).await?))
}

/// Signs out one other device; its next request is refused.
#[utoipa::path(
    delete,
    path = "/api/v1/me/devices/{id}",
    tag = "me",
    params(("id" = i64, Path, description = "A device from the list")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 404, description = "No such device of yours", body = roster_shared::api::ErrorBody),
        (status = 422, description = "That is this device; use sign-out", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn sign_out_device(
    State(state): State<AppState>,
    current: CurrentSession,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, ApiError> {
    identity::sign_out_device(&state, &current, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs out every device but this one.
#[utoipa::path(
    post,
    path = "/api/v1/me/devices/sign-out-others",
    tag = "me",
    responses((status = 204, description = "Every other device is signed out"))
)]
pub(crate) async fn sign_out_other_devices(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<StatusCode, ApiError> {
    identity::sign_out_other_devices(&state, &current).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts two-factor enrolment: a new secret to scan; nothing changes until it is confirmed.
#[utoipa::path(
    post,
    path = "/api/v1/me/totp",
    tag = "me",
    responses(
        (status = 200, body = TotpEnrolment),
        (status = 409, description = "Two-factor authentication is already on", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn start_totp(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<AppJson<TotpEnrolment>, ApiError> {
    Ok(AppJson(identity::start_totp(&state, &current).await?))
}

/// Confirms enrolment with a first code; answers the recovery codes, shown only now.
#[utoipa::path(
    post,
    path = "/api/v1/me/totp/confirm",
    tag = "me",
    request_body = TotpCodeRequest,
    responses(
        (status = 200, description = "On; keep these recovery codes", body = RecoveryCodes),
        (status = 422, description = "The code is not right", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn confirm_totp(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(request): AppJson<TotpCodeRequest>,
) -> Result<AppJson<RecoveryCodes>, ApiError> {
    Ok(AppJson(
        identity::confirm_totp(&state, &current, &request.code).await?,
    ))
}

/// Turns two-factor authentication off (the password is required).
#[utoipa::path(
    delete,
    path = "/api/v1/me/totp",
    tag = "me",
    request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "Off"),
        (status = 422, description = "The password is not right", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn disable_totp(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(request): AppJson<PasswordConfirmation>,
) -> Result<StatusCode, ApiError> {
    identity::disable_totp(&state, &current, &request.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The person's passkeys, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/passkeys",
    tag = "me",
    responses((status = 200, body = Vec<PasskeyInfo>))
)]
pub(crate) async fn passkeys(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<AppJson<Vec<PasskeyInfo>>, ApiError> {
    Ok(AppJson(passkey::list(&state, &current).await?))
}

/// Starts adding a passkey (the password is required): options for the browser's
/// `navigator.credentials.create`.
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys/registration",
    tag = "me",
    request_body = PasswordConfirmation,
    responses(
        (status = 200, description = "Hand `options` to the browser, then send its answer with `ceremony`", body = PasskeyCeremony),
        (status = 409, description = "Passkeys need Roster at a name, not an IP address", body = roster_shared::api::ErrorBody),
        (status = 422, description = "The password is not right, or there are already 20 passkeys", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn start_passkey(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(request): AppJson<PasswordConfirmation>,
) -> Result<AppJson<PasskeyCeremony>, ApiError> {
    Ok(AppJson(
        passkey::start_registration(&state, &current, &request.password).await?,
    ))
}

/// Adds the passkey the browser made.
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys",
    tag = "me",
    request_body = AddPasskeyRequest,
    responses(
        (status = 201, description = "Added", body = PasskeyInfo),
        (status = 401, description = "The ceremony expired or was used, or the answer does not prove a passkey", body = roster_shared::api::ErrorBody),
        (status = 409, description = "This passkey is already added", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn add_passkey(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(request): AppJson<AddPasskeyRequest>,
) -> Result<(StatusCode, AppJson<PasskeyInfo>), ApiError> {
    let added = passkey::finish_registration(
        &state,
        &current,
        &request.ceremony,
        &request.name,
        request.credential,
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(added)))
}

/// Removes one of the person's passkeys.
#[utoipa::path(
    delete,
    path = "/api/v1/me/passkeys/{id}",
    tag = "me",
    params(("id" = i64, Path, description = "A passkey from the list")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such passkey of yours", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn remove_passkey(
    State(state): State<AppState>,
    current: CurrentSession,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, ApiError> {
    passkey::remove(&state, &current, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
