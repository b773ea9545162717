//! The signed-in person's own identity: name, password, devices and two-factor
//! authentication ("Sign-in & Security" and "Connected devices").

use axum::extract::State;
use axum::http::StatusCode;
use roster_shared::api::ErrorCode;
use roster_shared::api::{
    ChangePasswordRequest, Device, FieldError, LiveEvent, PasswordConfirmation, RecoveryCodes,
    SessionInfo, TotpCodeRequest, TotpEnrolment, UpdateNameRequest,
};
use roster_shared::password::NewPassword;
use roster_shared::time::Timestamp;

use crate::auth::session::{self, CurrentSession};
use crate::auth::{token, totp};
use crate::clock;
use crate::db;
use crate::db::users::UserRow;
use crate::error::{ApiError, AppJson, AppPath};
use crate::events::Audience;
use crate::mail::{self, Mail, PasswordChange};
use crate::routes::session::session_info;
use crate::state::AppState;

fn wrong_password(field: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::WrongPassword,
        "Your current password is not right.",
    )
    .with_fields(vec![FieldError {
        field: field.into(),
        message: "not right".into(),
    }])
}

async fn check_password(
    state: &AppState,
    user: &UserRow,
    password: &str,
    field: &str,
) -> Result<(), ApiError> {
    if state
        .hasher()
        .verify(password, user.password_hash.clone())
        .await?
    {
        Ok(())
    } else {
        Err(wrong_password(field))
    }
}

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
    let mut tx = state.db().writer().begin().await?;
    db::users::set_name(&mut tx, current.user(), &request.name).await?;
    tx.commit().await?;
    let user = db::users::find(state.db().reader(), current.user())
        .await?
        .ok_or_else(session::sign_in_required)?;
    let token = session::session_token(&headers).ok_or_else(session::sign_in_required)?;
    Ok(AppJson(session_info(&user, token)?))
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
    let user = current.signed_in.clone();
    check_password(&state, &user, &request.current_password, "current_password").await?;
    NewPassword::parse_for(request.new_password.expose(), &user.email).map_err(|error| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            format!("new_password: {error}"),
        )
        .with_fields(vec![FieldError {
            field: "new_password".into(),
            message: error.to_string(),
        }])
    })?;
    let hash = state.hasher().hash(request.new_password.expose()).await?;
    let mut tx = state.db().writer().begin().await?;
    db::users::set_password_hash(&mut *tx, user.id, &hash).await?;
    let ended = db::sessions::delete_others(&mut *tx, user.id, Some(current.session_id)).await?;
    // Told by email, like a reset: a session someone else holds could do this too.
    mail::enqueue(
        &mut tx,
        &Mail::PasswordChanged {
            user_id: user.id,
            how: PasswordChange::SignedIn,
        },
        &user.email,
        None,
        clock::now(),
    )
    .await?;
    tx.commit().await?;
    state.mailer().wake();
    tracing::info!(
        user = user.id,
        other_sessions_ended = ended.len(),
        "password changed"
    );
    end_sessions(&state, &ended).await;
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
    let rows = db::sessions::list_for_user(state.db().reader(), current.user()).await?;
    Ok(AppJson(
        rows.into_iter()
            .map(|row| Device {
                current: row.id == current.session_id,
                id: row.id,
                browser: row.browser,
                os: row.os,
                ip: row.ip,
                signed_in_at: Timestamp::from_millis(row.created_at),
                last_seen_at: Timestamp::from_millis(row.last_seen_at),
            })
            .collect(),
    ))
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
    if id == current.session_id {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CurrentDevice,
            "This is the device you are using. Use Sign out instead.",
        ));
    }
    if db::sessions::delete(state.db().writer(), current.user(), id).await? {
        end_sessions(&state, &[id]).await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("There is no such device."))
    }
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
    let ended = db::sessions::delete_others(
        state.db().writer(),
        current.user(),
        Some(current.session_id),
    )
    .await?;
    end_sessions(&state, &ended).await;
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
    let user = current.signed_in.clone();
    if user.totp_secret.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::TotpEnabled,
            "Two-factor authentication is already on. Turn it off first to use a new app.",
        ));
    }
    let secret = totp::new_secret();
    db::users::set_totp_pending(state.db().writer(), user.id, &secret).await?;
    let otpauth_url = totp::otpauth_url(&secret, &user.email, "Roster");
    let qr_svg = totp::qr_svg(&otpauth_url)?;
    Ok(AppJson(TotpEnrolment {
        secret,
        otpauth_url,
        qr_svg,
    }))
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
    let user = current.signed_in.clone();
    let Some(pending) = user.totp_pending_secret.as_deref() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::NoEnrolment,
            "Start setting up two-factor authentication first.",
        ));
    };
    let step = totp::verify(pending, &request.code, clock::now(), None).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidCode,
            "That code is not right. Check that your device's clock is correct and use the newest code.",
        )
        .with_fields(vec![FieldError {
            field: "code".into(),
            message: "not right".into(),
        }])
    })?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| token::hash(&totp::normalize_recovery_code(c)))
        .collect();
    let mut tx = state.db().writer().begin().await?;
    db::users::enable_totp(&mut *tx, user.id, step).await?;
    db::identity::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
    tx.commit().await?;
    Ok(AppJson(RecoveryCodes { codes }))
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
    let user = current.signed_in.clone();
    check_password(&state, &user, &request.password, "password").await?;
    let mut tx = state.db().writer().begin().await?;
    db::users::disable_totp(&mut *tx, user.id).await?;
    db::identity::delete_recovery_codes(&mut *tx, user.id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tells the browsers of ended sessions at once (they show the sign-in page).
async fn end_sessions(state: &AppState, sessions: &[i64]) {
    for session in sessions {
        state
            .events()
            .publish(
                state.db(),
                Audience::Session { session: *session },
                LiveEvent::SessionEnded,
            )
            .await;
    }
}
