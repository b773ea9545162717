//! Signing in: a password, then (with two-step verification on) a code; the session either
//! starts; signing out. Routes turn a [`Started`] session into its cookie.

use axum::http::StatusCode;
use roster_shared::access::UserId;
use roster_shared::api::{CurrentUser, ErrorCode, SessionInfo, SignInMethod};
use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::time::{MINUTE_MS, Timestamp};

use crate::auth::session::{self, ClientInfo, CurrentSession};
use crate::auth::throttle::{self, Subject};
use crate::auth::{device, token, totp};
use crate::db;
use crate::db::users::UserRow;
use crate::error::ApiError;
use crate::mail::{self, Mail};
use crate::state::AppState;

/// How long the second sign-in step may take.
const CHALLENGE_MS: i64 = 5 * MINUTE_MS;
/// Wrong codes allowed per challenge before signing in must start again.
const CHALLENGE_ATTEMPTS: i64 = 5;

/// A session just started on this device.
pub(crate) struct Started {
    /// The session's secret, for the cookie only (its hash is stored).
    pub(crate) token: String,
    pub(crate) expires_at: Timestamp,
    pub(crate) info: SessionInfo,
}

/// What a right password leads to.
pub(crate) enum AfterPassword {
    Started(Started),
    /// Two-step verification is on: a code must follow, with this challenge.
    CodeNeeded {
        challenge: String,
    },
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "The email address or password is not right.",
    )
}

/// Checks an email address and password. Every attempt is counted before it is checked (see
/// [`throttle::take_attempt`]), on the client's address first: a client refused for its own
/// guesses does not count on the account.
#[tracing::instrument(skip_all)]
pub(crate) async fn with_password(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    password: &str,
    now: Timestamp,
) -> Result<AfterPassword, ApiError> {
    // An unparseable address still gets the same answer and the same throttling as a wrong
    // password: nothing tells whether an account exists.
    let email_key = EmailAddress::parse(email)
        .map(|e| e.key())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let subjects = [Subject::Address(&client.ip), Subject::Email(&email_key)];
    let db = state.db();
    throttle::take_attempt(db.writer(), &subjects, now).await?;
    let user = db::users::find_by_email(db.reader(), &email_key).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = state.hasher().verify(password, stored).await?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(invalid_credentials());
    };
    throttle::give_back(db.writer(), &subjects[..1]).await?;
    throttle::clear(db.writer(), Subject::Email(&email_key)).await?;
    // Checked once the password is right, so the answer tells nothing to someone guessing.
    refuse_if_sso_required(state, &user).await?;
    if user.totp_secret.is_some() {
        let (challenge, hash) = token::new_token();
        db::sessions::insert_challenge(db.writer(), &hash, user.id, now.plus_millis(CHALLENGE_MS))
            .await?;
        return Ok(AfterPassword::CodeNeeded { challenge });
    }
    Ok(AfterPassword::Started(
        start(state, client, &user, SignInMethod::Password, now).await?,
    ))
}

/// Refuses a password or a passkey to someone whose organisation requires its identity
/// provider for their address's domain.
pub(crate) async fn refuse_if_sso_required(
    state: &AppState,
    user: &UserRow,
) -> Result<(), ApiError> {
    let Ok(address) = EmailAddress::parse(&user.email) else {
        return Ok(());
    };
    if db::sso::sso_required_for(state.db().reader(), user.id, address.domain()).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::SsoRequired,
            "Your organisation signs in through its identity provider. Use “Continue with SSO”.",
        ));
    }
    Ok(())
}

/// The second step: a code from the authenticator app, or a recovery code.
///
/// Every attempt is counted before its code is checked, twice: on the challenge (at most
/// [`CHALLENGE_ATTEMPTS`], then signing in must start again) and on the person, across all
/// their challenges (see [`throttle::SECOND_STEP_FAILURES`]), so neither concurrent requests
/// nor fresh challenges buy more guesses. The person is mailed once when their second step
/// locks.
#[tracing::instrument(skip_all)]
pub(crate) async fn with_code(
    state: &AppState,
    client: &ClientInfo,
    challenge: &str,
    code: &str,
    now: Timestamp,
) -> Result<Started, ApiError> {
    let db = state.db();
    let challenge_hash = token::hash(challenge);
    let expired = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::ChallengeExpired,
            "This sign-in took too long or had too many wrong codes. Please sign in again.",
        )
    };
    let subjects = [Subject::Address(&client.ip)];
    throttle::take_attempt(db.writer(), &subjects, now).await?;
    let Some(user_id) =
        db::sessions::take_challenge_attempt(db.writer(), &challenge_hash, now, CHALLENGE_ATTEMPTS)
            .await?
    else {
        // Expired or used up (or never was): it is of no use to anyone any more, and no code
        // was checked against it.
        throttle::give_back(db.writer(), &subjects).await?;
        db::sessions::delete_challenge(db.writer(), &challenge_hash).await?;
        return Err(expired());
    };
    let (attempt, user) = match (
        throttle::take_second_step_attempt(db.writer(), user_id, now).await,
        db::users::find(db.reader(), user_id).await?,
    ) {
        (Ok(attempt), Some(user)) => (attempt, user),
        (locked, _) => {
            // No code is checked: the step is locked, or the person is gone.
            throttle::give_back(db.writer(), &subjects).await?;
            locked?;
            return Err(expired());
        }
    };
    if !code_is_valid(state, &user, code, now).await? {
        // The wrong code stays counted, on the address too.
        if attempt == throttle::SECOND_STEP_FAILURES {
            // This wrong code locked the step: exactly one request sees this number.
            notify_second_step_locked(state, &user, attempt, now).await?;
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCode,
            "That code is not right. Use the current code from your authenticator app, or a recovery code.",
        ));
    }
    throttle::release_second_step_attempt(db.writer(), user_id).await?;
    throttle::give_back(db.writer(), &subjects).await?;
    if !db::sessions::delete_challenge(db.writer(), &challenge_hash).await? {
        return Err(expired());
    }
    start(state, client, &user, SignInMethod::Password, now).await
}

/// Tells the person that someone who knew their password was stopped at the second step.
async fn notify_second_step_locked(
    state: &AppState,
    user: &UserRow,
    failures: i64,
    now: Timestamp,
) -> Result<(), ApiError> {
    let locked = Mail::SecondStepLocked {
        user_id: user.id,
        failures,
    };
    mail::send_alone(state, &locked, &user.email, now).await?;
    tracing::warn!(
        user = user.id,
        failures,
        "second sign-in step locked after wrong codes"
    );
    Ok(())
}

/// Whether `code` is the person's current TOTP code (not used before) or an unused recovery
/// code; using it consumes it.
pub(crate) async fn code_is_valid(
    state: &AppState,
    user: &UserRow,
    code: &str,
    now: Timestamp,
) -> Result<bool, ApiError> {
    let Some(secret) = &user.totp_secret else {
        return Ok(false);
    };
    if let Some(step) = totp::verify(secret, code, now, user.totp_last_step) {
        return Ok(db::users::use_totp_step(state.db().writer(), user.id, step).await?);
    }
    let normalized = totp::normalize_recovery_code(code);
    if normalized.len() == 10 {
        return Ok(db::identity::use_recovery_code(
            state.db().writer(),
            user.id,
            &token::hash(&normalized),
            now,
        )
        .await?);
    }
    Ok(false)
}

/// Starts a session for `user` on this device, signed in by `method`.
pub(crate) async fn start(
    state: &AppState,
    client: &ClientInfo,
    user: &UserRow,
    method: SignInMethod,
    now: Timestamp,
) -> Result<Started, ApiError> {
    let (token, hash) = token::new_token();
    let expires_at = now.plus_millis(state.settings().session_absolute_timeout.as_millis() as i64);
    let (browser, os) = device::describe(&client.user_agent);
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::sessions::insert(
        &mut *tx,
        db::sessions::NewSession {
            token_hash: &hash,
            user_id: user.id,
            now,
            expires_at,
            user_agent: &client.user_agent,
            browser: &browser,
            os: &os,
            ip: &client.ip,
            method,
        },
    )
    .await?;
    db::users::record_sign_in(&mut *tx, user.id, now).await?;
    // Owners see who signs in how (moving to single sign-on, who still uses a password?).
    db::audit::insert_sign_in(
        &mut *tx,
        (
            user.id,
            &format!("{} <{}>", user.display_name(), user.email),
        ),
        &format!("{} signed in {}", user.display_name(), method.phrase()),
        &client.ip,
        now,
    )
    .await?;
    tx.commit().await?;
    let info = session_info(user, &token)?;
    Ok(Started {
        token,
        expires_at,
        info,
    })
}

/// What the app is told about a session of `user`.
pub(crate) fn session_info(user: &UserRow, session_token: &str) -> Result<SessionInfo, ApiError> {
    Ok(SessionInfo {
        user: CurrentUser {
            id: UserId(user.id),
            name: PersonName::parse(user.display_name()).map_err(ApiError::internal)?,
            email: EmailAddress::parse(&user.email).map_err(ApiError::internal)?,
        },
        csrf_token: session::csrf_token(session_token),
        last_account: user.last_account_id.map(roster_shared::account::AccountId),
        totp_enabled: user.totp_secret.is_some(),
    })
}

/// Ends the session on this device.
pub(crate) async fn sign_out(state: &AppState, current: &CurrentSession) -> Result<(), ApiError> {
    db::sessions::delete(state.db().writer(), current.user(), current.session_id).await?;
    Ok(())
}

/// Whether the session is still there (ended elsewhere, it is not). A database that cannot
/// answer is taken as yes: a live stream is not cut over a passing failure.
pub(crate) async fn still_open(state: &AppState, session_id: i64) -> bool {
    db::sessions::exists(state.db().reader(), session_id)
        .await
        .unwrap_or(true)
}
