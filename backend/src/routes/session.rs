//! Signing in and out, and who is signed in.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::access::UserId;
use roster_shared::api::ErrorCode;
use roster_shared::api::{
    CurrentUser, SessionInfo, SignInOutcome, SignInRequest, TotpSignInRequest,
};
use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::time::{MINUTE_MS, Timestamp};

use crate::auth::session::{self, ClientInfo, CurrentSession};
use crate::auth::throttle::{self, Subject};
use crate::auth::{device, token, totp};
use crate::clock;
use crate::db;
use crate::db::users::UserRow;
use crate::error::{ApiError, AppJson};
use crate::mail::{self, Mail};
use crate::state::AppState;

/// How long the second sign-in step may take.
const CHALLENGE_MS: i64 = 5 * MINUTE_MS;
/// Wrong codes allowed per challenge before signing in must start again.
const CHALLENGE_ATTEMPTS: i64 = 5;

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "The email address or password is not right.",
    )
}

/// Signs in with email and password. With two-factor authentication on, the answer asks for
/// a code instead of starting the session.
#[utoipa::path(
    post,
    path = "/api/v1/sign-in",
    tag = "session",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in (a session cookie is set), or a code is needed", body = SignInOutcome),
        (status = 401, description = "Wrong email or password", body = roster_shared::api::ErrorBody),
        (status = 429, description = "Too many failures; the Retry-After header says when to try again", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(request): AppJson<SignInRequest>,
) -> Result<Response, ApiError> {
    let now = clock::now();
    // An unparseable address still gets the same answer and the same throttling as a wrong
    // password: nothing tells whether an account exists.
    let email_key = EmailAddress::parse(&request.email)
        .map(|e| e.key())
        .unwrap_or_else(|_| request.email.trim().to_lowercase());
    // The address first: a client refused for its own guesses does not count on the account.
    let subjects = [Subject::Address(&client.ip), Subject::Email(&email_key)];
    let db = state.db();
    throttle::take_attempt(db.writer(), &subjects, now).await?;
    let user = db::users::find_by_email(db.reader(), &email_key).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = state.hasher().verify(&request.password, stored).await?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(invalid_credentials());
    };
    throttle::give_back(db.writer(), &subjects[..1]).await?;
    throttle::clear(db.writer(), Subject::Email(&email_key)).await?;
    if user.totp_secret.is_some() {
        let (challenge, hash) = token::new_token();
        db::sessions::insert_challenge(db.writer(), &hash, user.id, now.plus_millis(CHALLENGE_MS))
            .await?;
        return Ok(AppJson(SignInOutcome::TotpRequired { challenge }).into_response());
    }
    start_session(&state, &client, &user, now).await
}

/// The second step: a code from the authenticator app, or a recovery code.
///
/// Every attempt is counted before its code is checked, twice: on the challenge (at most
/// [`CHALLENGE_ATTEMPTS`], then signing in must start again) and on the person, across all
/// their challenges (see [`throttle::SECOND_STEP_FAILURES`]), so neither concurrent requests
/// nor fresh challenges buy more guesses. The person is mailed once when their second step
/// locks.
#[utoipa::path(
    post,
    path = "/api/v1/sign-in/totp",
    tag = "session",
    request_body = TotpSignInRequest,
    responses(
        (status = 200, description = "Signed in; a session cookie is set", body = SignInOutcome),
        (status = 401, description = "Wrong code, or the step took too long or had too many wrong codes", body = roster_shared::api::ErrorBody),
        (status = 429, description = "Too many wrong codes for this account or from this address; the Retry-After header says when to try again", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn sign_in_totp(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(request): AppJson<TotpSignInRequest>,
) -> Result<Response, ApiError> {
    let now = clock::now();
    let db = state.db();
    let challenge_hash = token::hash(&request.challenge);
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
    if !code_is_valid(&state, &user, &request.code, now).await? {
        // The wrong code stays counted, on the address too.
        if attempt == throttle::SECOND_STEP_FAILURES {
            // This wrong code locked the step: exactly one request sees this number.
            notify_second_step_locked(&state, &user, attempt, now).await?;
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
    start_session(&state, &client, &user, now).await
}

/// Tells the person that someone who knew their password was stopped at the second step.
async fn notify_second_step_locked(
    state: &AppState,
    user: &UserRow,
    failures: i64,
    now: Timestamp,
) -> Result<(), ApiError> {
    let mut tx = state.db().writer().begin().await?;
    mail::enqueue(
        &mut tx,
        &Mail::SecondStepLocked {
            user_id: user.id,
            failures,
        },
        &user.email,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer().wake();
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

/// Creates the session for `user` on this device and answers with its cookie.
pub(crate) async fn start_session(
    state: &AppState,
    client: &ClientInfo,
    user: &UserRow,
    now: Timestamp,
) -> Result<Response, ApiError> {
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
        },
    )
    .await?;
    db::users::record_sign_in(&mut *tx, user.id, now).await?;
    tx.commit().await?;
    let info = session_info(user, &token)?;
    let cookie = session::session_cookie(&token, now, expires_at, state.secure_cookies());
    let mut response = AppJson(SignInOutcome::SignedIn { session: info }).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

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

/// Who is signed in on this browser.
#[utoipa::path(
    get,
    path = "/api/v1/session",
    tag = "session",
    responses(
        (status = 200, description = "The signed-in person", body = SessionInfo),
        (status = 401, description = "Not signed in, or the session ended", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn current(
    current: CurrentSession,
    headers: HeaderMap,
) -> Result<AppJson<SessionInfo>, ApiError> {
    let token = session::session_token(&headers).ok_or_else(session::sign_in_required)?;
    Ok(AppJson(session_info(&current.signed_in, token)?))
}

/// Signs out on this device.
#[utoipa::path(
    post,
    path = "/api/v1/sign-out",
    tag = "session",
    responses((status = 204, description = "Signed out; the cookie is removed"))
)]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<Response, ApiError> {
    db::sessions::delete(state.db().writer(), current.user(), current.session_id).await?;
    let cookie: HeaderValue = session::clear_session_cookie(state.secure_cookies());
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
