//! The signed-in person's own profile: User Details, notification preferences, and confirming
//! a new email address from the link mailed to it.

pub use roster_shared::api::EmailConfirmed;
use roster_shared::api::{EmailConfirmation, MyProfile, NotificationPreferences, ProfileUpdate};

use super::{ApiError, get, post, put};

/// `GET /api/v1/me/profile`.
pub async fn my_profile() -> Result<MyProfile, ApiError> {
    get("/api/v1/me/profile").await
}

/// `PUT /api/v1/me/profile`: every field at once; a refusal names each wrong field.
pub async fn update_profile(update: &ProfileUpdate) -> Result<MyProfile, ApiError> {
    put("/api/v1/me/profile", update).await
}

pub async fn notification_preferences() -> Result<NotificationPreferences, ApiError> {
    get("/api/v1/me/notifications").await
}

pub async fn set_notification_preferences(
    preferences: &NotificationPreferences,
) -> Result<NotificationPreferences, ApiError> {
    put("/api/v1/me/notifications", preferences).await
}

/// Confirms a new email address with the token of the mailed link. Works signed out too: the
/// link may be opened in another browser than the one that asked for the change.
pub async fn confirm_email(token: &str) -> Result<EmailConfirmed, ApiError> {
    let confirmation = EmailConfirmation {
        token: token.to_owned(),
    };
    post("/api/v1/me/email/confirm", &confirmation).await
}

/// Where the browser listens for live events (Server-Sent Events).
pub const EVENTS_URL: &str = "/api/v1/events";
