//! Writing events: each use case hands its events to [`emit`] inside its own transaction,
//! before it commits, and wakes the worker after (see [`Emitted::wake`]).

use rand::RngCore as _;
use roster_shared::access::UserId;
use roster_shared::account::AccountId;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use roster_shared::webhook::{
    AccessChangedData, EventActor, EventGrant, EventPerson, PersonData, PersonInvitedData,
    ProfileChangedData, ProfileFields, RoleChange, WebhookEvent, WebhookEventType,
};
use serde::Serialize;

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::Actor;

/// One event of a change: its type, the account it happened on, and its `data`.
pub(crate) struct Event {
    pub(crate) event_type: WebhookEventType,
    pub(crate) account: Option<i64>,
    pub(crate) data: serde_json::Value,
}

impl Event {
    pub(crate) fn new(
        event_type: WebhookEventType,
        account: Option<i64>,
        data: &impl Serialize,
    ) -> Result<Event, ApiError> {
        Ok(Event {
            event_type,
            account,
            data: serde_json::to_value(data).map_err(ApiError::internal)?,
        })
    }
}

/// Whether deliveries were queued: after the commit, [`Emitted::wake`] starts them.
#[must_use = "wake the worker after the commit"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Emitted(bool);

impl Emitted {
    pub(crate) const NONE: Emitted = Emitted(false);

    /// Either queued something.
    pub(crate) fn or(self, other: Emitted) -> Emitted {
        Emitted(self.0 || other.0)
    }

    pub(crate) fn wake(self, state: &AppState) {
        if self.0 {
            state.webhooks().wake();
        }
    }
}

/// A new event id: `evt_` and 128 random bits.
pub(crate) fn new_event_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("evt_{}", hex::encode(bytes))
}

/// How an event names who made the change.
pub(crate) fn event_actor(actor: &Actor) -> EventActor {
    EventActor {
        kind: actor.kind,
        user_id: actor.id(),
        name: actor.name.clone(),
    }
}

/// Writes `events` of organisation `root` in `conn`'s transaction, with a delivery to each
/// subscribed endpoint. An organisation without endpoints costs one indexed read.
pub(crate) async fn emit(
    conn: &mut sqlx::AnyConnection,
    root: i64,
    actor: Option<&Actor>,
    events: Vec<Event>,
    now: Timestamp,
) -> Result<Emitted, ApiError> {
    emit_as(conn, root, actor.map(event_actor), events, now).await
}

/// [`emit`], naming the actor as events do.
async fn emit_as(
    conn: &mut sqlx::AnyConnection,
    root: i64,
    actor: Option<EventActor>,
    events: Vec<Event>,
    now: Timestamp,
) -> Result<Emitted, ApiError> {
    if events.is_empty() {
        return Ok(Emitted::NONE);
    }
    let subscribers = db::webhooks::subscribers(&mut *conn, root).await?;
    if subscribers.is_empty() {
        return Ok(Emitted::NONE);
    }
    let rows = events
        .into_iter()
        .map(|event| body_of(root, actor.as_ref(), event, now))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let queued = db::webhooks::record(conn, root, &subscribers, &rows, now).await?;
    Ok(Emitted(queued > 0))
}

/// Writes one event for endpoint `endpoint` only (a test event): the delivery's id.
pub(crate) async fn emit_to(
    conn: &mut sqlx::AnyConnection,
    root: i64,
    endpoint: i64,
    actor: Option<&Actor>,
    event: Event,
    now: Timestamp,
) -> Result<i64, ApiError> {
    let row = body_of(root, actor.map(event_actor).as_ref(), event, now)?;
    Ok(db::webhooks::record_for(conn, root, endpoint, &row, now).await?)
}

/// The event as delivered, byte for byte.
fn body_of(
    root: i64,
    actor: Option<&EventActor>,
    event: Event,
    now: Timestamp,
) -> Result<db::webhooks::NewEvent, ApiError> {
    let public_id = new_event_id();
    let body = WebhookEvent {
        id: public_id.clone(),
        event_type: event.event_type,
        timestamp: now.rfc3339(),
        organisation: AccountId(root),
        account: event.account.map(AccountId),
        actor: actor.cloned(),
        data: event.data,
    };
    Ok(db::webhooks::NewEvent {
        public_id,
        event_type: event.event_type,
        body: serde_json::to_string(&body).map_err(ApiError::internal)?,
    })
}

// ---- the events of each kind of change ------------------------------------------------------

/// `account → role`, as events list access.
pub(crate) fn grants(access: &std::collections::BTreeMap<i64, Role>) -> Vec<EventGrant> {
    access
        .iter()
        .map(|(account, role)| EventGrant {
            account: AccountId(*account),
            role: *role,
        })
        .collect()
}

pub(crate) fn person(user_id: i64, email: &str, name: Option<&str>) -> EventPerson {
    EventPerson {
        id: UserId(user_id),
        email: email.to_owned(),
        name: name.map(str::to_owned),
    }
}

/// `person.invited`, on the account the invitation was sent from.
pub(crate) fn person_invited(
    account: i64,
    person: EventPerson,
    access: &std::collections::BTreeMap<i64, Role>,
    expires_at: Timestamp,
) -> Result<Event, ApiError> {
    Event::new(
        WebhookEventType::PersonInvited,
        Some(account),
        &PersonInvitedData {
            person,
            access: grants(access),
            expires_at: expires_at.rfc3339(),
        },
    )
}

/// `person.access_changed`: `(account, before, after)` per account that changed.
pub(crate) fn access_changed(
    account: i64,
    person: EventPerson,
    changes: &[(i64, Option<Role>, Option<Role>)],
) -> Result<Event, ApiError> {
    Event::new(
        WebhookEventType::AccessChanged,
        Some(account),
        &AccessChangedData {
            person,
            changes: changes
                .iter()
                .map(|(account, before, after)| RoleChange {
                    account: AccountId(*account),
                    before: *before,
                    after: *after,
                })
                .collect(),
        },
    )
}

/// An event whose data is only who it is about (`invitation.expired`, `invitation.withdrawn`,
/// `person.removed`).
pub(crate) fn about(
    event_type: WebhookEventType,
    account: Option<i64>,
    person: EventPerson,
) -> Result<Event, ApiError> {
    Event::new(event_type, account, &PersonData { person })
}

/// `person.profile_changed` in every organisation `user_id` has joined (a person's name and
/// address are theirs, the same everywhere), made by the person themselves. Nothing when
/// nothing an organisation sees changed.
pub(crate) async fn profile_changed(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    before: ProfileFields,
    after: ProfileFields,
    now: Timestamp,
) -> Result<Emitted, ApiError> {
    if before == after {
        return Ok(Emitted::NONE);
    }
    let actor = EventActor {
        kind: roster_shared::webhook::ActorKind::Person,
        user_id: UserId(user_id),
        name: after.name.clone().unwrap_or_else(|| after.email.clone()),
    };
    let mut emitted = Emitted::NONE;
    for root in db::webhooks::organisations_of(&mut *conn, user_id).await? {
        let data = ProfileChangedData {
            person: person(user_id, &after.email, after.name.as_deref()),
            before: before.clone(),
            after: after.clone(),
        };
        let event = Event::new(WebhookEventType::ProfileChanged, Some(root), &data)?;
        let queued = emit_as(&mut *conn, root, Some(actor.clone()), vec![event], now).await?;
        emitted = emitted.or(queued);
    }
    Ok(emitted)
}
