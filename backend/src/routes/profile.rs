//! The signed-in person's own profile: User Details (name, email, mobile, default sending
//! country), notification preferences, and confirming a new email address.
//!
//! Only the person themself reaches these: an Admin sees someone else's details read-only on
//! the people endpoints and can change only their access.

use axum::extract::State;
use axum::http::StatusCode;
use roster_shared::api::ErrorCode;
use roster_shared::api::{FieldError, MyProfile, NotificationPreferences, ProfileUpdate};
use roster_shared::country::CountryCode;
use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::phone::PhoneNumber;
use roster_shared::time::{HOUR_MS, Timestamp};
use serde::{Deserialize, Serialize};

use crate::auth::session::{self, CurrentSession};
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::error::{ApiError, AppJson};
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::team::context::sentence;

/// How long a confirmation link for a new address works.
pub(crate) const EMAIL_CHANGE_VALIDITY_MS: i64 = 48 * HOUR_MS;

async fn profile(state: &AppState, user_id: i64) -> Result<MyProfile, ApiError> {
    let user = db::users::find(state.db().reader(), user_id)
        .await?
        .ok_or_else(session::sign_in_required)?;
    let pending =
        db::profile::pending_email_change(state.db().reader(), user_id, clock::now()).await?;
    Ok(MyProfile {
        name: PersonName::parse(user.display_name()).map_err(ApiError::internal)?,
        email: EmailAddress::parse(&user.email).map_err(ApiError::internal)?,
        mobile: user
            .mobile
            .as_deref()
            .and_then(|m| PhoneNumber::from_e164(m).ok()),
        country: user
            .country
            .as_deref()
            .and_then(|c| CountryCode::parse(c).ok()),
        pending_email: pending.and_then(|p| EmailAddress::parse(&p.new_email).ok()),
        notifications: db::profile::notifications(state.db().reader(), user_id).await?,
    })
}

/// The signed-in person's details and preferences.
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "me", responses((status = 200, body = MyProfile)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<AppJson<MyProfile>, ApiError> {
    Ok(AppJson(profile(&state, current.user()).await?))
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
    let user = current.signed_in.clone();
    let mut fields = Vec::new();
    let mut fail = |field: &str, message: String| {
        fields.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = PersonName::parse(&update.name)
        .map_err(|e| fail("name", e.to_string()))
        .ok();
    let email = EmailAddress::parse(&update.email)
        .map_err(|e| fail("email", e.to_string()))
        .ok();
    let country = match update.country.trim() {
        "" => None,
        code => CountryCode::parse(code)
            .map_err(|e| fail("country", e.to_string()))
            .ok(),
    };
    let mobile = match update.mobile.trim() {
        "" => None,
        typed => match country {
            Some(country) => PhoneNumber::parse(typed, country)
                .map_err(|e| fail("mobile", e.to_string()))
                .ok(),
            None if update.country.trim().is_empty() => {
                fail(
                    "mobile",
                    "choose the default sending country to read this number with".into(),
                );
                None
            }
            None => None,
        },
    };
    // A new address is only ever confirmed from its own mailbox; whether someone on this
    // instance already uses it is told there (see `confirm_email`), never here, so this form
    // cannot be used to find out who has a Roster identity.
    let new_email = email
        .as_ref()
        .filter(|email| email.key() != user.email.to_lowercase())
        .cloned();
    if !fields.is_empty() {
        let message = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            sentence(&message),
        )
        .with_fields(fields));
    }
    let (Some(name), Some(email)) = (name, email) else {
        return Err(ApiError::internal("profile fields passed without values"));
    };
    let now = clock::now();
    let mut tx = state.db().writer().begin().await?;
    db::users::set_name(&mut tx, user.id, &name).await?;
    db::profile::set_contact(
        &mut *tx,
        user.id,
        mobile.as_ref().map(PhoneNumber::as_str),
        country.map(|c| c.as_str()),
    )
    .await?;
    match &new_email {
        Some(new) => {
            let change = db::profile::start_email_change(
                &mut tx,
                user.id,
                new.as_str(),
                &new.key(),
                now,
                now.plus_millis(EMAIL_CHANGE_VALIDITY_MS),
            )
            .await?;
            mail::enqueue(
                &mut tx,
                &Mail::EmailChangeConfirmation { change_id: change },
                new.as_str(),
                None,
                now,
            )
            .await?;
            mail::enqueue(
                &mut tx,
                &Mail::EmailChangeNotice {
                    change_id: change,
                    old_email: user.email.clone(),
                },
                &user.email,
                None,
                now,
            )
            .await?;
        }
        // The same mailbox written differently (case): no confirmation needed.
        None if email.as_str() != user.email => {
            db::profile::respell_email(&mut *tx, user.id, email.as_str()).await?
        }
        None => {}
    }
    tx.commit().await?;
    if new_email.is_some() {
        state.mailer().wake();
    }
    Ok(AppJson(profile(&state, user.id).await?))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct EmailConfirmation {
    #[serde(deserialize_with = "roster_shared::bounded::secret")]
    #[schema(max_length = 256)]
    pub(crate) token: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct EmailConfirmed {
    pub(crate) email: EmailAddress,
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
    let not_valid = || {
        ApiError::not_found(
            "This confirmation link is not valid any more. It may have been used, or replaced by a newer request.",
        )
    };
    let change =
        db::profile::email_change_by_token(state.db().reader(), &token::hash(&request.token))
            .await?
            .filter(|c| c.confirmed_at.is_none() && c.cancelled_at.is_none())
            .ok_or_else(not_valid)?;
    let now = clock::now();
    if change.expires_at <= now.millis() {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::LinkExpired,
            format!(
                "This link expired on {}. Change your address again to get a new one.",
                Timestamp::from_millis(change.expires_at).format_date_time()
            ),
        ));
    }
    let mut tx = state.db().writer().begin().await?;
    // Told only to whoever controls the new mailbox (they opened its link), and in no more
    // words than needed.
    if let Some(other) = db::users::find_by_email(&mut *tx, &change.new_email_key).await?
        && other.id != change.user_id
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::EmailUnavailable,
            "This address cannot be used for your Roster account. Your address stays as it was.",
        ));
    }
    db::profile::apply_email_change(&mut tx, &change, now).await?;
    tx.commit().await?;
    tracing::info!(user = change.user_id, "email address changed");
    Ok(AppJson(EmailConfirmed {
        email: EmailAddress::parse(&change.new_email).map_err(ApiError::internal)?,
    }))
}

/// The signed-in person's notification preferences.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "me", responses((status = 200, body = NotificationPreferences)))]
pub(crate) async fn get_notifications(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<AppJson<NotificationPreferences>, ApiError> {
    Ok(AppJson(
        db::profile::notifications(state.db().reader(), current.user()).await?,
    ))
}

/// Saves the notification preferences.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "me", request_body = NotificationPreferences,
    responses((status = 200, body = NotificationPreferences)))]
pub(crate) async fn set_notifications(
    State(state): State<AppState>,
    current: CurrentSession,
    AppJson(preferences): AppJson<NotificationPreferences>,
) -> Result<AppJson<NotificationPreferences>, ApiError> {
    db::profile::set_notifications(state.db().writer(), current.user(), preferences).await?;
    Ok(AppJson(preferences))
}
