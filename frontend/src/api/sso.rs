//! Single sign-on: an organisation's settings (Owners), and "Continue with SSO".

use roster_shared::account::AccountId;
use roster_shared::api::{
    AddDomainRequest, SsoConnectionTest, SsoJoinRequest, SsoPolicyRequest, SsoProviderRequest,
    SsoRedirect, SsoSettings, SsoStartRequest,
};

use super::{ApiError, delete_for, get, post, post_for, put};

pub async fn sso_settings(account: AccountId) -> Result<SsoSettings, ApiError> {
    get(&format!("/api/v1/accounts/{account}/sso")).await
}

pub async fn set_sso_provider(
    account: AccountId,
    request: &SsoProviderRequest,
) -> Result<SsoSettings, ApiError> {
    put(&format!("/api/v1/accounts/{account}/sso/provider"), request).await
}

pub async fn test_sso_provider(account: AccountId) -> Result<SsoConnectionTest, ApiError> {
    post_for(&format!("/api/v1/accounts/{account}/sso/test")).await
}

pub async fn set_sso_policy(
    account: AccountId,
    request: &SsoPolicyRequest,
) -> Result<SsoSettings, ApiError> {
    put(&format!("/api/v1/accounts/{account}/sso/policy"), request).await
}

pub async fn set_sso_join(
    account: AccountId,
    request: &SsoJoinRequest,
) -> Result<SsoSettings, ApiError> {
    put(&format!("/api/v1/accounts/{account}/sso/join"), request).await
}

pub async fn add_sso_domain(
    account: AccountId,
    request: &AddDomainRequest,
) -> Result<SsoSettings, ApiError> {
    post(&format!("/api/v1/accounts/{account}/sso/domains"), request).await
}

pub async fn verify_sso_domain(account: AccountId, domain: &str) -> Result<SsoSettings, ApiError> {
    post_for(&format!(
        "/api/v1/accounts/{account}/sso/domains/{}/verify",
        crate::url::query_value(domain)
    ))
    .await
}

pub async fn remove_sso_domain(account: AccountId, domain: &str) -> Result<SsoSettings, ApiError> {
    delete_for(&format!(
        "/api/v1/accounts/{account}/sso/domains/{}",
        crate::url::query_value(domain)
    ))
    .await
}

/// "Continue with SSO": where the browser goes next.
pub async fn sso_start(request: &SsoStartRequest) -> Result<SsoRedirect, ApiError> {
    post("/api/v1/sso/start", request).await
}
