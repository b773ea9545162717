//! Live events: the Server-Sent Events stream of a signed-in browser, and the endpoint through
//! which the messaging side reports inbound messages.

use roster_shared::api::ErrorCode;
use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::StreamExt as _;
use roster_shared::access;
use roster_shared::account::AccountId;
use roster_shared::api::{InboundMessage, LiveEvent};
use roster_shared::role::Role;
use tokio::sync::broadcast;

use crate::auth::session::CurrentSession;
use crate::clock;
use crate::error::{ApiError, AppJson};
use crate::events::{Audience, Envelope};
use crate::state::AppState;
use crate::team::context::OnAccount;

/// What one connected browser may hear about.
struct Connection {
    state: AppState,
    receiver: broadcast::Receiver<Envelope>,
    user: i64,
    session: i64,
    accounts: HashSet<i64>,
    organisations: HashSet<i64>,
    check: tokio::time::Interval,
    stopping: tokio::sync::watch::Receiver<bool>,
    ended: bool,
    /// This stream's place among the person's and the server's; given back when it ends.
    _slot: crate::slots::Slot<i64>,
}

impl Connection {
    async fn load_scope(&mut self) -> Result<(), ApiError> {
        let reach = crate::team::accounts::reach(&self.state, self.user).await?;
        self.organisations = reach.organisations;
        self.accounts = reach.accounts;
        Ok(())
    }

    /// The event to send for `envelope`, if it is for this browser.
    async fn relevant(&mut self, envelope: Envelope) -> Option<LiveEvent> {
        match envelope.audience {
            Audience::Account { account, .. } => {
                self.accounts.contains(&account).then_some(envelope.event)
            }
            Audience::Organisation { root } => {
                self.organisations.contains(&root).then_some(envelope.event)
            }
            Audience::Person { user } if user == self.user => {
                if let Err(error) = self.load_scope().await {
                    tracing::warn!(?error, "cannot refresh a live connection's scope");
                }
                Some(envelope.event)
            }
            Audience::Session { session } if session == self.session => {
                self.ended = true;
                Some(LiveEvent::SessionEnded)
            }
            _ => None,
        }
    }
}

fn sse(event: &LiveEvent) -> Event {
    let name = match event {
        LiveEvent::InboundMessage { .. } => "inbound_message",
        LiveEvent::PeopleChanged { .. } => "people_changed",
        LiveEvent::AccessChanged => "access_changed",
        LiveEvent::SessionEnded => "session_ended",
    };
    Event::default()
        .event(name)
        .json_data(event)
        .unwrap_or_else(|_| Event::default().event(name))
}

/// The live event stream of this browser (Server-Sent Events): inbound messages on accounts the
/// person can open, changes to people and access, and the end of this session.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses((status = 200, description = "An event stream (text/event-stream) of LiveEvent", content_type = "text/event-stream", body = roster_shared::api::LiveEvent),
        (status = 401, body = roster_shared::api::ErrorBody), (status = 429, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn stream(
    State(state): State<AppState>,
    session: CurrentSession,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    // One person opening stream after stream (or everyone at once) cannot use up the server:
    // each stream holds a task and a subscription for as long as it is open.
    let slot = state.streams().take(Some(session.user())).ok_or_else(|| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyStreams,
            "Too many live connections are open (browser tabs and devices). Close some, then reload this page.",
        )
    })?;
    let mut connection = Connection {
        _slot: slot,
        receiver: state.events().subscribe(),
        user: session.user(),
        session: session.session_id,
        accounts: HashSet::new(),
        organisations: HashSet::new(),
        check: tokio::time::interval(Duration::from_secs(30)),
        stopping: state.stopping(),
        ended: false,
        state,
    };
    connection.load_scope().await?;
    let stream = futures_util::stream::unfold(connection, |mut conn| async move {
        if conn.ended || *conn.stopping.borrow() {
            return None;
        }
        loop {
            tokio::select! {
                received = conn.receiver.recv() => match received {
                    Ok(envelope) => {
                        if let Some(event) = conn.relevant(envelope).await {
                            return Some((Ok(sse(&event)), conn));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                // Only `true` is ever sent: any change means the server is stopping.
                _ = conn.stopping.changed() => return None,
                _ = conn.check.tick() => {
                    // Sessions also end by expiry, which publishes nothing.
                    if !crate::auth::sign_in::still_open(&conn.state, conn.session).await {
                        conn.ended = true;
                        return Some((Ok(sse(&LiveEvent::SessionEnded)), conn));
                    }
                }
            }
        }
    });
    // A comment first, so the answer's head leaves at once rather than with the first event
    // or keep-alive (15 s later): EventSource's `open` fires, and a proxy waiting for the
    // head does not time out on a quiet stream.
    let opened = futures_util::stream::once(std::future::ready(Ok::<_, Infallible>(
        Event::default().comment("open"),
    )));
    Ok((
        // nginx passes the stream on as it comes, whatever its own buffering settings.
        [(
            axum::http::HeaderName::from_static("x-accel-buffering"),
            "no",
        )],
        Sse::new(opened.chain(stream))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    ))
}

/// Longest name, number or address of who wrote an inbound message.
const MOST_FROM_CHARS: usize = 200;

fn clean(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .chars()
        .take(max)
        .collect()
}

/// Reports a new inbound message on this account: every signed-in browser of someone who can
/// open the account hears about it at once (and notifies as its person chose).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/inbound-messages", tag = "events", request_body = InboundMessage,
    params(("id" = i64, Path)),
    responses((status = 202, description = "Announced to everyone with access"),
        (status = 403, body = roster_shared::api::ErrorBody), (status = 404, body = roster_shared::api::ErrorBody),
        (status = 422, body = roster_shared::api::ErrorBody)))]
pub(crate) async fn inbound_message(
    State(state): State<AppState>,
    OnAccount(ctx): OnAccount,
    AppJson(message): AppJson<InboundMessage>,
) -> Result<StatusCode, ApiError> {
    let id = ctx.account;
    let role = access::effective_role(&ctx.org.tree, &ctx.actor_memberships, AccountId(id));
    if role.is_none_or(|r| r < Role::Basic) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::ReadOnly,
            "Reporting access is read-only; reporting messages needs Basic or above.",
        ));
    }
    // Who wrote is shown whole or not at all; a preview is the start of a message by nature.
    let from = clean(&message.from, MOST_FROM_CHARS + 1);
    let problem = if from.is_empty() {
        Some("say who wrote the message".to_owned())
    } else if from.chars().count() > MOST_FROM_CHARS {
        Some(format!("at most {MOST_FROM_CHARS} characters"))
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(ApiError::invalid_field("from", problem));
    }
    let event = LiveEvent::InboundMessage {
        account: AccountId(id),
        account_name: ctx.org.name(id).to_owned(),
        from,
        preview: clean(&message.preview, 500),
        at: clock::now(),
    };
    state
        .events()
        .publish(
            state.db(),
            Audience::Account {
                root: ctx.root(),
                account: id,
            },
            event,
        )
        .await;
    Ok(StatusCode::ACCEPTED)
}
