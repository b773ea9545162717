//! "Forgot password?": a link mailed to the person's address, with which they choose a new
//! password.
//!
//! Asking never tells whether an address has an account: every request gets the same answer,
//! counted by the same throttle, and it is given before the address is even looked up (the
//! lookup, the link and the mail happen afterwards, in the background), so neither the answer
//! nor its timing differs. Only someone with a password can reset it: an invited person who
//! has not accepted yet gets nothing (and the same answer).
//!
//! The link is single-use and short-lived; asking again replaces it. Choosing the new
//! password signs the person out everywhere, ends any pending second sign-in step and mails
//! them a notice. It never signs them in: they sign in afterwards like every day, with the
//! second step when two-factor authentication is on, so a reset link alone is never enough
//! to get past it.

use axum::http::StatusCode;
use roster_shared::api::{ErrorCode, LiveEvent, PasswordResetView};
use roster_shared::email::EmailAddress;
use roster_shared::password::NewPassword;
use roster_shared::time::{MINUTE_MS, Timestamp};

use crate::auth::session::ClientInfo;
use crate::auth::throttle::{self, Subject};
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::db::password_resets::ResetRow;
use crate::error::ApiError;
use crate::events::Audience;
use crate::mail::{self, Mail, PasswordChange};
use crate::state::AppState;

/// How long a reset link works.
pub(crate) const RESET_VALIDITY_MS: i64 = 30 * MINUTE_MS;

/// Counts a request for `email` and answers at once; the reset itself (if the address has
/// someone with a password) starts in the background.
#[tracing::instrument(skip_all)]
pub(crate) async fn request(
    state: &AppState,
    client: &ClientInfo,
    email: &EmailAddress,
) -> Result<(), ApiError> {
    let now = clock::now();
    let email_key = email.key();
    // The client's own address first: one refused for its own requests does not count on the
    // address it asks for.
    let subjects = [
        Subject::ResetAddress(&client.ip),
        Subject::ResetEmail(&email_key),
    ];
    let db = state.db();
    // Every request counts, whether or not the address has an account.
    throttle::take_attempt(db.writer(), &subjects, now).await?;
    let background = state.clone();
    let key = email_key.clone();
    tokio::spawn(async move {
        if let Err(error) = start(&background, &key, now).await {
            tracing::error!(error = %format!("{error:#}"), "cannot start a password reset");
        }
    });
    Ok(())
}

/// Starts a reset for the person with `email_key`, if there is one with a password.
async fn start(state: &AppState, email_key: &str, now: Timestamp) -> anyhow::Result<()> {
    let db = state.db();
    let Some(user) = db::users::find_by_email(db.reader(), email_key).await? else {
        return Ok(());
    };
    if user.password_hash.is_none() {
        return Ok(());
    }
    let mut tx = db.writer().begin().await?;
    let reset_id =
        db::password_resets::start(&mut tx, user.id, now, now.plus_millis(RESET_VALIDITY_MS))
            .await?;
    mail::enqueue(
        &mut tx,
        &Mail::PasswordReset { reset_id },
        &user.email,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer().wake();
    tracing::info!(user = user.id, "password reset link requested");
    Ok(())
}

fn not_valid() -> ApiError {
    ApiError::not_found(
        "This link does not work any more: it was used already, or a newer link was sent since.",
    )
}

/// The open reset a link belongs to: 404 when it is used, replaced or unknown, 410 when it
/// expired.
async fn open_reset(state: &AppState, token: &str, now: Timestamp) -> Result<ResetRow, ApiError> {
    let reset = db::password_resets::find_by_token(state.db().reader(), &token::hash(token))
        .await?
        .filter(ResetRow::is_open)
        .ok_or_else(not_valid)?;
    if reset.expires_at <= now.millis() {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::LinkExpired,
            format!(
                "This link expired at {}. Ask for a new one.",
                Timestamp::from_millis(reset.expires_at).format_date_time()
            ),
        ));
    }
    Ok(reset)
}

/// What a reset link is for, so the page can say it before a new password is typed.
pub(crate) async fn inspect(state: &AppState, token: &str) -> Result<PasswordResetView, ApiError> {
    let reset = open_reset(state, token, clock::now()).await?;
    Ok(PasswordResetView {
        email: EmailAddress::parse(&reset.email).map_err(ApiError::internal)?,
        expires_at: Timestamp::from_millis(reset.expires_at),
    })
}

/// Sets the new password with a reset link, signs the person out everywhere and mails them a
/// notice; answers their address. It does not sign in.
#[tracing::instrument(skip_all)]
pub(crate) async fn complete(
    state: &AppState,
    token: &str,
    password: &str,
) -> Result<EmailAddress, ApiError> {
    let now = clock::now();
    let reset = open_reset(state, token, now).await?;
    NewPassword::parse_for(password, &reset.email)
        .map_err(|error| ApiError::invalid_field("password", error.to_string()))?;
    let hash = state.hasher().hash(password).await?;
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    // Checked again where it is used: of two requests with one link, one changes the password.
    let Some(ended) = db::password_resets::complete(&mut tx, &reset, &hash, now).await? else {
        return Err(not_valid());
    };
    mail::enqueue(
        &mut tx,
        &Mail::PasswordChanged {
            user_id: reset.user_id,
            how: PasswordChange::ResetLink,
        },
        &reset.email,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer().wake();
    let email = EmailAddress::parse(&reset.email).map_err(ApiError::internal)?;
    // Whoever reads the person's mail may sign in now, however many wrong passwords came
    // before: the reset proved that much. The second step keeps its own count.
    throttle::clear(db.writer(), Subject::Email(&email.key())).await?;
    tracing::info!(
        user = reset.user_id,
        sessions_ended = ended.len(),
        "password reset"
    );
    for session in ended {
        state
            .events()
            .publish(db, Audience::Session { session }, LiveEvent::SessionEnded)
            .await;
    }
    Ok(email)
}
