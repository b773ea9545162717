//! SCIM 2.0 (RFC 7643 / 7644) at `/scim/v2`, for identity providers provisioning people into
//! one organisation.
//!
//! Authentication is an API token of a top-level account with Admin or Owner: the token's
//! organisation is the one provisioned, and every change goes through the same rules as the
//! web app (the seat limit, the role hierarchy, the last Owner). Errors use SCIM's error
//! format.
//!
//! - [`users`]: Users — create (an invitation, or direct access for someone with an identity),
//!   get, list with filters and paging, PATCH / PUT (`active: false` removes access), DELETE.
//! - [`groups`]: Groups, one per role on each account: membership is access.
//! - [`discovery`]: ServiceProviderConfig, ResourceTypes, Schemas.
//! - [`filter`]: the filter language.
//! - [`patch`]: PATCH bodies, read whole into typed operations before any is carried out.

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use roster_shared::api::ErrorCode;

use crate::auth::principal::Principal;
use crate::auth::session::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context};

pub(crate) mod discovery;
pub(crate) mod filter;
pub(crate) mod groups;
pub(crate) mod patch;
pub(crate) mod users;

pub(crate) const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub(crate) const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub(crate) const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub(crate) const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/scim/v2/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/scim/v2/ResourceTypes", get(discovery::resource_types))
        .route("/scim/v2/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/scim/v2/Schemas", get(discovery::schemas))
        .route("/scim/v2/Schemas/{id}", get(discovery::schema))
        .route("/scim/v2/Users", get(users::list).post(users::create))
        .route(
            "/scim/v2/Users/{id}",
            get(users::get)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route(
            "/scim/v2/Groups",
            get(groups::list).post(groups::refuse_create),
        )
        .route(
            "/scim/v2/Groups/{id}",
            get(groups::get)
                .patch(groups::patch)
                .put(groups::refuse_change)
                .delete(groups::refuse_change),
        )
        .route("/scim/{*rest}", axum::routing::any(unknown))
}

async fn unknown() -> ScimError {
    ScimError::new(
        StatusCode::NOT_FOUND,
        None,
        "There is no SCIM endpoint at this address.",
    )
}

/// An error in SCIM's format.
#[derive(Debug)]
pub(crate) struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    pub(crate) fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub(crate) fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }
}

impl From<ApiError> for ScimError {
    fn from(error: ApiError) -> Self {
        let (status, code, message) = error.parts();
        let scim_type = match code {
            ErrorCode::InvalidBody | ErrorCode::NoValidAddress | ErrorCode::AccountRule => {
                Some("invalidValue")
            }
            ErrorCode::InvalidJson => Some("invalidSyntax"),
            ErrorCode::OwnAccess
            | ErrorCode::LastOwner
            | ErrorCode::TargetOutranks
            | ErrorCode::AboveOwnRole => Some("mutability"),
            _ => None,
        };
        ScimError::new(status, scim_type, message)
    }
}

impl From<sqlx::Error> for ScimError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = Value::from(scim_type);
        }
        scim_response(self.status, &body)
    }
}

/// A SCIM answer: JSON as `application/scim+json`.
pub(crate) fn scim_response(status: StatusCode, body: &impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    response
}

/// The organisation a SCIM request provisions, and who is acting.
pub(crate) struct Scim {
    pub(crate) ctx: Context,
    pub(crate) actor: Actor,
    pub(crate) base: String,
}

impl FromRequestParts<AppState> for Scim {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        let principal = Principal::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                ScimError::new(
                    StatusCode::UNAUTHORIZED,
                    None,
                    "Send an API token: Authorization: Bearer rst_…",
                )
            })?;
        let Principal::Token(token) = &principal else {
            return Err(ScimError::new(
                StatusCode::UNAUTHORIZED,
                None,
                "SCIM needs an API token, not a session.",
            ));
        };
        if token.account_id != token.root_id {
            return Err(ScimError::new(
                StatusCode::FORBIDDEN,
                None,
                "SCIM provisions a whole organisation: use a token of its top-level account.",
            ));
        }
        let ctx = Context::load(state, &principal, token.root_id)
            .await
            .map_err(ScimError::from)?;
        ctx.require_manage().map_err(ScimError::from)?;
        let client = ClientInfo::from_request_parts(parts, state)
            .await
            .map_err(ScimError::from)?;
        let actor = Actor::load(state, &principal, &client)
            .await
            .map_err(ScimError::from)?;
        Ok(Scim {
            ctx,
            actor,
            base: format!("{}/scim/v2", state.public_url()),
        })
    }
}

/// A JSON body (`application/scim+json` or `application/json`), refused in SCIM's format.
pub(crate) struct ScimJson<T>(pub(crate) T);

impl<S, T> FromRequest<S> for ScimJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ScimError> {
        let bytes = bytes::Bytes::from_request(req, state)
            .await
            .map_err(|_| ScimError::bad("invalidSyntax", "The request body could not be read."))?;
        serde_json::from_slice(&bytes).map(ScimJson).map_err(|e| {
            ScimError::bad(
                "invalidSyntax",
                format!("The request body is not valid SCIM JSON: {e}"),
            )
        })
    }
}

/// `startIndex` and `count` (RFC 7644 §3.4.2.4): 1-based, count at most 1000.
pub(crate) fn paging(start_index: Option<i64>, count: Option<i64>) -> (i64, i64) {
    (
        start_index.unwrap_or(1).max(1),
        count.unwrap_or(100).clamp(0, 1000),
    )
}

pub(crate) fn list_response(resources: Vec<Value>, total: i64, start_index: i64) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}
