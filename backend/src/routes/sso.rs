//! Single sign-on: an Owner's settings (`/api/v1/accounts/{id}/sso…`), and signing in through
//! the organisation's identity provider (`/api/v1/sso/start`, then the provider sends the
//! browser back to `/api/v1/sso/callback`).

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::api::{
    AddDomainRequest, SsoConnectionTest, SsoJoinRequest, SsoPolicyRequest, SsoProviderRequest,
    SsoRedirect, SsoSettings, SsoStartRequest,
};

use crate::auth::session::{self, ClientInfo, CurrentSession};
use crate::clock;
use crate::error::{ApiError, AppJson, AppPath};
use crate::sso::settings;
use crate::sso::sign_in::{self, Callback};
use crate::state::AppState;
use crate::team::context::ActingOn;

/// The organisation's single sign-on (Owners of the top-level account).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/sso", tag = "single sign-on", params(("id" = i64, Path)),
    responses((status = 200, body = SsoSettings), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn sso_settings(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who an address is.
    _person: CurrentSession,
    ActingOn { ctx, principal, .. }: ActingOn,
) -> Result<AppJson<SsoSettings>, ApiError> {
    Ok(AppJson(settings::get(&state, &ctx, &principal).await?))
}

/// Enters or replaces the identity provider; it must answer its discovery document first.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/sso/provider", tag = "single sign-on", params(("id" = i64, Path)),
    request_body = SsoProviderRequest,
    responses((status = 200, body = SsoSettings), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 422, description = "The issuer, client id or secret is missing or wrong", body = roster_shared::api::ErrorBody),
        (status = 502, description = "The provider did not answer its discovery document", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn set_sso_provider(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who an address is.
    _person: CurrentSession,
    ActingOn {
        ctx,
        principal,
        actor,
    }: ActingOn,
    AppJson(request): AppJson<SsoProviderRequest>,
) -> Result<AppJson<SsoSettings>, ApiError> {
    Ok(AppJson(
        settings::set_provider(&state, &ctx, &principal, &actor, &request).await?,
    ))
}

/// "Test connection": fetches the provider's discovery document and signing keys now.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/sso/test", tag = "single sign-on", params(("id" = i64, Path)),
    responses((status = 200, body = SsoConnectionTest), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 502, description = "The provider did not answer", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn test_sso_provider(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who an address is.
    _person: CurrentSession,
    ActingOn { ctx, principal, .. }: ActingOn,
) -> Result<AppJson<SsoConnectionTest>, ApiError> {
    Ok(AppJson(settings::test(&state, &ctx, &principal).await?))
}

/// Requires the provider for people in the verified domains, or stops requiring it.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/sso/policy", tag = "single sign-on", params(("id" = i64, Path)),
    request_body = SsoPolicyRequest,
    responses((status = 200, body = SsoSettings), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 409, description = "There is no provider yet", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn set_sso_policy(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who an address is.
    _person: CurrentSession,
    ActingOn {
        ctx,
        principal,
        actor,
    }: ActingOn,
    AppJson(request): AppJson<SsoPolicyRequest>,
) -> Result<AppJson<SsoSettings>, ApiError> {
    Ok(AppJson(
        settings::set_required(&state, &ctx, &principal, &actor, request.required).await?,
    ))
}

/// Lets people in the verified domains join without an invitation, with a role (never Owner)
/// on chosen accounts, or stops it (`join: null`).
#[utoipa::path(put, path = "/api/v1/accounts/{id}/sso/join", tag = "single sign-on", params(("id" = i64, Path)),
    request_body = SsoJoinRequest,
    responses((status = 200, body = SsoSettings), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 409, description = "There is no provider yet", body = roster_shared::api::ErrorBody),
        (status = 422, description = "An account that is not open in this organisation", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn set_sso_join(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who joins.
    _person: CurrentSession,
    ActingOn {
        ctx,
        principal,
        actor,
    }: ActingOn,
    AppJson(request): AppJson<SsoJoinRequest>,
) -> Result<AppJson<SsoSettings>, ApiError> {
    Ok(AppJson(
        settings::set_join(&state, &ctx, &principal, &actor, request.join).await?,
    ))
}

/// Adds an email domain; it counts once its DNS TXT record is checked (or the operator vouches).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/sso/domains", tag = "single sign-on", params(("id" = i64, Path)),
    request_body = AddDomainRequest,
    responses((status = 200, body = SsoSettings), (status = 403, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn add_sso_domain(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who an address is.
    _person: CurrentSession,
    ActingOn {
        ctx,
        principal,
        actor,
    }: ActingOn,
    AppJson(request): AppJson<AddDomainRequest>,
) -> Result<AppJson<SsoSettings>, ApiError> {
    Ok(AppJson(
        settings::add_domain(&state, &ctx, &principal, &actor, &request.domain).await?,
    ))
}

/// Removes an email domain: its people no longer sign in through the provider.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/sso/domains/{domain}", tag = "single sign-on",
    params(("id" = i64, Path), ("domain" = String, Path)),
    responses((status = 200, body = SsoSettings), (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn remove_sso_domain(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who an address is.
    _person: CurrentSession,
    ActingOn {
        ctx,
        principal,
        actor,
    }: ActingOn,
    AppPath((_account, domain)): AppPath<(i64, String)>,
) -> Result<AppJson<SsoSettings>, ApiError> {
    Ok(AppJson(
        settings::remove_domain(&state, &ctx, &principal, &actor, &domain).await?,
    ))
}

/// Checks the domain's DNS TXT record now.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/sso/domains/{domain}/verify", tag = "single sign-on",
    params(("id" = i64, Path), ("domain" = String, Path)),
    responses((status = 200, body = SsoSettings), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 409, description = "Another organisation verified it", body = roster_shared::api::ErrorBody),
        (status = 422, description = "The TXT record is not there (yet)", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn verify_sso_domain(
    State(state): State<AppState>,
    // Session-only: a program's token does not decide who an address is.
    _person: CurrentSession,
    ActingOn {
        ctx,
        principal,
        actor,
    }: ActingOn,
    AppPath((_account, domain)): AppPath<(i64, String)>,
) -> Result<AppJson<SsoSettings>, ApiError> {
    Ok(AppJson(
        settings::verify_domain(&state, &ctx, &principal, &actor, &domain).await?,
    ))
}

/// "Continue with SSO": where to send the browser (the provider of the organisation that
/// verified the address's domain). The answer depends on the domain only.
#[utoipa::path(post, path = "/api/v1/sso/start", tag = "single sign-on", request_body = SsoStartRequest,
    responses((status = 200, body = SsoRedirect),
        (status = 422, description = "No organisation signs in with single sign-on for that domain", body = roster_shared::api::ErrorBody),
        (status = 502, description = "The provider does not answer", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn sso_start(
    State(state): State<AppState>,
    AppJson(request): AppJson<SsoStartRequest>,
) -> Result<AppJson<SsoRedirect>, ApiError> {
    Ok(AppJson(
        sign_in::start(&state, &request.email, clock::now()).await?,
    ))
}

/// Where the identity provider sends the browser back: signs in (a session cookie, then the
/// app) or goes back to the sign-in page saying why not (`/sign-in?sso=…`).
#[utoipa::path(get, path = "/api/v1/sso/callback", tag = "single sign-on", params(Callback),
    responses((status = 303, description = "To the app, signed in; or to the sign-in page with the reason")))]
pub(crate) async fn sso_callback(
    State(state): State<AppState>,
    client: ClientInfo,
    Query(query): Query<Callback>,
) -> Result<Response, ApiError> {
    let now = clock::now();
    let outcome = sign_in::finish(&state, &client, query, now).await;
    let method = crate::metrics::SignInMethod::Sso;
    match &outcome {
        Ok(Ok(_)) => state
            .metrics()
            .sign_in(method, crate::metrics::SignInOutcome::Success),
        Ok(Err(_)) => state
            .metrics()
            .sign_in(method, crate::metrics::SignInOutcome::Refused),
        Err(error) => state.metrics().sign_in_refused(method, error.parts().0),
    }
    let (location, cookie) = match outcome? {
        Ok(started) => (
            "/".to_owned(),
            Some(session::session_cookie(
                &started.token,
                now,
                started.expires_at,
                state.secure_cookies(),
            )),
        ),
        Err(failure) => (format!("/sign-in?sso={failure}"), None),
    };
    let mut response = (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            HeaderValue::from_str(&location).map_err(ApiError::internal)?,
        )],
    )
        .into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
