//! Invitation links, for the person invited: `/api/v1/invitations/…` (no session needed).

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_shared::api::{
    AcceptInvitationRequest, InvitationTokenRequest, InvitationView, SignInOutcome,
};

use crate::auth::session::{self, ClientInfo, CurrentSession};
use crate::error::{ApiError, AppJson};
use crate::routes::session::signed_in;
use crate::state::AppState;
use crate::team::accept;

/// The signed-in session of the request, if there is a valid one.
pub(crate) struct MaybeSession(Option<(CurrentSession, String)>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session::session_token(&parts.headers).map(str::to_owned);
        match (
            CurrentSession::from_request_parts(parts, state).await,
            token,
        ) {
            (Ok(current), Some(token)) => Ok(MaybeSession(Some((current, token)))),
            _ => Ok(MaybeSession(None)),
        }
    }
}

/// What an invitation link offers, and whether it can still be accepted.
#[utoipa::path(post, path = "/api/v1/invitations/inspect", tag = "invitations", request_body = InvitationTokenRequest,
    responses((status = 200, body = InvitationView), (status = 404, description = "Not a valid link (any more)", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn inspect(
    State(state): State<AppState>,
    AppJson(request): AppJson<InvitationTokenRequest>,
) -> Result<AppJson<InvitationView>, ApiError> {
    Ok(AppJson(accept::inspect(&state, &request.token).await?))
}

/// Accepts an invitation: a new person creates their profile and is signed in; someone with
/// an identity confirms while signed in as the invited address.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "invitations", request_body = AcceptInvitationRequest,
    responses((status = 200, description = "Accepted; signed in", body = roster_shared::api::SignInOutcome),
        (status = 401, description = "Sign in as the invited address first", body = roster_shared::api::ErrorBody),
        (status = 403, description = "Signed in as someone else", body = roster_shared::api::ErrorBody),
        (status = 404, description = "Not a valid link (any more)", body = roster_shared::api::ErrorBody),
        (status = 410, description = "Expired", body = roster_shared::api::ErrorBody),
        (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn accept_invitation(
    State(state): State<AppState>,
    client: ClientInfo,
    MaybeSession(session): MaybeSession,
    AppJson(request): AppJson<AcceptInvitationRequest>,
) -> Result<Response, ApiError> {
    Ok(
        match accept::accept(&state, &client, session, request).await? {
            accept::Accepted::SameSession(session) => {
                AppJson(SignInOutcome::SignedIn { session }).into_response()
            }
            accept::Accepted::Started(started) => signed_in(&state, started),
        },
    )
}

/// Mails the invitation to the address it was made for (for someone holding a copied link,
/// which cannot set up a new person). At most one mail every ten minutes per invitation; the
/// answer is the same whether or not one left.
#[utoipa::path(post, path = "/api/v1/invitations/email", tag = "invitations", request_body = InvitationTokenRequest,
    responses((status = 202, description = "The invitation is (or was recently) on its way to the invited address"),
        (status = 404, description = "Not a valid link (any more)", body = roster_shared::api::ErrorBody),
        (status = 410, description = "Expired", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn email_invitation(
    State(state): State<AppState>,
    AppJson(request): AppJson<InvitationTokenRequest>,
) -> Result<StatusCode, ApiError> {
    accept::email_again(&state, &request.token).await?;
    Ok(StatusCode::ACCEPTED)
}
