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
use roster_shared::email::EmailAddress;
use roster_shared::time::Timestamp;

use crate::auth::session::CurrentSession;
use crate::clock;
use crate::db;
use crate::error::{ApiError, AppJson, AppPath};
use crate::mail::{self, Mail};
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
    let user = &current.signed_in;
    let mut tx = state.db().writer().begin().await?;
    mail::enqueue(
        &mut tx,
        &Mail::Test { user_id: user.id },
        &user.email,
        None,
        clock::now(),
    )
    .await?;
    tx.commit().await?;
    state.mailer().wake();
    Ok((
        StatusCode::ACCEPTED,
        AppJson(TestMailQueued {
            to: EmailAddress::parse(&user.email).map_err(ApiError::internal)?,
            transport: state.mailer().transport.describe(),
        }),
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
    let messages = db::outbox::dev_messages(state.db().reader()).await?;
    Ok(AppJson(
        messages
            .into_iter()
            .map(|m| DevMailSummary {
                id: m.id,
                to: m.recipient,
                subject: m.subject,
                delivered_at: Timestamp::from_millis(m.delivered_at),
            })
            .collect(),
    ))
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
    let m = db::outbox::dev_message(state.db().reader(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such message."))?;
    Ok(AppJson(DevMail {
        id: m.id,
        from: m.sender,
        to: m.recipient,
        subject: m.subject,
        text: m.text_body,
        delivered_at: Timestamp::from_millis(m.delivered_at),
    }))
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
    let m = db::outbox::dev_message(state.db().reader(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such message."))?;
    // Links open in the mailbox's window, not inside the frame (which cannot navigate).
    let html = m
        .html_body
        .replacen("<head>", "<head><base target=\"_top\">", 1);
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
    db::outbox::clear_dev_messages(state.db().writer()).await?;
    Ok(StatusCode::NO_CONTENT)
}
