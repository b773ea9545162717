//! The one client of the server's JSON API. Every call returns the `shared` type the server
//! sends, or an [`ApiError`] that can be shown to a person as it is.
//!
//! Once signed in, every state-changing request carries the session's CSRF token. A `401`
//! saying the session is gone (signed out from another device, expired) is reported to the
//! handler registered with [`on_signed_out`], which shows the sign-in page.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::{Request, RequestBuilder, Response};
use roster_shared::api::{
    ChangePasswordRequest, DevMail, DevMailSummary, Device, ErrorBody, FieldError, Health,
    PasswordConfirmation, RecoveryCodes, SessionInfo, SetupRequest, SetupStatus, SignInOutcome,
    SignInRequest, TestMailQueued, TotpCodeRequest, TotpEnrolment, TotpSignInRequest,
    UpdateNameRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

thread_local! {
    static CSRF_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    static SIGNED_OUT: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// The CSRF token to send from now on (from the session answer), or none once signed out.
pub fn set_csrf_token(token: Option<String>) {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = token);
}

/// What to do when the server says the session is gone.
pub fn on_signed_out(handler: impl Fn() + 'static) {
    SIGNED_OUT.with(|h| *h.borrow_mut() = Some(Rc::new(handler)));
}

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

    /// The stable error code, when the server gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Server { body, .. } => Some(&body.code),
            _ => None,
        }
    }

    /// The problem the server found with `field`, if any.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            ApiError::Server { body, .. } => body
                .fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }

    pub fn fields(&self) -> &[FieldError] {
        match self {
            ApiError::Server { body, .. } => &body.fields,
            _ => &[],
        }
    }
}

fn with_csrf(builder: RequestBuilder) -> RequestBuilder {
    match CSRF_TOKEN.with(|t| t.borrow().clone()) {
        Some(token) => builder.header("x-csrf-token", &token),
        None => builder,
    }
}

async fn send(builder: RequestBuilder, body: Option<String>) -> Result<Response, ApiError> {
    let result = match body {
        Some(json) => {
            builder
                .header("content-type", "application/json")
                .body(json)
                .map_err(|_| ApiError::Unexpected { status: 0 })?
                .send()
                .await
        }
        None => builder.send().await,
    };
    result.map_err(|_| ApiError::Unreachable)
}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => {
            if status == 401
                && matches!(body.code.as_str(), "sign_in_required" | "session_expired")
                && let Some(handler) = SIGNED_OUT.with(|h| h.borrow().clone())
            {
                handler();
            }
            ApiError::Server { status, body }
        }
        Err(_) => ApiError::Unexpected { status },
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| ApiError::Unexpected { status });
    }
    Err(error_of(response).await)
}

async fn expect_empty(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

fn json(body: &impl Serialize) -> Option<String> {
    serde_json::to_string(body).ok()
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(send(Request::get(path), None).await?).await
}

async fn post<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    decode(send(with_csrf(Request::post(path)), json(body)).await?).await
}

async fn post_empty(path: &str) -> Result<(), ApiError> {
    expect_empty(send(with_csrf(Request::post(path)), None).await?).await
}

async fn put<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    decode(send(with_csrf(Request::put(path)), json(body)).await?).await
}

async fn put_empty(path: &str, body: &impl Serialize) -> Result<(), ApiError> {
    expect_empty(send(with_csrf(Request::put(path)), json(body)).await?).await
}

async fn delete(path: &str, body: Option<&impl Serialize>) -> Result<(), ApiError> {
    let body = body.and_then(json);
    expect_empty(send(with_csrf(Request::delete(path)), body).await?).await
}

// ---- system ------------------------------------------------------------------------------

/// `GET /api/v1/health`. A degraded server answers 503 with a [`Health`] body too.
pub async fn health() -> Result<Health, ApiError> {
    let response = send(Request::get("/api/v1/health"), None).await?;
    let status = response.status();
    if status == 503 {
        return response
            .json::<Health>()
            .await
            .map_err(|_| ApiError::Unexpected { status });
    }
    decode(response).await
}

// ---- setup and session -------------------------------------------------------------------

pub async fn setup_status() -> Result<SetupStatus, ApiError> {
    get("/api/v1/setup").await
}

pub async fn set_up(request: &SetupRequest) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/setup", request).await
}

pub async fn sign_in(request: &SignInRequest) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/sign-in", request).await
}

pub async fn sign_in_totp(request: &TotpSignInRequest) -> Result<SignInOutcome, ApiError> {
    post("/api/v1/sign-in/totp", request).await
}

/// The current session, or `None` when nobody is signed in on this browser.
pub async fn session() -> Result<Option<SessionInfo>, ApiError> {
    let response = send(Request::get("/api/v1/session"), None).await?;
    if response.status() == 401 {
        return Ok(None);
    }
    decode(response).await.map(Some)
}

pub async fn sign_out() -> Result<(), ApiError> {
    post_empty("/api/v1/sign-out").await
}

// ---- the signed-in person ----------------------------------------------------------------

pub async fn update_name(request: &UpdateNameRequest) -> Result<SessionInfo, ApiError> {
    put("/api/v1/me/name", request).await
}

pub async fn change_password(request: &ChangePasswordRequest) -> Result<(), ApiError> {
    put_empty("/api/v1/me/password", request).await
}

pub async fn devices() -> Result<Vec<Device>, ApiError> {
    get("/api/v1/me/devices").await
}

pub async fn sign_out_device(id: i64) -> Result<(), ApiError> {
    delete(&format!("/api/v1/me/devices/{id}"), None::<&()>).await
}

pub async fn sign_out_other_devices() -> Result<(), ApiError> {
    post_empty("/api/v1/me/devices/sign-out-others").await
}

pub async fn start_totp() -> Result<TotpEnrolment, ApiError> {
    post("/api/v1/me/totp", &()).await
}

pub async fn confirm_totp(request: &TotpCodeRequest) -> Result<RecoveryCodes, ApiError> {
    post("/api/v1/me/totp/confirm", request).await
}

pub async fn disable_totp(request: &PasswordConfirmation) -> Result<(), ApiError> {
    delete("/api/v1/me/totp", Some(request)).await
}

// ---- mail --------------------------------------------------------------------------------

pub async fn send_test_mail() -> Result<TestMailQueued, ApiError> {
    post("/api/v1/mail/test", &()).await
}

pub async fn dev_mailbox() -> Result<Vec<DevMailSummary>, ApiError> {
    get("/api/v1/dev/mailbox").await
}

pub async fn dev_mail(id: i64) -> Result<DevMail, ApiError> {
    get(&format!("/api/v1/dev/mailbox/{id}")).await
}

pub async fn clear_dev_mailbox() -> Result<(), ApiError> {
    delete("/api/v1/dev/mailbox", None::<&()>).await
}
