//! The one client of the server's JSON API. Every call returns the `shared` type the server
//! sends, or an [`ApiError`] that can be shown to a person as it is.

use gloo_net::http::{Request, RequestBuilder, Response};

use roster_shared::api::{ErrorBody, Health};
use serde::de::DeserializeOwned;

/// Why a call did not give its answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server could not be reached at all (offline, server down, connection reset).
    Unreachable,
    /// The server answered with an error in the API's error shape.
    Server { status: u16, body: ErrorBody },
    /// The server answered something that is not the API's shape (a proxy error page, …).
    Unexpected { status: u16 },
}

impl ApiError {
    /// A sentence for people.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unreachable => {
                "Cannot reach the Roster server. Check your connection; we will keep the page as it is.".into()
            }
            ApiError::Server { body, .. } => body.message.clone(),
            ApiError::Unexpected { status } => {
                format!("The server answered unexpectedly (HTTP {status}). Please try again.")
            }
        }
    }
}

async fn send(request: RequestBuilder) -> Result<Response, ApiError> {
    request.send().await.map_err(|_| ApiError::Unreachable)
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| ApiError::Unexpected { status });
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError::Server { status, body }),
        Err(_) => Err(ApiError::Unexpected { status }),
    }
}

/// `GET /api/v1/health`. A degraded server answers 503 with a [`Health`] body too.
pub async fn health() -> Result<Health, ApiError> {
    let response = send(Request::get("/api/v1/health")).await?;
    let status = response.status();
    if status == 503 {
        return response
            .json::<Health>()
            .await
            .map_err(|_| ApiError::Unexpected { status });
    }
    decode(response).await
}
