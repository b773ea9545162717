//! Signing in and out, and who is signed in: the HTTP side of `auth::sign_in`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::api::{
    PasskeyCeremony, PasskeySignInRequest, SessionInfo, SignInMethods, SignInOutcome,
    SignInRequest, TotpSignInRequest,
};

use crate::auth::passkey;
use crate::auth::session::{self, ClientInfo, CurrentSession};
use crate::auth::sign_in::{self, AfterPassword, Started};
use crate::clock;
use crate::error::{ApiError, AppJson};
use crate::metrics::SignInMethod as Method;
use crate::state::AppState;

/// The answer to a request that started a session: the session, and its cookie.
pub(crate) fn signed_in(state: &AppState, started: Started) -> Response {
    let cookie = session::session_cookie(
        &started.token,
        clock::now(),
        started.expires_at,
        state.secure_cookies(),
    );
    let mut response = AppJson(SignInOutcome::SignedIn {
        session: started.info,
    })
    .into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
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
    let after = sign_in::with_password(
        &state,
        &client,
        &request.email,
        &request.password,
        clock::now(),
    )
    .await;
    match counted(&state, Method::Password, after)? {
        AfterPassword::Started(started) => Ok(signed_in(&state, started)),
        AfterPassword::CodeNeeded { challenge } => {
            Ok(AppJson(SignInOutcome::TotpRequired { challenge }).into_response())
        }
    }
}

/// The second step: a code from the authenticator app, or a recovery code.
///
/// Every attempt is counted before its code is checked, on the challenge and on the person
/// across all their challenges, so neither concurrent requests nor fresh challenges buy more
/// guesses. The person is mailed once when their second step locks.
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
    let started = sign_in::with_code(
        &state,
        &client,
        &request.challenge,
        &request.code,
        clock::now(),
    )
    .await;
    let started = counted(&state, Method::SecondStep, started)?;
    Ok(signed_in(&state, started))
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
    Ok(AppJson(sign_in::session_info(&current.signed_in, token)?))
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
    sign_in::sign_out(&state, &current).await?;
    let cookie: HeaderValue = session::clear_session_cookie(state.secure_cookies());
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// What the sign-in page may offer besides the password.
#[utoipa::path(
    get,
    path = "/api/v1/sign-in/methods",
    tag = "session",
    responses((status = 200, body = SignInMethods))
)]
pub(crate) async fn methods(State(state): State<AppState>) -> AppJson<SignInMethods> {
    AppJson(SignInMethods {
        passkey_origin: state.passkeys().origin().map(str::to_owned),
    })
}

/// Starts signing in with a passkey: options for the browser's `navigator.credentials.get`.
#[utoipa::path(
    post,
    path = "/api/v1/sign-in/passkey/challenge",
    tag = "session",
    responses(
        (status = 200, description = "Hand `options` to the browser, then send its answer with `ceremony`", body = PasskeyCeremony),
        (status = 409, description = "Passkeys need Roster at a name, not an IP address", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn passkey_challenge(
    State(state): State<AppState>,
) -> Result<AppJson<PasskeyCeremony>, ApiError> {
    Ok(AppJson(passkey::start_sign_in(&state).await?))
}

/// Signs in with the passkey the browser chose. A passkey is both steps: no code follows.
#[utoipa::path(
    post,
    path = "/api/v1/sign-in/passkey",
    tag = "session",
    request_body = PasskeySignInRequest,
    responses(
        (status = 200, description = "Signed in; a session cookie is set", body = SignInOutcome),
        (status = 401, description = "The ceremony expired or was used, or the passkey is unknown or does not prove itself", body = roster_shared::api::ErrorBody),
        (status = 429, description = "Too many failures from this address; the Retry-After header says when to try again", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn sign_in_passkey(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(request): AppJson<PasskeySignInRequest>,
) -> Result<Response, ApiError> {
    let started = passkey::finish_sign_in(
        &state,
        &client,
        &request.ceremony,
        request.credential,
        clock::now(),
    )
    .await;
    let started = counted(&state, Method::Passkey, started)?;
    Ok(signed_in(&state, started))
}

/// Counts a sign-in attempt by what came of it (`roster_sign_ins_total`).
fn counted<T: SignInStep>(
    state: &AppState,
    method: Method,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match &result {
        Ok(step) => state.metrics().sign_in(method, step.outcome()),
        Err(error) => state.metrics().sign_in_refused(method, error.parts().0),
    }
    result
}

/// Where a successful step leaves someone: signed in, or asked for their second step.
trait SignInStep {
    fn outcome(&self) -> crate::metrics::SignInOutcome;
}

impl SignInStep for Started {
    fn outcome(&self) -> crate::metrics::SignInOutcome {
        crate::metrics::SignInOutcome::Success
    }
}

impl SignInStep for AfterPassword {
    fn outcome(&self) -> crate::metrics::SignInOutcome {
        match self {
            AfterPassword::Started(_) => crate::metrics::SignInOutcome::Success,
            AfterPassword::CodeNeeded { .. } => crate::metrics::SignInOutcome::SecondStepNeeded,
        }
    }
}
