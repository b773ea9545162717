//! Mail as people see it: a test email on request, and the development mailbox.
//!
//! The development mailbox exists only while no SMTP server is configured, and only answers
//! requests from this machine: a server started without SMTP by mistake must not let the
//! internet read its invitation links.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::api::{DevMail, DevMailSummary, TestMailQueued};
use roster_shared::email::EmailAddress;
use roster_shared::time::Timestamp;

use crate::auth::session::{CurrentSession, client_ip};
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

/// Admits a request to the development mailbox: it must be on, and asked from this machine.
pub(crate) struct DevMailboxAccess;

impl FromRequestParts<AppState> for DevMailboxAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !state.mailer().transport.is_dev_mailbox() {
            return Err(ApiError::not_found(
                "The development mailbox is off: this server sends email through SMTP.",
            ));
        }
        let local = client_ip(parts, state)
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        if !local {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "dev_mailbox_local_only",
                "The development mailbox can only be read on the machine that runs Roster.",
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
