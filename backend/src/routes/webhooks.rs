//! *Settings › Webhooks*: an organisation's endpoints (Admins and Owners of its top-level
//! account), their deliveries, test events and secret rotation.

use axum::extract::State;
use axum::http::StatusCode;
use roster_shared::webhook::{
    CreatedWebhookEndpoint, ReplayOutcome, ReplayRequest, RotatedWebhookSecret, WebhookDelivery,
    WebhookEndpoint, WebhookEndpointDetail, WebhookEndpointRequest,
};

use crate::error::{ApiError, AppJson, AppPath};
use crate::state::AppState;
use crate::team::context::{ActingOn, OnAccount};
use crate::webhooks::endpoints;

/// The organisation's webhook endpoints.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/webhooks", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<WebhookEndpoint>), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn webhook_endpoints(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
) -> Result<AppJson<Vec<WebhookEndpoint>>, ApiError> {
    Ok(AppJson(endpoints::list(&state, &ctx).await?))
}

/// Adds an endpoint; its signing secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/webhooks", tag = "webhooks", params(("id" = i64, Path)),
    request_body = WebhookEndpointRequest,
    responses((status = 201, body = CreatedWebhookEndpoint), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 409, description = "The organisation has 20 endpoints", body = roster_shared::api::ErrorBody),
        (status = 422, description = "An address webhooks may not reach, or no event type", body = roster_shared::api::ErrorBody)))]
pub(crate) async fn add_webhook_endpoint(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppJson(request): AppJson<WebhookEndpointRequest>,
) -> Result<(StatusCode, AppJson<CreatedWebhookEndpoint>), ApiError> {
    let created = endpoints::create(&state, &actor, &ctx, &request).await?;
    Ok((StatusCode::CREATED, AppJson(created)))
}

/// An endpoint and its latest deliveries (status code, time taken, the answer's first bytes).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/webhooks/{endpoint}", tag = "webhooks",
    params(("id" = i64, Path), ("endpoint" = i64, Path)),
    responses((status = 200, body = WebhookEndpointDetail), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn webhook_endpoint(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppPath((_account, endpoint)): AppPath<(i64, i64)>,
) -> Result<AppJson<WebhookEndpointDetail>, ApiError> {
    Ok(AppJson(endpoints::detail(&state, &ctx, endpoint).await?))
}

/// Changes an endpoint's address, events or state (turning it on again sends what waited).
#[utoipa::path(put, path = "/api/v1/accounts/{id}/webhooks/{endpoint}", tag = "webhooks",
    params(("id" = i64, Path), ("endpoint" = i64, Path)), request_body = WebhookEndpointRequest,
    responses((status = 200, body = WebhookEndpoint), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn change_webhook_endpoint(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, endpoint)): AppPath<(i64, i64)>,
    AppJson(request): AppJson<WebhookEndpointRequest>,
) -> Result<AppJson<WebhookEndpoint>, ApiError> {
    Ok(AppJson(
        endpoints::update(&state, &actor, &ctx, endpoint, &request).await?,
    ))
}

/// Removes an endpoint and its deliveries.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/webhooks/{endpoint}", tag = "webhooks",
    params(("id" = i64, Path), ("endpoint" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn remove_webhook_endpoint(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, endpoint)): AppPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    endpoints::remove(&state, &actor, &ctx, endpoint).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret (in this answer only); the previous one signs too for a day.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/webhooks/{endpoint}/secret", tag = "webhooks",
    params(("id" = i64, Path), ("endpoint" = i64, Path)),
    responses((status = 200, body = RotatedWebhookSecret), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn rotate_webhook_secret(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, endpoint)): AppPath<(i64, i64)>,
) -> Result<AppJson<RotatedWebhookSecret>, ApiError> {
    Ok(AppJson(
        endpoints::rotate_secret(&state, &actor, &ctx, endpoint).await?,
    ))
}

/// Sends a `webhook.test` event to this endpoint; the answer is its delivery, queued.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/webhooks/{endpoint}/test", tag = "webhooks",
    params(("id" = i64, Path), ("endpoint" = i64, Path)),
    responses((status = 202, body = WebhookDelivery), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn send_webhook_test(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, endpoint)): AppPath<(i64, i64)>,
) -> Result<(StatusCode, AppJson<WebhookDelivery>), ApiError> {
    let delivery = endpoints::send_test(&state, &actor, &ctx, endpoint).await?;
    Ok((StatusCode::ACCEPTED, AppJson(delivery)))
}

/// Sends one delivery's event again to its endpoint (a new delivery, queued after the waiting
/// ones).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/webhooks/{endpoint}/deliveries/{delivery}/resend", tag = "webhooks",
    params(("id" = i64, Path), ("endpoint" = i64, Path), ("delivery" = i64, Path)),
    responses((status = 202, body = WebhookDelivery), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn resend_webhook_delivery(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppPath((_account, endpoint, delivery)): AppPath<(i64, i64, i64)>,
) -> Result<(StatusCode, AppJson<WebhookDelivery>), ApiError> {
    let queued = endpoints::resend(&state, &ctx, endpoint, delivery).await?;
    Ok((StatusCode::ACCEPTED, AppJson(queued)))
}

/// Sends every event since a time to this endpoint again (those it subscribes to, oldest
/// first, at most 10,000).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/webhooks/{endpoint}/replay", tag = "webhooks",
    params(("id" = i64, Path), ("endpoint" = i64, Path)), request_body = ReplayRequest,
    responses((status = 202, body = ReplayOutcome), (status = 403, body = roster_shared::api::ErrorBody),
        (status = 404, body = roster_shared::api::ErrorBody), (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn replay_webhook_events(
    State(state): State<AppState>,
    ActingOn { ctx, actor, .. }: ActingOn,
    AppPath((_account, endpoint)): AppPath<(i64, i64)>,
    AppJson(request): AppJson<ReplayRequest>,
) -> Result<(StatusCode, AppJson<ReplayOutcome>), ApiError> {
    let outcome = endpoints::replay(&state, &actor, &ctx, endpoint, &request).await?;
    Ok((StatusCode::ACCEPTED, AppJson(outcome)))
}
