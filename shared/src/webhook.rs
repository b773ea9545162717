//! Webhooks: what the rest of the messaging platform is told about access changes, and how.
//!
//! Every event is one JSON object, the same for every type:
//! `{"id", "type", "timestamp", "organisation", "account", "actor", "data"}`, where `data`'s
//! shape depends on `type` (one struct here per type). Deliveries carry the Standard Webhooks
//! headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`), so receivers verify them
//! with any of that project's libraries.

use serde::{Deserialize, Serialize};

use crate::access::UserId;
use crate::account::AccountId;
use crate::role::Role;
use crate::time::Timestamp;

crate::text_enum::text_enum! {
    /// The kinds of event an endpoint may subscribe to.
    pub enum WebhookEventType ("a webhook event type") {
        /// Someone new to the organisation was invited.
        PersonInvited = "person.invited",
        InvitationAccepted = "invitation.accepted",
        /// An invitation passed its 14 days unaccepted.
        InvitationExpired = "invitation.expired",
        /// An admin withdrew an invitation.
        InvitationWithdrawn = "invitation.withdrawn",
        /// A person's roles changed on some accounts (before and after, per account).
        AccessChanged = "person.access_changed",
        /// A person left the organisation (their last access was removed).
        PersonRemoved = "person.removed",
        /// A member's name or address changed.
        ProfileChanged = "person.profile_changed",
        AccountCreated = "account.created",
        AccountRenamed = "account.renamed",
        AccountArchived = "account.archived",
        SeatsPurchased = "seats.purchased",
        SeatsRemoved = "seats.removed",
        /// "Send test event": delivered to one endpoint on request, whatever it subscribes to.
        Test = "webhook.test",
    }
}

impl WebhookEventType {
    /// The schema of its `data` in the API document.
    pub fn data_schema(self) -> &'static str {
        match self {
            WebhookEventType::PersonInvited => "PersonInvitedData",
            WebhookEventType::InvitationAccepted => "InvitationAcceptedData",
            WebhookEventType::InvitationExpired
            | WebhookEventType::InvitationWithdrawn
            | WebhookEventType::PersonRemoved => "PersonData",
            WebhookEventType::AccessChanged => "AccessChangedData",
            WebhookEventType::ProfileChanged => "ProfileChangedData",
            WebhookEventType::AccountCreated | WebhookEventType::AccountArchived => "AccountData",
            WebhookEventType::AccountRenamed => "AccountRenamedData",
            WebhookEventType::SeatsPurchased | WebhookEventType::SeatsRemoved => "SeatsData",
            WebhookEventType::Test => "TestData",
        }
    }

    /// The types an endpoint may subscribe to (all but the test event).
    pub fn subscribable() -> impl Iterator<Item = WebhookEventType> {
        Self::ALL
            .iter()
            .copied()
            .filter(|t| *t != WebhookEventType::Test)
    }

    /// How the settings page names it.
    pub fn label(self) -> &'static str {
        match self {
            WebhookEventType::PersonInvited => "Person invited",
            WebhookEventType::InvitationAccepted => "Invitation accepted",
            WebhookEventType::InvitationExpired => "Invitation expired",
            WebhookEventType::InvitationWithdrawn => "Invitation withdrawn",
            WebhookEventType::AccessChanged => "Access changed",
            WebhookEventType::PersonRemoved => "Person removed",
            WebhookEventType::ProfileChanged => "Profile changed",
            WebhookEventType::AccountCreated => "Account created",
            WebhookEventType::AccountRenamed => "Account renamed",
            WebhookEventType::AccountArchived => "Account archived",
            WebhookEventType::SeatsPurchased => "Seats bought",
            WebhookEventType::SeatsRemoved => "Seats removed",
            WebhookEventType::Test => "Test event",
        }
    }
}

/// One event as delivered (the request body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// `evt_…`, the same in every delivery of it (also the `webhook-id` header): receivers
    /// drop what they have seen, since delivery is at least once.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// When it happened, RFC 3339 in UTC with milliseconds.
    pub timestamp: String,
    /// The organisation's top-level account.
    pub organisation: AccountId,
    /// The account it happened on, when one (the organisation itself for organisation-wide
    /// changes such as seats).
    pub account: Option<AccountId>,
    /// Who did it; none when Roster itself did (an invitation running out).
    pub actor: Option<EventActor>,
    /// What happened: its shape is given by `type` (see the `*Data` schemas).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

crate::text_enum::text_enum! {
    /// What kind of actor made a change.
    pub enum ActorKind ("an actor kind") {
        Person = "person",
        /// An API token (SCIM provisioning included), named as it was created.
        ApiToken = "api_token",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventActor {
    pub kind: ActorKind,
    /// The person (for a token, the person who created it).
    pub user_id: UserId,
    pub name: String,
}

/// A person an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPerson {
    pub id: UserId,
    pub email: String,
    /// None until they accept (an organisation sees only the invited address until then).
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventGrant {
    pub account: AccountId,
    pub role: Role,
}

/// `person.invited`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonInvitedData {
    pub person: EventPerson,
    /// What the invitation offers.
    pub access: Vec<EventGrant>,
    /// RFC 3339.
    pub expires_at: String,
}

/// `invitation.accepted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationAcceptedData {
    pub person: EventPerson,
    /// What they hold now.
    pub access: Vec<EventGrant>,
}

/// `invitation.expired`, `invitation.withdrawn` and `person.removed`: who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonData {
    pub person: EventPerson,
}

/// One account's role before and after (none: no role there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleChange {
    pub account: AccountId,
    pub before: Option<Role>,
    pub after: Option<Role>,
}

/// `person.access_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessChangedData {
    pub person: EventPerson,
    pub changes: Vec<RoleChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileFields {
    pub name: Option<String>,
    pub email: String,
}

/// `person.profile_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileChangedData {
    pub person: EventPerson,
    pub before: ProfileFields,
    pub after: ProfileFields,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventAccount {
    pub id: AccountId,
    pub name: String,
    /// None for the top-level account.
    pub parent: Option<AccountId>,
}

/// `account.created` and `account.archived`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountData {
    pub account: EventAccount,
}

/// `account.renamed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountRenamedData {
    pub account: EventAccount,
    pub previous_name: String,
}

/// `seats.purchased` and `seats.removed`: how many, and the seats after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatsData {
    pub quantity: u32,
    pub included: u32,
    pub extra: u32,
    pub used: u32,
}

/// `webhook.test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestData {
    pub message: String,
}

// ---- the API of Settings › Webhooks ----------------------------------------------------------

/// The most endpoints an organisation may have.
pub const MAX_ENDPOINTS: usize = 20;

/// An endpoint as its settings show it (its secret is shown once, when made or rotated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub event_types: Vec<WebhookEventType>,
    pub enabled: bool,
    /// Why Roster turned it off (it failed for days), until someone turns it on again.
    pub disabled_reason: Option<String>,
    /// The first failed attempt since the last success.
    pub failing_since: Option<Timestamp>,
    /// After a rotation, the previous secret still signs until then.
    pub previous_secret_until: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// `POST` and `PUT /api/v1/accounts/{id}/webhooks[/{endpoint}]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointRequest {
    /// `https://…` (or `http://` to loopback when Roster runs on loopback).
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub url: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub description: String,
    /// At least one.
    pub event_types: Vec<WebhookEventType>,
    /// Left out: on.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A new endpoint, with its signing secret: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhookEndpoint {
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: give it to the receiver's Standard Webhooks verifier.
    pub secret: String,
}

/// `POST …/webhooks/{endpoint}/secret`: the new secret (shown this once); the previous one
/// keeps signing until `previous_secret_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotatedWebhookSecret {
    pub secret: String,
    pub previous_secret_until: Timestamp,
}

crate::text_enum::text_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus ("a delivery status") {
        /// Not delivered yet: due at `next_attempt_at`.
        Pending = "pending",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Retried for about three days without a 2xx: given up.
        Failed = "failed",
    }
}

/// One delivery of an event to an endpoint, with its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: i64,
    /// The event's `evt_…` id.
    pub event_id: String,
    pub event_type: WebhookEventType,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    /// The HTTP status of the last answer; none when there was none (refused, timed out).
    pub status_code: Option<u16>,
    pub latency_ms: Option<u32>,
    /// The first bytes of the last answer, or why there was none.
    pub response: Option<String>,
    pub created_at: Timestamp,
}

/// `GET …/webhooks/{endpoint}`: the endpoint and its latest deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointDetail {
    pub endpoint: WebhookEndpoint,
    pub deliveries: Vec<WebhookDelivery>,
}

/// `POST …/webhooks/{endpoint}/replay`: every event since then, sent again to this endpoint
/// (the ones it subscribes to, oldest first).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayRequest {
    pub since: Timestamp,
}

/// How many deliveries a replay queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayOutcome {
    pub queued: u32,
    /// The replay reached [`MAX_REPLAY`] events, the most one sends: there may be more, so
    /// replay again from the time of the last one received.
    pub more: bool,
}

/// The most events one replay sends.
pub const MAX_REPLAY: u32 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_is_written_as_its_text_and_the_test_event_is_not_subscribable() {
        crate::text_enum::assert_texts_round_trip(WebhookEventType::ALL, "a webhook event type");
        let subscribable: Vec<_> = WebhookEventType::subscribable().collect();
        assert_eq!(subscribable.len(), WebhookEventType::ALL.len() - 1);
        assert!(!subscribable.contains(&WebhookEventType::Test));
    }
}
