//! A person's own profile, the use cases behind *Edit profile*: User Details (name, email,
//! mobile, default sending country), notification preferences, and confirming a new email
//! address from its mailbox. Only the person themself reaches these.

use crate::webhooks::events as webhooks;
use axum::http::StatusCode;
use roster_shared::api::{
    ErrorCode, FieldError, MyProfile, NotificationPreferences, ProfileUpdate,
};
use roster_shared::country::CountryCode;
use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::phone::PhoneNumber;
use roster_shared::time::{HOUR_MS, Timestamp};
use roster_shared::webhook::ProfileFields;

use crate::auth::session::{self, CurrentSession};
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::team::context::sentence;

/// How long a confirmation link for a new address works.
pub(crate) const EMAIL_CHANGE_VALIDITY_MS: i64 = 48 * HOUR_MS;

/// The person's profile as *User Details* shows it.
pub(crate) async fn profile(state: &AppState, user_id: i64) -> Result<MyProfile, ApiError> {
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

/// Saves every field of User Details at once, or none: all problems are reported together.
/// A new address takes effect only once confirmed from its own mailbox.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn update(
    state: &AppState,
    current: &CurrentSession,
    update: &ProfileUpdate,
) -> Result<MyProfile, ApiError> {
    let user = &current.signed_in;
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
    // The address itself changes once the new one is confirmed (`confirm_email`).
    let before = ProfileFields {
        name: user.name.clone(),
        email: user.email.clone(),
    };
    let after = ProfileFields {
        name: Some(name.to_string()),
        email: match &new_email {
            Some(_) => user.email.clone(),
            None => email.to_string(),
        },
    };
    let emitted = webhooks::profile_changed(&mut tx, user.id, before, after, now).await?;
    tx.commit().await?;
    emitted.wake(state);
    if new_email.is_some() {
        state.mailer().wake();
    }
    profile(state, user.id).await
}

/// Confirms a new address from the link mailed to it; answers the address now used.
#[tracing::instrument(skip_all)]
pub(crate) async fn confirm_email(
    state: &AppState,
    link_token: &str,
) -> Result<EmailAddress, ApiError> {
    let not_valid = || {
        ApiError::not_found(
            "This confirmation link is not valid any more. It may have been used, or replaced by a newer request.",
        )
    };
    let change = db::profile::email_change_by_token(state.db().reader(), &token::hash(link_token))
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
    let user = db::users::find(&mut *tx, change.user_id)
        .await?
        .ok_or_else(not_valid)?;
    db::profile::apply_email_change(&mut tx, &change, now).await?;
    let before = ProfileFields {
        name: user.name.clone(),
        email: user.email.clone(),
    };
    let after = ProfileFields {
        email: change.new_email.clone(),
        ..before.clone()
    };
    let emitted = webhooks::profile_changed(&mut tx, user.id, before, after, now).await?;
    tx.commit().await?;
    emitted.wake(state);
    tracing::info!(user = change.user_id, "email address changed");
    EmailAddress::parse(&change.new_email).map_err(ApiError::internal)
}

/// The person's notification preferences.
pub(crate) async fn notifications(
    state: &AppState,
    current: &CurrentSession,
) -> Result<NotificationPreferences, ApiError> {
    Ok(db::profile::notifications(state.db().reader(), current.user()).await?)
}

/// Saves the person's notification preferences.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn set_notifications(
    state: &AppState,
    current: &CurrentSession,
    preferences: NotificationPreferences,
) -> Result<NotificationPreferences, ApiError> {
    db::profile::set_notifications(state.db().writer(), current.user(), preferences).await?;
    Ok(preferences)
}
