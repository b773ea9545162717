//! The signed-in person's own profile: User Details (name, email, mobile, default sending
//! country), notification preferences, and confirming a new email address.
//!
//! Only the person themself reaches these: an Admin sees someone else's details read-only on
//! the people endpoints and can change only their access.

use axum::extract::State;
use roster_shared::api::{
    EmailConfirmation, EmailConfirmed, MyProfile, NotificationPreferences, ProfileUpdate,
};

use crate::auth::session::CurrentSession;
use crate::error::{ApiError, AppJson};
use crate::state::AppState;
use crate::team::profile;

/// The signed-in person's details and preferences.
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "me", responses((status = 200, body = MyProfile)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<AppJson<MyProfile>, ApiError> {
    Ok(AppJson(profile::profile(&state, current.user()).await?))
}

/// Saves User Details at once. Every field is checked and all problems are answered together;
/// a new email address is only requested here (a link goes to it, a notice to the old one).
#[utoipa::path(put, path = "/api/v1/me/profile", tag = "me", request_body = ProfileUpdate,
    responses((status = 200, body = MyProfile),
        (status = 422, description = "One or more fields are wrong (see `fields`); nothing was saved", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(update): AppJson<ProfileUpdate>,
) -> Result<AppJson<MyProfile>, ApiError> {
    Ok(AppJson(profile::update(&state, &current, &update).await?))
}

/// Confirms a new email address from the link mailed to it; from now on it is the person's
/// address and the one they sign in with.
#[utoipa::path(post, path = "/api/v1/me/email/confirm", tag = "me", request_body = EmailConfirmation,
    responses((status = 200, body = EmailConfirmed),
        (status = 404, description = "Not a valid link (used, replaced or unknown)", body = roster_shared::api::ErrorBody),
        (status = 409, description = "The address cannot be used (another identity has it)", body = roster_shared::api::ErrorBody),
        (status = 410, description = "Expired", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn confirm_email(
    State(state): State<AppState>,
    AppJson(request): AppJson<EmailConfirmation>,
) -> Result<AppJson<EmailConfirmed>, ApiError> {
    let email = profile::confirm_email(&state, &request.token).await?;
    Ok(AppJson(EmailConfirmed { email }))
}

/// The signed-in person's notification preferences.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "me", responses((status = 200, body = NotificationPreferences)))]
pub(crate) async fn get_notifications(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<AppJson<NotificationPreferences>, ApiError> {
    Ok(AppJson(profile::notifications(&state, &current).await?))
}

/// Saves the notification preferences.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "me", request_body = NotificationPreferences,
    responses((status = 200, body = NotificationPreferences)))]
pub(crate) async fn set_notifications(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(preferences): AppJson<NotificationPreferences>,
) -> Result<AppJson<NotificationPreferences>, ApiError> {
    Ok(AppJson(
        profile::set_notifications(&state, &current, preferences).await?,
    ))
}
