//! Signing in through an organisation's identity provider: "Continue with SSO" with an
//! address, the provider's sign-in page, and the way back to Roster.
//!
//! The address only picks the organisation, by its domain: the answer is the same whether or
//! not someone has that address, so nothing tells who has an account. Coming back, the sign-in
//! under way is taken by its `state` (single-use, ten minutes), the code is exchanged with its
//! PKCE verifier, and the ID token must verify (signature, issuer, audience, `nonce`, times)
//! and carry an address the provider verified, in a domain the organisation verified. Then
//! the person must belong to the organisation: a member, or invited (the invitation is
//! accepted now), or joining without an invitation where the Owners allow it (`join`).

use axum::http::StatusCode;
use roster_shared::api::{ErrorCode, SignInMethod, SsoFailure, SsoRedirect};
use roster_shared::email::{EmailAddress, EmailDomain};
use roster_shared::name::PersonName;
use roster_shared::time::{MINUTE_MS, Timestamp};

use crate::auth::session::ClientInfo;
use crate::auth::sign_in::{self, Started};
use crate::auth::token;
use crate::db;
use crate::error::ApiError;
use crate::sso::join;
use crate::sso::provider::{self, Exchange};
use crate::sso::settings::secret_purpose;
use crate::state::AppState;
use crate::team::accept;

/// How long a sign-in at the provider may take.
const LOGIN_MS: i64 = 10 * MINUTE_MS;

/// Starts signing in through the identity provider of the organisation that verified the
/// domain of `email`.
#[tracing::instrument(skip_all)]
pub(crate) async fn start(
    state: &AppState,
    email: &str,
    now: Timestamp,
) -> Result<SsoRedirect, ApiError> {
    let email = EmailAddress::parse(email)
        .map_err(|error| ApiError::invalid_field("email", error.to_string()))?;
    let domain = EmailDomain::of(&email);
    let provider = db::sso::provider_for_domain(state.db().reader(), domain.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::SsoNotConfigured,
                format!(
                    "No organisation signs in with single sign-on for {domain}. Sign in with your password or a passkey."
                ),
            )
        })?;
    let authorization = provider::authorize(
        &provider.issuer,
        &provider.client_id,
        &state.sso_redirect_uri(),
        email.as_str(),
    )
    .await
    .map_err(|error| {
        tracing::warn!(%error, account = provider.account_id, "identity provider unavailable");
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::ProviderUnreachable,
            "Your organisation's identity provider does not answer. Please try again in a moment.",
        )
    })?;
    db::sso::insert_login(
        state.db().writer(),
        db::sso::NewLogin {
            state_hash: &token::hash(&authorization.state),
            root_id: provider.account_id,
            nonce: &authorization.nonce,
            pkce_verifier: &authorization.pkce_verifier,
            expires_at: now.plus_millis(LOGIN_MS),
        },
    )
    .await?;
    Ok(SsoRedirect {
        url: authorization.url,
    })
}

/// What the provider sent the browser back with (`/api/v1/sso/callback?…`).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct Callback {
    pub(crate) code: Option<String>,
    pub(crate) state: Option<String>,
    /// The provider's refusal (`access_denied` when the person cancelled).
    pub(crate) error: Option<String>,
}

/// Finishes signing in: the session, or why not.
#[tracing::instrument(skip_all)]
pub(crate) async fn finish(
    state: &AppState,
    client: &ClientInfo,
    callback: Callback,
    now: Timestamp,
) -> Result<Result<Started, SsoFailure>, ApiError> {
    let Some(login) = (match &callback.state {
        Some(sent) if sent.len() <= 256 => {
            db::sso::take_login(state.db().writer(), &token::hash(sent), now).await?
        }
        _ => None,
    }) else {
        return Ok(Err(SsoFailure::Expired));
    };
    let root = login.account_id;
    if callback.error.is_some() {
        return Ok(Err(SsoFailure::Cancelled));
    }
    let (Some(code), Some(provider)) = (
        callback.code.filter(|code| code.len() <= 2048),
        db::sso::provider(state.db().reader(), root).await?,
    ) else {
        return Ok(Err(SsoFailure::Failed));
    };
    let secret = state
        .secrets()
        .open(&secret_purpose(root), &provider.client_secret)
        .map_err(|error| {
            ApiError::internal(format!("the client secret of organisation {root}: {error}"))
        })?;
    let identity = match provider::exchange(Exchange {
        issuer: &provider.issuer,
        client_id: &provider.client_id,
        client_secret: &secret,
        redirect_uri: &state.sso_redirect_uri(),
        code: &code,
        pkce_verifier: &login.pkce_verifier,
        nonce: &login.nonce,
    })
    .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, account = root, "single sign-on refused");
            return Ok(Err(SsoFailure::Failed));
        }
    };
    let Some(email) = identity
        .email
        .as_deref()
        .filter(|_| identity.email_verified)
        .and_then(|email| EmailAddress::parse(email).ok())
    else {
        return Ok(Err(SsoFailure::EmailUnverified));
    };
    let domain = EmailDomain::of(&email);
    let verified = db::sso::domains(state.db().reader(), root)
        .await?
        .into_iter()
        .any(|row| row.domain == domain.as_str() && row.verified_at.is_some());
    if !verified {
        return Ok(Err(SsoFailure::WrongDomain));
    }
    let provider_name = identity
        .name
        .as_deref()
        .and_then(|name| PersonName::parse(name).ok());
    let known = db::users::find_by_email(state.db().reader(), &email.key()).await?;
    let belongs = match &known {
        Some(user) => {
            db::sso::is_member(state.db().reader(), user.id, root).await?
                || accept::accept_through_provider(
                    state,
                    client,
                    user,
                    root,
                    provider_name.as_ref(),
                    now,
                )
                .await?
        }
        None => false,
    };
    if !belongs {
        let joiner = join::Joiner {
            email: email.clone(),
            name: provider_name,
        };
        if let Err(failure) = join::join(state, client, root, joiner, now).await? {
            return Ok(Err(failure));
        }
    }
    let user = db::users::find_by_email(state.db().reader(), &email.key())
        .await?
        .ok_or_else(|| ApiError::internal("the person signing in is gone"))?;
    tracing::info!(
        user = user.id,
        account = root,
        "signed in through the identity provider"
    );
    Ok(Ok(sign_in::start(
        state,
        client,
        &user,
        SignInMethod::Sso,
        now,
    )
    .await?))
}
