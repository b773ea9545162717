//! Calls for working with Roster from programs: API tokens, CSV import and export, and the
//! OpenAPI document.

use roster_shared::account::AccountId;
use roster_shared::api::{
    ApiTokenInfo, BulkInviteRequest, CreateApiTokenRequest, CreatedApiToken, CsvImportRequest,
    GroupGrant, GroupGrantOutcome, ImportPreview, InviteResult, PushedGroup,
};

use super::{ApiError, delete, delete_for, get, post, put};

// ---- API tokens ------------------------------------------------------------------------------

/// The tokens of an account and its sub-accounts (never their secrets).
pub async fn api_tokens(account: AccountId) -> Result<Vec<ApiTokenInfo>, ApiError> {
    get(&format!("/api/v1/accounts/{account}/api-tokens")).await
}

/// A new token acting on `account` and its sub-accounts; the secret is in this answer only.
pub async fn create_api_token(
    account: AccountId,
    request: &CreateApiTokenRequest,
) -> Result<CreatedApiToken, ApiError> {
    post(&format!("/api/v1/accounts/{account}/api-tokens"), request).await
}

pub async fn revoke_api_token(account: AccountId, token: i64) -> Result<(), ApiError> {
    delete(
        &format!("/api/v1/accounts/{account}/api-tokens/{token}"),
        None::<&()>,
    )
    .await
}

// ---- Provisioning ------------------------------------------------------------------------------

/// The groups an identity provider pushed, with what each gives its members.
pub async fn pushed_groups(account: AccountId) -> Result<Vec<PushedGroup>, ApiError> {
    get(&format!("/api/v1/accounts/{account}/provisioning/groups")).await
}

/// Makes group `group` give `grant` (`None`: nothing); the members' access follows.
pub async fn set_group_grant(
    account: AccountId,
    group: i64,
    grant: Option<&GroupGrant>,
) -> Result<GroupGrantOutcome, ApiError> {
    let path = format!("/api/v1/accounts/{account}/provisioning/groups/{group}");
    match grant {
        Some(grant) => put(&path, grant).await,
        None => delete_for(&path).await,
    }
}

// ---- CSV import and export ---------------------------------------------------------------------

/// Reads `email,role,account` rows and says per row what is wrong; sends nothing.
pub async fn import_preview(
    account: AccountId,
    request: &CsvImportRequest,
) -> Result<ImportPreview, ApiError> {
    post(
        &format!("/api/v1/accounts/{account}/invitations/preview"),
        request,
    )
    .await
}

/// Sends the rows as one batch: all of them or, when one cannot be sent, none.
pub async fn import_send(
    account: AccountId,
    request: &BulkInviteRequest,
) -> Result<InviteResult, ApiError> {
    post(
        &format!("/api/v1/accounts/{account}/invitations/bulk"),
        request,
    )
    .await
}

/// Where the Users list downloads as CSV (a plain link; `query` as from
/// [`super::people_query_string`]).
pub fn people_csv_url(account: AccountId, query: &str) -> String {
    format!("/api/v1/accounts/{account}/people.csv{query}")
}

// ---- the API document ----------------------------------------------------------------------------

/// The OpenAPI document the server generates from its routes, as plain JSON (the reference
/// page reads only a few parts of it; typed structs for all of OpenAPI would cost wasm size).
pub async fn openapi_document() -> Result<serde_json::Value, ApiError> {
    get("/api/openapi.json").await
}
