//! The one error type of the API and its one shape on the wire: `{ code, message, fields? }`.
//!
//! Handlers return `Result<_, ApiError>`. Expected failures (bad input, no access, conflicts)
//! carry a stable `code` and a sentence for people. Anything unexpected becomes
//! [`ApiError::internal`]: the client is told only that something went wrong, and the cause
//! goes to the log, so no database or library text ever reaches a client.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::api::{ErrorBody, ErrorCode, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    fields: Vec<FieldError>,
    retry_after_seconds: Option<u64>,
}

impl ApiError {
    /// Status, stable code and sentence, for surfaces with their own error format (SCIM).
    pub(crate) fn parts(&self) -> (StatusCode, ErrorCode, &str) {
        (self.status, self.code, &self.message)
    }

    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after_seconds: None,
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// An unexpected failure: logged here with its cause, reported to the client without it.
    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again.",
        )
    }

    /// A field of the request that is not valid: `422 invalid_body`, saying which field and
    /// why, with the field named so that a form shows the reason beside it.
    pub(crate) fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            format!("{field}: {message}"),
        )
        .with_fields(vec![FieldError { field, message }])
    }

    pub(crate) fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    pub(crate) fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: self.message,
            fields: self.fields,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::internal(format!("database: {error}"))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError::internal(format!("{error:#}"))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            rejection.body_text(),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        // A path parameter that does not parse names nothing that exists.
        ApiError::not_found("There is nothing at this address.")
    }
}

/// `axum::Json`, but a malformed body is answered in the API's error shape.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "Send the request body as JSON, with `Content-Type: application/json`.",
            ));
        }
        let bytes = bytes::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        status,
                        ErrorCode::PayloadTooLarge,
                        "The request body is too large.",
                    )
                } else {
                    ApiError::new(
                        status,
                        ErrorCode::InvalidBody,
                        "The request body could not be read.",
                    )
                }
            })?;
        decode_json(&bytes).map(AppJson)
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// Deserializes a body, naming the field at fault when its shape or a rule is wrong.
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    if value.is_ok() {
        // Anything after the JSON value is a syntax error, like serde_json::from_slice says.
        if deserializer.end().is_err() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "The request body is not valid JSON.",
            ));
        }
    }
    value.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "The request body is not valid JSON.",
            );
        }
        // serde_json appends the position; the field path says more to a person.
        let text = inner.to_string();
        let suffix = format!(" at line {} column {}", inner.line(), inner.column());
        let reason = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
        if path == "." || path.is_empty() {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidBody,
                reason,
            )
        } else {
            ApiError::invalid_field(path, reason)
        }
    })
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query`, answered in the API's error shape when it does not parse.
#[derive(Debug, Clone, Copy, Default)]
#[allow(dead_code)] // first used by the Users list
pub(crate) struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(AppQuery(value))
    }
}

/// `axum::extract::Path`, answered in the API's error shape when it does not parse.
#[derive(Debug, Clone, Copy, Default)]
#[allow(dead_code)] // first used by the account routes
pub(crate) struct AppPath<T>(pub T);

impl<S, T> FromRequestParts<S> for AppPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(AppPath(value))
    }
}

/// Unknown routes under `/api`.
pub(crate) async fn api_not_found() -> ApiError {
    ApiError::not_found("There is no API endpoint at this address.")
}

/// Known routes called with a method they do not accept.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "This endpoint does not accept this HTTP method.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let response = ApiError::internal("connection refused to 10.0.0.3:5432 password=hunter2")
            .into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("10.0.0.3"),
            "{text}"
        );
        let body: ErrorBody = serde_json::from_str(&text).unwrap();
        assert_eq!(body.code, ErrorCode::Internal);
    }

    async fn post(body: &'static str, content_type: &'static str) -> (StatusCode, ErrorBody) {
        use tower::ServiceExt as _;

        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Invite {
            email: roster_shared::email::EmailAddress,
        }
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(|AppJson(_): AppJson<Invite>| async { "ok" }),
        );
        let request = axum::http::Request::post("/")
            .header(header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).expect("the error shape"),
        )
    }

    #[tokio::test]
    async fn malformed_json_gets_the_error_shape() {
        let (status, body) = post("{not json", "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body.code, ErrorCode::InvalidJson);
    }

    #[tokio::test]
    async fn json_of_the_wrong_shape_names_the_field() {
        let (status, body) = post(r#"{"mail": "a@b.c"}"#, "application/json").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body.code, ErrorCode::InvalidBody);
        assert_eq!(body.message, "missing field `email`");
    }

    #[tokio::test]
    async fn a_rule_broken_inside_the_body_names_the_field_and_the_rule() {
        let (status, body) = post(r#"{"email": "ana.example.com"}"#, "application/json").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body.message, "email: missing @");
        assert_eq!(
            body.fields,
            vec![FieldError {
                field: "email".into(),
                message: "missing @".into()
            }]
        );
    }

    #[tokio::test]
    async fn trailing_garbage_is_not_json() {
        let (status, body) = post(r#"{"email": "a@b.co"} x"#, "application/json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body.code, ErrorCode::InvalidJson);
    }

    #[tokio::test]
    async fn a_body_that_is_not_json_is_refused() {
        let (status, body) = post("email=a@b.c", "application/x-www-form-urlencoded").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body.code, ErrorCode::UnsupportedMediaType);
    }

    #[tokio::test]
    async fn retry_after_becomes_a_header() {
        let response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::Throttled, "Wait.")
            .retry_after(30)
            .into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
    }
}
