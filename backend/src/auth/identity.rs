//! A signed-in person's own identity, the use cases behind *Sign-in & Security* and
//! *Connected devices*: their name, their password, their signed-in devices and two-step
//! verification. Each takes the request's session and typed input, and owns its transaction.

use crate::webhooks::events as webhooks;
use axum::http::StatusCode;
use roster_shared::api::{
    Device, ErrorCode, FieldError, LiveEvent, RecoveryCodes, SessionInfo, TotpEnrolment,
};
use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::password::NewPassword;
use roster_shared::time::Timestamp;
use roster_shared::webhook::ProfileFields;

use crate::auth::session::{self, CurrentSession};
use crate::auth::sign_in::session_info;
use crate::auth::throttle::{self, Subject};
use crate::auth::{token, totp};
use crate::clock;
use crate::db;
use crate::db::users::UserRow;
use crate::error::ApiError;
use crate::events::Audience;
use crate::mail::{self, Mail, PasswordChange};
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

/// Whether `password` is `user`'s; refused as a wrong `field` otherwise.
///
/// Counted on the person's account exactly like a sign-in attempt, before it is checked: a
/// session alone (a browser left open, a stolen cookie) must not buy unlimited guesses at the
/// password through the pages that ask for it again.
pub(crate) async fn check_password(
    state: &AppState,
    user: &UserRow,
    password: &str,
    field: &str,
) -> Result<(), ApiError> {
    let key = EmailAddress::parse(&user.email)
        .map(|address| address.key())
        .unwrap_or_else(|_| user.email.to_lowercase());
    let writer = state.db().writer();
    throttle::take_attempt(writer, &[Subject::Email(&key)], clock::now()).await?;
    if state
        .hasher()
        .verify(password, user.password_hash.clone())
        .await?
    {
        throttle::clear(writer, Subject::Email(&key)).await?;
        Ok(())
    } else {
        Err(wrong_password(field))
    }
}

/// Changes the name shown everywhere; answers the session as it now is.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn rename(
    state: &AppState,
    current: &CurrentSession,
    session_token: &str,
    name: &PersonName,
) -> Result<SessionInfo, ApiError> {
    let mut tx = state.db().writer().begin().await?;
    db::users::set_name(&mut tx, current.user(), name).await?;
    let signed_in = &current.signed_in;
    let before = ProfileFields {
        name: signed_in.name.clone(),
        email: signed_in.email.clone(),
    };
    let after = ProfileFields {
        name: Some(name.to_string()),
        ..before.clone()
    };
    let emitted =
        webhooks::profile_changed(&mut tx, current.user(), before, after, clock::now()).await?;
    tx.commit().await?;
    emitted.wake(state);
    let user = db::users::find(state.db().reader(), current.user())
        .await?
        .ok_or_else(session::sign_in_required)?;
    session_info(&user, session_token)
}

/// Changes the password (the current one is required), signs out every other device and
/// tells the person by email.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn change_password(
    state: &AppState,
    current: &CurrentSession,
    current_password: &str,
    new_password: &NewPassword,
) -> Result<(), ApiError> {
    let user = &current.signed_in;
    check_password(state, user, current_password, "current_password").await?;
    NewPassword::parse_for(new_password.expose(), &user.email)
        .map_err(|error| ApiError::invalid_field("new_password", error.to_string()))?;
    let hash = state.hasher().hash(new_password.expose()).await?;
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
    tracing::info!(other_sessions_ended = ended.len(), "password changed");
    end_sessions(state, &ended).await;
    Ok(())
}

/// The person's signed-in devices, the current one marked.
pub(crate) async fn devices(
    state: &AppState,
    current: &CurrentSession,
) -> Result<Vec<Device>, ApiError> {
    let rows = db::sessions::list_for_user(state.db().reader(), current.user()).await?;
    Ok(rows
        .into_iter()
        .map(|row| Device {
            current: row.id == current.session_id,
            id: row.id,
            browser: row.browser,
            os: row.os,
            ip: row.ip,
            signed_in_at: Timestamp::from_millis(row.created_at),
            last_seen_at: Timestamp::from_millis(row.last_seen_at),
            method: row.method,
        })
        .collect())
}

/// Signs out one other device of the person; its next request is refused.
#[tracing::instrument(skip_all, fields(user = current.user(), device))]
pub(crate) async fn sign_out_device(
    state: &AppState,
    current: &CurrentSession,
    device: i64,
) -> Result<(), ApiError> {
    if device == current.session_id {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CurrentDevice,
            "This is the device you are using. Use Sign out instead.",
        ));
    }
    if db::sessions::delete(state.db().writer(), current.user(), device).await? {
        end_sessions(state, &[device]).await;
        Ok(())
    } else {
        Err(ApiError::not_found("There is no such device."))
    }
}

/// Signs out every device of the person but this one.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn sign_out_other_devices(
    state: &AppState,
    current: &CurrentSession,
) -> Result<(), ApiError> {
    let ended = db::sessions::delete_others(
        state.db().writer(),
        current.user(),
        Some(current.session_id),
    )
    .await?;
    end_sessions(state, &ended).await;
    Ok(())
}

/// Starts two-step enrolment: a new secret to scan; nothing changes until it is confirmed.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn start_totp(
    state: &AppState,
    current: &CurrentSession,
) -> Result<TotpEnrolment, ApiError> {
    let user = &current.signed_in;
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
    Ok(TotpEnrolment {
        secret,
        otpauth_url,
        qr_svg,
    })
}

/// Confirms enrolment with a first code; answers the recovery codes, shown only now.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn confirm_totp(
    state: &AppState,
    current: &CurrentSession,
    code: &str,
) -> Result<RecoveryCodes, ApiError> {
    let user = &current.signed_in;
    let Some(pending) = user.totp_pending_secret.as_deref() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::NoEnrolment,
            "Start setting up two-factor authentication first.",
        ));
    };
    let step = totp::verify(pending, code, clock::now(), None).ok_or_else(|| {
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
    Ok(RecoveryCodes { codes })
}

/// Turns two-step verification off (the password is required).
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn disable_totp(
    state: &AppState,
    current: &CurrentSession,
    password: &str,
) -> Result<(), ApiError> {
    let user = &current.signed_in;
    check_password(state, user, password, "password").await?;
    let mut tx = state.db().writer().begin().await?;
    db::users::disable_totp(&mut *tx, user.id).await?;
    db::identity::delete_recovery_codes(&mut *tx, user.id).await?;
    tx.commit().await?;
    Ok(())
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
