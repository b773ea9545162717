//! Settings › Webhooks: an organisation's endpoints, their deliveries, test events, resending
//! and replaying.

use roster_shared::account::AccountId;
use roster_shared::webhook::{
    CreatedWebhookEndpoint, ReplayOutcome, ReplayRequest, RotatedWebhookSecret, WebhookDelivery,
    WebhookEndpoint, WebhookEndpointDetail, WebhookEndpointRequest,
};

use super::{ApiError, delete, get, post, post_for, put};

fn base(account: AccountId) -> String {
    format!("/api/v1/accounts/{account}/webhooks")
}

pub async fn webhook_endpoints(account: AccountId) -> Result<Vec<WebhookEndpoint>, ApiError> {
    get(&base(account)).await
}

pub async fn add_webhook_endpoint(
    account: AccountId,
    request: &WebhookEndpointRequest,
) -> Result<CreatedWebhookEndpoint, ApiError> {
    post(&base(account), request).await
}

pub async fn webhook_endpoint(
    account: AccountId,
    endpoint: i64,
) -> Result<WebhookEndpointDetail, ApiError> {
    get(&format!("{}/{endpoint}", base(account))).await
}

pub async fn change_webhook_endpoint(
    account: AccountId,
    endpoint: i64,
    request: &WebhookEndpointRequest,
) -> Result<WebhookEndpoint, ApiError> {
    put(&format!("{}/{endpoint}", base(account)), request).await
}

pub async fn remove_webhook_endpoint(account: AccountId, endpoint: i64) -> Result<(), ApiError> {
    delete(&format!("{}/{endpoint}", base(account)), None::<&()>).await
}

pub async fn rotate_webhook_secret(
    account: AccountId,
    endpoint: i64,
) -> Result<RotatedWebhookSecret, ApiError> {
    post_for(&format!("{}/{endpoint}/secret", base(account))).await
}

pub async fn send_webhook_test(
    account: AccountId,
    endpoint: i64,
) -> Result<WebhookDelivery, ApiError> {
    post_for(&format!("{}/{endpoint}/test", base(account))).await
}

pub async fn resend_webhook_delivery(
    account: AccountId,
    endpoint: i64,
    delivery: i64,
) -> Result<WebhookDelivery, ApiError> {
    post_for(&format!(
        "{}/{endpoint}/deliveries/{delivery}/resend",
        base(account)
    ))
    .await
}

pub async fn replay_webhook_events(
    account: AccountId,
    endpoint: i64,
    request: &ReplayRequest,
) -> Result<ReplayOutcome, ApiError> {
    post(&format!("{}/{endpoint}/replay", base(account)), request).await
}
