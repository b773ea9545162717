//! Mail as people see it: a test email on request, and the development mailbox.
//!
//! The development mailbox exists only while no SMTP server is configured and the public URL is
//! this machine (or the operator turned it on with `--dev-mailbox`), and only answers requests
//! whose connection comes from this machine without any proxy's headers: a server started
//! without SMTP by mistake must not let the internet read its invitation links, and neither a
//! proxy on this machine nor an `X-Forwarded-For` a client wrote can make a request local.

use roster_shared::api::ErrorCode;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::api::{DevMail, DevMailSummary, TestMailQueued};

use crate::auth::session::CurrentSession;
use crate::error::{ApiError, AppJson, AppPath};
use crate::mail::{self, dev_mailbox};
use crate::state::AppState;

/// Queues a test email to the signed-in person, to check that delivery works.
#[utoipa::path(
    post,
    path = "/api/v1/mail/test",
    tag = "mail",
    responses((status = 202, description = "Queued", body = TestMailQueued))
)]
pub(crate) async fn send_test(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<(StatusCode, AppJson<TestMailQueued>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        AppJson(mail::send_test(&state, &current.signed_in).await?),
    ))
}

/// Headers that mean a request was relayed: the mailbox is never read through a proxy.
const FORWARDING_HEADERS: [&str; 4] = [
    "x-forwarded-for",
    "forwarded",
    "x-real-ip",
    "x-forwarded-host",
];

/// Admits a request to the development mailbox: it must be on, and asked from this machine:
/// the connection itself (not the client address a trusted proxy reports) comes from a
/// loopback address, and carries no forwarding header at all.
pub(crate) struct DevMailboxAccess;

impl FromRequestParts<AppState> for DevMailboxAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !state.dev_mailbox_open() {
            return Err(ApiError::not_found(
                if state.mailer().transport.is_dev_mailbox() {
                    "The development mailbox is off: the public URL is not this machine."
                } else {
                    "The development mailbox is off: this server sends email through SMTP."
                },
            ));
        }
        let loopback_peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|ConnectInfo(peer)| peer.ip().to_canonical().is_loopback());
        let relayed = FORWARDING_HEADERS
            .iter()
            .any(|name| parts.headers.contains_key(*name));
        if !loopback_peer || relayed {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::DevMailboxLocalOnly,
                "The development mailbox can only be read on the machine that runs Roster, not through a proxy.",
            ));
        }
        Ok(DevMailboxAccess)
    }
}

/// The development mailbox, newest first (development mode only, from this machine only).
#[utoipa::path(
    get,
    path = "/api/v1/dev/mailbox",
    tag = "mail",
    responses(
        (status = 200, body = Vec<DevMailSummary>),
        (status = 404, description = "SMTP is configured", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn dev_list(
    State(state): State<AppState>,
    _: DevMailboxAccess,
) -> Result<AppJson<Vec<DevMailSummary>>, ApiError> {
    Ok(AppJson(dev_mailbox::list(&state).await?))
}

/// One message of the development mailbox.
#[utoipa::path(
    get,
    path = "/api/v1/dev/mailbox/{id}",
    tag = "mail",
    params(("id" = i64, Path)),
    responses((status = 200, body = DevMail), (status = 404, body = roster_shared::api::ErrorBody))
)]
pub(crate) async fn dev_show(
    State(state): State<AppState>,
    _: DevMailboxAccess,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<DevMail>, ApiError> {
    Ok(AppJson(dev_mailbox::show(&state, id).await?))
}

/// The HTML part of a message, to show in a sandboxed frame of the mailbox page. Its own
/// policy allows the inline styles emails use and nothing else.
#[utoipa::path(
    get,
    path = "/api/v1/dev/mailbox/{id}/html",
    tag = "mail",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = roster_shared::api::ErrorBody))
)]
pub(crate) async fn dev_html(
    State(state): State<AppState>,
    _: DevMailboxAccess,
    AppPath(id): AppPath<i64>,
) -> Result<Response, ApiError> {
    let html = dev_mailbox::html(&state, id).await?;
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'",
        ),
    );
    Ok(response)
}

/// Empties the development mailbox.
#[utoipa::path(
    delete,
    path = "/api/v1/dev/mailbox",
    tag = "mail",
    responses((status = 204, description = "Emptied"))
)]
pub(crate) async fn dev_clear(
    State(state): State<AppState>,
    _: DevMailboxAccess,
) -> Result<StatusCode, ApiError> {
    dev_mailbox::clear(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}
