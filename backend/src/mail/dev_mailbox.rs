//! Reading the development mailbox (where mail goes while no SMTP server is configured).

use roster_shared::api::{DevMail, DevMailSummary};
use roster_shared::time::Timestamp;

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

fn no_such_message() -> ApiError {
    ApiError::not_found("There is no such message.")
}

/// The newest messages first.
pub(crate) async fn list(state: &AppState) -> Result<Vec<DevMailSummary>, ApiError> {
    let messages = db::outbox::dev_messages(state.db().reader()).await?;
    Ok(messages
        .into_iter()
        .map(|m| DevMailSummary {
            id: m.id,
            to: m.recipient,
            subject: m.subject,
            delivered_at: Timestamp::from_millis(m.delivered_at),
        })
        .collect())
}

pub(crate) async fn show(state: &AppState, id: i64) -> Result<DevMail, ApiError> {
    let m = db::outbox::dev_message(state.db().reader(), id)
        .await?
        .ok_or_else(no_such_message)?;
    Ok(DevMail {
        id: m.id,
        from: m.sender,
        to: m.recipient,
        subject: m.subject,
        text: m.text_body,
        delivered_at: Timestamp::from_millis(m.delivered_at),
    })
}

/// A message's HTML part, made to be shown in a frame: its links open in the mailbox's window,
/// not inside the frame (which cannot navigate).
pub(crate) async fn html(state: &AppState, id: i64) -> Result<String, ApiError> {
    let m = db::outbox::dev_message(state.db().reader(), id)
        .await?
        .ok_or_else(no_such_message)?;
    Ok(m.html_body
        .replacen("<head>", "<head><base target=\"_top\">", 1))
}

pub(crate) async fn clear(state: &AppState) -> Result<(), ApiError> {
    db::outbox::clear_dev_messages(state.db().writer()).await?;
    Ok(())
}
