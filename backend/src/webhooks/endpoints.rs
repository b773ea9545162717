//! *Settings › Webhooks*: an organisation's endpoints, set on its top-level account by its
//! Admins and Owners. Each is an address, the event types it receives, and a signing secret
//! shown once (when made, and when rotated: the previous one keeps signing for a day, so the
//! receiver can switch without missing a delivery).

use axum::http::StatusCode;
use roster_shared::api::ErrorCode;
use roster_shared::time::{DAY_MS, Timestamp};
use roster_shared::webhook::{
    CreatedWebhookEndpoint, DeliveryStatus, MAX_ENDPOINTS, MAX_REPLAY, ReplayOutcome,
    ReplayRequest, RotatedWebhookSecret, TestData, WebhookDelivery, WebhookEndpoint,
    WebhookEndpointDetail, WebhookEndpointRequest, WebhookEventType,
};

use crate::clock;
use crate::db;
use crate::db::webhooks::{DeliveryRow, EndpointRow};
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context};
use crate::webhooks::delivery::secret_purpose;
use crate::webhooks::events::{Event, emit_to};
use crate::webhooks::{guard, signature};

/// How long a rotated-out secret keeps signing.
pub(crate) const ROTATION_OVERLAP_MS: i64 = DAY_MS;

/// How many deliveries an endpoint's page lists.
const RECENT_DELIVERIES: i64 = 50;

/// The longest description.
const MAX_DESCRIPTION: usize = 200;

/// Webhooks are set on the top-level account, by people who manage it.
fn require_admin(ctx: &Context) -> Result<(), ApiError> {
    if ctx.account != ctx.root() {
        return Err(ApiError::not_found(format!(
            "Webhooks are set on the top-level account, {}.",
            ctx.org.name(ctx.root())
        )));
    }
    ctx.require_manage().map(|_| ()).map_err(|_| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::NotAnAdmin,
            format!(
                "Only Admins and Owners of {} can set up webhooks.",
                ctx.org.name(ctx.root())
            ),
        )
    })
}

fn no_such_endpoint() -> ApiError {
    ApiError::not_found("There is no such webhook endpoint.")
}

pub(crate) fn view(row: &EndpointRow) -> WebhookEndpoint {
    WebhookEndpoint {
        id: row.id,
        url: row.url.clone(),
        description: row.description.clone(),
        event_types: row.types(),
        enabled: row.enabled(),
        disabled_reason: row.disabled_reason.clone(),
        failing_since: row.failing_since.map(Timestamp::from_millis),
        previous_secret_until: row
            .previous_secret_until
            .filter(|until| *until > clock::now().millis())
            .map(Timestamp::from_millis),
        created_at: Timestamp::from_millis(row.created_at),
    }
}

fn delivery_view(row: DeliveryRow) -> Result<WebhookDelivery, ApiError> {
    let status = DeliveryStatus::parse(&row.status)
        .ok_or_else(|| ApiError::internal(format!("delivery {}: status {}", row.id, row.status)))?;
    Ok(WebhookDelivery {
        id: row.id,
        event_id: row.public_id,
        event_type: WebhookEventType::parse(&row.event_type).ok_or_else(|| {
            ApiError::internal(format!("delivery {}: type {}", row.id, row.event_type))
        })?,
        next_attempt_at: (status == DeliveryStatus::Pending)
            .then(|| Timestamp::from_millis(row.next_attempt_at)),
        status,
        attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        last_attempt_at: row.last_attempt_at.map(Timestamp::from_millis),
        status_code: row.last_status.and_then(|s| u16::try_from(s).ok()),
        latency_ms: row.last_latency_ms.and_then(|ms| u32::try_from(ms).ok()),
        response: row.last_response,
        created_at: Timestamp::from_millis(row.created_at),
    })
}

/// A request's endpoint, checked: its address (where it may go, resolved now), description and
/// event types.
struct Checked {
    url: String,
    description: String,
    types: Vec<WebhookEventType>,
}

async fn checked(state: &AppState, request: &WebhookEndpointRequest) -> Result<Checked, ApiError> {
    let policy = state.webhooks().policy;
    let url = guard::check_url(&request.url, policy)
        .map_err(|message| ApiError::invalid_field("url", message))?;
    guard::check_resolves(&url, policy)
        .await
        .map_err(|message| ApiError::invalid_field("url", message))?;
    let description = request.description.trim();
    if description.chars().count() > MAX_DESCRIPTION || description.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            "description",
            format!("use at most {MAX_DESCRIPTION} characters on one line"),
        ));
    }
    let types: Vec<WebhookEventType> = WebhookEventType::subscribable()
        .filter(|t| request.event_types.contains(t))
        .collect();
    if types.is_empty() {
        return Err(ApiError::invalid_field(
            "event_types",
            "choose at least one event type",
        ));
    }
    Ok(Checked {
        url: url.to_string(),
        description: description.to_owned(),
        types,
    })
}

pub(crate) async fn list(
    state: &AppState,
    ctx: &Context,
) -> Result<Vec<WebhookEndpoint>, ApiError> {
    require_admin(ctx)?;
    Ok(db::webhooks::endpoints(state.db().reader(), ctx.root())
        .await?
        .iter()
        .map(view)
        .collect())
}

pub(crate) async fn detail(
    state: &AppState,
    ctx: &Context,
    id: i64,
) -> Result<WebhookEndpointDetail, ApiError> {
    require_admin(ctx)?;
    let row = db::webhooks::endpoint(state.db().reader(), ctx.root(), id)
        .await?
        .ok_or_else(no_such_endpoint)?;
    let deliveries = db::webhooks::deliveries(state.db().reader(), id, RECENT_DELIVERIES)
        .await?
        .into_iter()
        .map(delivery_view)
        .collect::<Result<_, _>>()?;
    Ok(WebhookEndpointDetail {
        endpoint: view(&row),
        deliveries,
    })
}

#[tracing::instrument(skip_all, fields(account = ctx.root()))]
pub(crate) async fn create(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    request: &WebhookEndpointRequest,
) -> Result<CreatedWebhookEndpoint, ApiError> {
    require_admin(ctx)?;
    let endpoint = checked(state, request).await?;
    let secret = signature::new_secret();
    let now = clock::now();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), ctx.root()).await?;
    // The secret is sealed for the endpoint's id, known once the row exists.
    let Some(id) = db::webhooks::insert_endpoint(
        &mut tx,
        db::webhooks::NewEndpoint {
            root_id: ctx.root(),
            url: &endpoint.url,
            description: &endpoint.description,
            types: &endpoint.types,
            secret: "",
            now,
        },
        MAX_ENDPOINTS as i64,
    )
    .await?
    else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::TooManyWebhooks,
            format!(
                "{} has {MAX_ENDPOINTS} webhook endpoints, the most it may have: remove one first.",
                ctx.org.name(ctx.root())
            ),
        ));
    };
    db::webhooks::set_secret(
        &mut *tx,
        id,
        &state.secrets().seal(&secret_purpose(id), &secret),
    )
    .await?;
    let summary = format!(
        "{} added the webhook endpoint {} ({})",
        actor.name,
        endpoint.url,
        endpoint
            .types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    ctx.record_here(
        &mut tx,
        actor,
        roster_shared::audit::AuditAction::WebhookAdded,
        &summary,
        now,
    )
    .await?;
    tx.commit().await?;
    let row = db::webhooks::endpoint(db.reader(), ctx.root(), id)
        .await?
        .ok_or_else(no_such_endpoint)?;
    Ok(CreatedWebhookEndpoint {
        endpoint: view(&row),
        secret,
    })
}

#[tracing::instrument(skip_all, fields(account = ctx.root(), endpoint = id))]
pub(crate) async fn update(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    id: i64,
    request: &WebhookEndpointRequest,
) -> Result<WebhookEndpoint, ApiError> {
    require_admin(ctx)?;
    let endpoint = checked(state, request).await?;
    let now = clock::now();
    let mut tx = state.db().writer().begin().await?;
    let changed = db::webhooks::update_endpoint(
        &mut *tx,
        ctx.root(),
        id,
        db::webhooks::EndpointChange {
            url: &endpoint.url,
            description: &endpoint.description,
            types: &endpoint.types,
            enabled: request.enabled.unwrap_or(true),
        },
    )
    .await?;
    if !changed {
        return Err(no_such_endpoint());
    }
    let summary = format!(
        "{} changed the webhook endpoint {}",
        actor.name, endpoint.url
    );
    ctx.record_here(
        &mut tx,
        actor,
        roster_shared::audit::AuditAction::WebhookChanged,
        &summary,
        now,
    )
    .await?;
    tx.commit().await?;
    // Turned on again: what waited goes out now.
    state.webhooks().wake();
    let row = db::webhooks::endpoint(state.db().reader(), ctx.root(), id)
        .await?
        .ok_or_else(no_such_endpoint)?;
    Ok(view(&row))
}

#[tracing::instrument(skip_all, fields(account = ctx.root(), endpoint = id))]
pub(crate) async fn remove(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    id: i64,
) -> Result<(), ApiError> {
    require_admin(ctx)?;
    let row = db::webhooks::endpoint(state.db().reader(), ctx.root(), id)
        .await?
        .ok_or_else(no_such_endpoint)?;
    let mut tx = state.db().writer().begin().await?;
    if !db::webhooks::delete_endpoint(&mut tx, ctx.root(), id).await? {
        return Err(no_such_endpoint());
    }
    let summary = format!("{} removed the webhook endpoint {}", actor.name, row.url);
    ctx.record_here(
        &mut tx,
        actor,
        roster_shared::audit::AuditAction::WebhookRemoved,
        &summary,
        clock::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new signing secret, shown once; the previous one signs too for a day.
#[tracing::instrument(skip_all, fields(account = ctx.root(), endpoint = id))]
pub(crate) async fn rotate_secret(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    id: i64,
) -> Result<RotatedWebhookSecret, ApiError> {
    require_admin(ctx)?;
    let secret = signature::new_secret();
    let now = clock::now();
    let until = now.plus_millis(ROTATION_OVERLAP_MS);
    let sealed = state.secrets().seal(&secret_purpose(id), &secret);
    let mut tx = state.db().writer().begin().await?;
    if !db::webhooks::rotate_secret(&mut *tx, ctx.root(), id, &sealed, until).await? {
        return Err(no_such_endpoint());
    }
    let summary = format!(
        "{} rotated the signing secret of webhook endpoint {id}",
        actor.name
    );
    ctx.record_here(
        &mut tx,
        actor,
        roster_shared::audit::AuditAction::WebhookChanged,
        &summary,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(RotatedWebhookSecret {
        secret,
        previous_secret_until: until,
    })
}

/// "Send test event": a `webhook.test` event to this endpoint only, whatever it receives.
#[tracing::instrument(skip_all, fields(account = ctx.root(), endpoint = id))]
pub(crate) async fn send_test(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    id: i64,
) -> Result<WebhookDelivery, ApiError> {
    require_admin(ctx)?;
    if db::webhooks::endpoint(state.db().reader(), ctx.root(), id)
        .await?
        .is_none()
    {
        return Err(no_such_endpoint());
    }
    let event = Event::new(
        WebhookEventType::Test,
        Some(ctx.root()),
        &TestData {
            message: format!("{} sent a test event from Roster.", actor.name),
        },
    )?;
    let mut tx = state.db().writer().begin().await?;
    let delivery = emit_to(&mut tx, ctx.root(), id, Some(actor), event, clock::now()).await?;
    tx.commit().await?;
    state.webhooks().wake();
    self::delivery(state, id, delivery).await
}

/// The delivery `id` of endpoint `endpoint`, as its page lists it.
async fn delivery(state: &AppState, endpoint: i64, id: i64) -> Result<WebhookDelivery, ApiError> {
    db::webhooks::deliveries(state.db().reader(), endpoint, RECENT_DELIVERIES)
        .await?
        .into_iter()
        .find(|row| row.id == id)
        .map(delivery_view)
        .ok_or_else(|| ApiError::internal("a delivery just queued is gone"))?
}

/// "Resend": one delivery's event, to its endpoint again (a new delivery, after the ones
/// waiting).
#[tracing::instrument(skip_all, fields(account = ctx.root(), endpoint, delivery = id))]
pub(crate) async fn resend(
    state: &AppState,
    ctx: &Context,
    endpoint: i64,
    id: i64,
) -> Result<WebhookDelivery, ApiError> {
    require_admin(ctx)?;
    db::webhooks::endpoint(state.db().reader(), ctx.root(), endpoint)
        .await?
        .ok_or_else(no_such_endpoint)?;
    let queued = db::webhooks::resend(state.db().writer(), endpoint, id, clock::now())
        .await?
        .ok_or_else(|| ApiError::not_found("There is no such delivery."))?;
    state.webhooks().wake();
    delivery(state, endpoint, queued).await
}

/// "Replay": every event since a time, again, to one endpoint.
#[tracing::instrument(skip_all, fields(account = ctx.root(), endpoint))]
pub(crate) async fn replay(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    endpoint: i64,
    request: &ReplayRequest,
) -> Result<ReplayOutcome, ApiError> {
    require_admin(ctx)?;
    let row = db::webhooks::endpoint(state.db().reader(), ctx.root(), endpoint)
        .await?
        .ok_or_else(no_such_endpoint)?;
    let now = clock::now();
    if request.since > now {
        return Err(ApiError::invalid_field(
            "since",
            "choose a time in the past",
        ));
    }
    let mut tx = state.db().writer().begin().await?;
    let queued =
        db::webhooks::replay(&mut *tx, &row, request.since, now, i64::from(MAX_REPLAY)).await?;
    record_replay(&mut tx, actor, ctx, &row, request.since, now).await?;
    tx.commit().await?;
    state.webhooks().wake();
    let queued = u32::try_from(queued).unwrap_or(MAX_REPLAY);
    Ok(ReplayOutcome {
        queued,
        more: queued >= MAX_REPLAY,
    })
}

async fn record_replay(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    ctx: &Context,
    row: &EndpointRow,
    since: Timestamp,
    now: Timestamp,
) -> Result<(), ApiError> {
    let summary = format!(
        "{} replayed the events since {} to the webhook endpoint {}",
        actor.name,
        since.format_date_time(),
        row.url
    );
    ctx.record_here(
        conn,
        actor,
        roster_shared::audit::AuditAction::WebhookChanged,
        &summary,
        now,
    )
    .await
}
