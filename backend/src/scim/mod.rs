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
//! - [`groups`]: Groups, one per role on each account: membership is access; and the groups a
//!   provider pushes ([`pushed`]), kept with their members.
//! - [`discovery`]: ServiceProviderConfig, ResourceTypes, Schemas.
//! - [`filter`]: the filter language.
//! - [`patch`]: PATCH bodies, read whole into typed operations before any is carried out.

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use roster_shared::api::ErrorCode;

use crate::auth::principal::Principal;
use crate::auth::session::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context};

pub(crate) mod discovery;
pub(crate) mod document;
pub(crate) mod filter;
pub(crate) mod groups;
pub(crate) mod patch;
pub(crate) mod pushed;
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
        .route("/scim/v2/Groups", get(groups::list).post(groups::create))
        .route(
            "/scim/v2/Groups/{id}",
            get(groups::get)
                .patch(groups::patch)
                .put(groups::replace)
                .delete(groups::delete),
        )
        .route("/scim/v2/.search", axum::routing::post(search))
        .route("/scim/{*rest}", axum::routing::any(unknown))
}

/// A search request (RFC 7644 §3.4.3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchRequest {
    #[serde(default)]
    schemas: Vec<String>,
    attributes: Option<Vec<String>>,
    excluded_attributes: Option<Vec<String>>,
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
}

const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// `POST /.search` at the root: Users and Groups in one list, Users first.
async fn search(
    axum::extract::State(state): axum::extract::State<AppState>,
    scim: Scim,
    ScimJson(request): ScimJson<SearchRequest>,
) -> Result<Response, ScimError> {
    if !request.schemas.iter().any(|s| s == SEARCH_SCHEMA) {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("A search names the schema {SEARCH_SCHEMA}."),
        ));
    }
    let filter = request
        .filter
        .as_deref()
        .map(|text| {
            filter::parse(text).map_err(|e| {
                ScimError::bad("invalidFilter", format!("The filter cannot be read: {e}."))
            })
        })
        .transpose()?;
    let (start, count) = paging(request.start_index, request.count);
    let shown = Shown::new(
        request.attributes.map(|a| a.join(",")),
        request.excluded_attributes.map(|a| a.join(",")),
    );
    let mut all = users::every(&state, &scim, filter.as_ref()).await?;
    all.extend(groups::every(&state, &scim, filter.as_ref()).await?);
    Ok(page_of(all, start, count, &shown))
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

/// The answer of a list whose matches were all read: the page from `start` (1-based) of at most
/// `count`, each with the attributes `shown`.
pub(crate) fn page_of(all: Vec<Value>, start: i64, count: i64, shown: &Shown) -> Response {
    let total = all.len() as i64;
    let page = all
        .into_iter()
        .skip((start - 1) as usize)
        .take(count as usize)
        .map(|r| shown.apply(r))
        .collect();
    scim_response(StatusCode::OK, &list_response(page, total, start))
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

/// `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes an answer
/// holds. Each is a comma-separated list of attribute paths (`name`, `name.givenName`, with or
/// without their schema URN); `id` and `schemas` are always returned.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shown {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

impl Shown {
    pub(crate) fn new(attributes: Option<String>, excluded_attributes: Option<String>) -> Shown {
        Shown {
            attributes,
            excluded_attributes,
        }
    }

    /// Whether an answer holds `attribute` (so whether it needs reading at all).
    pub(crate) fn shows(&self, attribute: &str) -> bool {
        self.apply(json!({ attribute: true }))
            .get(attribute)
            .is_some()
    }

    /// `resource` with only the attributes asked for, or without those excluded.
    pub(crate) fn apply(&self, resource: Value) -> Value {
        let Value::Object(mut resource) = resource else {
            return resource;
        };
        let always = ["schemas", "id", "meta"];
        if let Some(list) = self.attributes.as_deref().filter(|l| !l.trim().is_empty()) {
            let wanted: Vec<(String, Option<String>)> = paths(list);
            resource.retain(|key, value| {
                if always.contains(&key.as_str()) {
                    return true;
                }
                let subs: Vec<&Option<String>> = wanted
                    .iter()
                    .filter(|(name, _)| name.eq_ignore_ascii_case(key))
                    .map(|(_, sub)| sub)
                    .collect();
                if subs.is_empty() {
                    return false;
                }
                if !subs.iter().any(|sub| sub.is_none())
                    && let Value::Object(parts) = value
                {
                    parts.retain(|part, _| {
                        subs.iter()
                            .any(|sub| sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(part)))
                    });
                }
                true
            });
        } else if let Some(list) = self.excluded_attributes.as_deref() {
            for (name, sub) in paths(list) {
                let key = resource
                    .keys()
                    .find(|key| key.eq_ignore_ascii_case(&name))
                    .cloned();
                let Some(key) = key.filter(|key| !always.contains(&key.as_str())) else {
                    continue;
                };
                match sub {
                    None => {
                        resource.remove(&key);
                    }
                    Some(sub) => {
                        if let Some(Value::Object(parts)) = resource.get_mut(&key) {
                            parts.retain(|part, _| !part.eq_ignore_ascii_case(&sub));
                        }
                    }
                }
            }
        }
        Value::Object(resource)
    }
}

/// The attribute paths of a comma-separated list, as (attribute, sub-attribute), their schema
/// URN (if any) left out.
fn paths(list: &str) -> Vec<(String, Option<String>)> {
    list.split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(|path| {
            let path = if path.len() > 4 && path[..4].eq_ignore_ascii_case("urn:") {
                path.rsplit_once(':').map_or(path, |(_, name)| name)
            } else {
                path
            };
            match path.split_once('.') {
                Some((name, sub)) => (name.to_owned(), Some(sub.to_owned())),
                None => (path.to_owned(), None),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Shown;

    #[test]
    fn attributes_keep_what_is_asked_and_excluded_attributes_drop_it() {
        let user = json!({"schemas": ["s"], "id": "1", "userName": "u", "externalId": "e",
            "name": {"givenName": "A", "familyName": "B"}, "meta": {"resourceType": "User"}});
        assert_eq!(
            Shown::new(Some("externalId,name.givenName".into()), None).apply(user.clone()),
            json!({"schemas": ["s"], "id": "1", "externalId": "e", "name": {"givenName": "A"},
                "meta": {"resourceType": "User"}})
        );
        assert_eq!(
            Shown::new(
                None,
                Some("urn:ietf:params:scim:schemas:core:2.0:User:name, id".into())
            )
            .apply(user),
            json!({"schemas": ["s"], "id": "1", "userName": "u", "externalId": "e",
                "meta": {"resourceType": "User"}})
        );
    }
}
