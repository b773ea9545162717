//! Webhooks: each organisation's endpoints, the events written with the changes they describe,
//! and their deliveries (one per event and subscribed endpoint, in order per endpoint).

use roster_shared::time::Timestamp;
use roster_shared::webhook::WebhookEventType;
use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::batch::Sql;

#[derive(Debug, Clone, FromRow)]
pub(crate) struct EndpointRow {
    pub(crate) id: i64,
    pub(crate) account_id: i64,
    pub(crate) url: String,
    pub(crate) description: String,
    /// ' person.invited seats.purchased ' (see [`types_column`]).
    pub(crate) event_types: String,
    /// Until then, the secret rotated out signs too.
    pub(crate) previous_secret_until: Option<i64>,
    enabled: i64,
    pub(crate) disabled_reason: Option<String>,
    pub(crate) failing_since: Option<i64>,
    pub(crate) created_at: i64,
}

impl EndpointRow {
    pub(crate) fn enabled(&self) -> bool {
        self.enabled == 1
    }

    /// The event types it subscribes to, in the order they are declared.
    pub(crate) fn types(&self) -> Vec<WebhookEventType> {
        WebhookEventType::ALL
            .iter()
            .copied()
            .filter(|t| self.event_types.contains(&format!(" {} ", t.as_str())))
            .collect()
    }
}

/// How the subscribed types are stored: each between spaces, so that one is found with
/// `LIKE '% type %'`.
pub(crate) fn types_column(types: &[WebhookEventType]) -> String {
    let mut column = String::from(" ");
    for t in types {
        column.push_str(t.as_str());
        column.push(' ');
    }
    column
}

const ENDPOINT_COLUMNS: &str = "id, account_id, url, description, event_types, \
     previous_secret_until, CASE WHEN enabled THEN 1 ELSE 0 END AS enabled, \
     disabled_reason, failing_since, created_at";

/// The organisation's endpoints, oldest first.
pub(crate) async fn endpoints<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<Vec<EndpointRow>> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE account_id = $1 ORDER BY id"
    ))
    .bind(root_id)
    .fetch_all(db)
    .await
}

/// One endpoint of the organisation.
pub(crate) async fn endpoint<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    id: i64,
) -> sqlx::Result<Option<EndpointRow>> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE account_id = $1 AND id = $2"
    ))
    .bind(root_id)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// An endpoint by its id alone (the mail worker's, telling Owners it was turned off).
pub(crate) async fn endpoint_by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<EndpointRow>> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub(crate) struct NewEndpoint<'a> {
    pub(crate) root_id: i64,
    pub(crate) url: &'a str,
    pub(crate) description: &'a str,
    pub(crate) types: &'a [WebhookEventType],
    pub(crate) secret: &'a str,
    pub(crate) now: Timestamp,
}

/// Adds an endpoint unless the organisation has `limit` already: its id, or `None`.
pub(crate) async fn insert_endpoint(
    conn: &mut AnyConnection,
    endpoint: NewEndpoint<'_>,
    limit: i64,
) -> sqlx::Result<Option<i64>> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = $1")
            .bind(endpoint.root_id)
            .fetch_one(&mut *conn)
            .await?;
    if count >= limit {
        return Ok(None);
    }
    sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (account_id, url, description, event_types, secret, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(endpoint.root_id)
    .bind(endpoint.url)
    .bind(endpoint.description)
    .bind(types_column(endpoint.types))
    .bind(endpoint.secret)
    .bind(endpoint.now.millis())
    .fetch_one(&mut *conn)
    .await
    .map(Some)
}

/// Stores an endpoint's (sealed) secret.
pub(crate) async fn set_secret<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    secret: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE webhook_endpoints SET secret = $2 WHERE id = $1")
        .bind(id)
        .bind(secret)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) struct EndpointChange<'a> {
    pub(crate) url: &'a str,
    pub(crate) description: &'a str,
    pub(crate) types: &'a [WebhookEventType],
    pub(crate) enabled: bool,
}

/// Changes an endpoint; enabling it again clears why it was disabled and its failures.
pub(crate) async fn update_endpoint<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    id: i64,
    change: EndpointChange<'_>,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, \
         enabled = $6, \
         disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END, \
         failing_since = CASE WHEN $6 THEN NULL ELSE failing_since END \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(root_id)
    .bind(id)
    .bind(change.url)
    .bind(change.description)
    .bind(types_column(change.types))
    .bind(change.enabled)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the secret; the old one keeps signing until `overlap_until`.
pub(crate) async fn rotate_secret<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    id: i64,
    secret: &str,
    overlap_until: Timestamp,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $4, \
         secret = $3 WHERE account_id = $1 AND id = $2",
    )
    .bind(root_id)
    .bind(id)
    .bind(secret)
    .bind(overlap_until.millis())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes an endpoint and its deliveries.
pub(crate) async fn delete_endpoint(
    conn: &mut AnyConnection,
    root_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "DELETE FROM webhook_deliveries WHERE endpoint_id IN \
         (SELECT id FROM webhook_endpoints WHERE account_id = $1 AND id = $2)",
    )
    .bind(root_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let result = sqlx::query("DELETE FROM webhook_endpoints WHERE account_id = $1 AND id = $2")
        .bind(root_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

// ---- events ---------------------------------------------------------------------------------

/// An event to record: its body is final (signed byte for byte as stored).
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    pub(crate) public_id: String,
    pub(crate) event_type: WebhookEventType,
    pub(crate) body: String,
}

/// The organisation's endpoints and what they subscribe to, read inside the change's
/// transaction: none (the usual case) and nothing more is written. An endpoint that is off gets
/// its deliveries too: they wait, in order, until it is on again.
pub(crate) async fn subscribers(
    conn: &mut AnyConnection,
    root_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT id, event_types FROM webhook_endpoints WHERE account_id = $1 ORDER BY id",
    )
    .bind(root_id)
    .fetch_all(conn)
    .await
}

/// The organisations `user_id` has joined (accepted), by top-level account.
pub(crate) async fn organisations_of(
    conn: &mut AnyConnection,
    user_id: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT root_id FROM tree_members WHERE user_id = $1 AND accepted_at IS NOT NULL \
         ORDER BY root_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// Records `events` of organisation `root_id` and queues one delivery of each to every endpoint
/// in `subscribers` that subscribes to its type, in `conn`'s transaction (two statements however
/// many events). Answers how many deliveries were queued.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    root_id: i64,
    subscribers: &[(i64, String)],
    events: &[NewEvent],
    now: Timestamp,
) -> sqlx::Result<usize> {
    if events.is_empty() || subscribers.is_empty() {
        return Ok(0);
    }
    let mut sql = Sql::new(
        "INSERT INTO webhook_events (account_id, public_id, event_type, body, occurred_at) VALUES ",
    );
    sql.rows(events, |row, event| {
        row.bind(root_id)
            .bind(event.public_id.as_str())
            .bind(event.event_type.as_str())
            .bind(event.body.as_str())
            .bind(now.millis());
    });
    // RETURNING promises no order: each id is matched to its event by the public id.
    sql.push(" RETURNING id, public_id");
    let ids: std::collections::HashMap<String, i64> = sql
        .fetch_all::<(i64, String), _>(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, public_id)| (public_id, id))
        .collect();
    let mut queued = Vec::new();
    for event in events {
        let id = ids[&event.public_id];
        let wanted = format!(" {} ", event.event_type.as_str());
        for (endpoint, types) in subscribers {
            if types.contains(&wanted) {
                queued.push((*endpoint, id));
            }
        }
    }
    queue(conn, &queued, now).await?;
    Ok(queued.len())
}

/// Records one event for one endpoint only (a test event, whatever the endpoint subscribes
/// to): the delivery's id.
pub(crate) async fn record_for(
    conn: &mut AnyConnection,
    root_id: i64,
    endpoint_id: i64,
    event: &NewEvent,
    now: Timestamp,
) -> sqlx::Result<i64> {
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_events (account_id, public_id, event_type, body, occurred_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(root_id)
    .bind(event.public_id.as_str())
    .bind(event.event_type.as_str())
    .bind(event.body.as_str())
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(endpoint_id)
    .bind(event_id)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await
}

/// Queues deliveries `(endpoint, event)`, due now, in that order.
pub(crate) async fn queue(
    conn: &mut AnyConnection,
    deliveries: &[(i64, i64)],
    now: Timestamp,
) -> sqlx::Result<()> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at, created_at) VALUES ",
    );
    sql.rows(deliveries, |row, (endpoint, event)| {
        row.bind(*endpoint)
            .bind(*event)
            .bind(now.millis())
            .bind(now.millis());
    });
    sql.execute(&mut *conn).await?;
    Ok(())
}

// ---- deliveries -----------------------------------------------------------------------------

/// A delivery taken to be attempted now, with what sending it needs.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct Claimed {
    pub(crate) id: i64,
    pub(crate) endpoint_id: i64,
    pub(crate) attempts: i64,
    pub(crate) url: String,
    pub(crate) account_id: i64,
    pub(crate) secret: String,
    pub(crate) previous_secret: Option<String>,
    pub(crate) previous_secret_until: Option<i64>,
    pub(crate) public_id: String,
    pub(crate) body: String,
}

/// Takes up to `limit` due deliveries until `lease_until`: for each enabled endpoint, only the
/// oldest it has pending (deliveries reach an endpoint in the order of its events; a later one
/// waits while an earlier one is retried). The conditions are repeated outside the sub-select
/// so that on PostgreSQL, where two replicas may pick the same ids, the second update re-checks
/// the row and skips it.
pub(crate) async fn claim(
    conn: &mut AnyConnection,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    let taken: Vec<(i64,)> = sqlx::query_as(
        "UPDATE webhook_deliveries SET lease_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT d.id FROM webhook_deliveries d \
                      JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled \
                      WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
                      AND (d.lease_until IS NULL OR d.lease_until < $1) \
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o \
                                      WHERE o.endpoint_id = d.endpoint_id \
                                      AND o.status = 'pending' AND o.id < d.id) \
                      ORDER BY d.id LIMIT $3) \
           AND status = 'pending' AND (lease_until IS NULL OR lease_until < $1) \
         RETURNING id",
    )
    .bind(now.millis())
    .bind(lease_until.millis())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    if taken.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT d.id, d.endpoint_id, d.attempts, e.url, e.account_id, e.secret, \
         e.previous_secret, e.previous_secret_until, v.public_id, v.body \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         JOIN webhook_events v ON v.id = d.event_id WHERE d.id IN (",
    );
    sql.list(taken.iter().map(|(id,)| *id));
    sql.push(") ORDER BY d.id");
    sql.fetch_all(&mut *conn).await
}

/// What the endpoint answered (or why there was no answer).
#[derive(Debug, Clone)]
pub(crate) struct Attempt<'a> {
    pub(crate) at: Timestamp,
    pub(crate) status: Option<i64>,
    pub(crate) latency_ms: i64,
    /// The answer's first bytes, or the error.
    pub(crate) response: &'a str,
}

/// Records an attempt: delivered (`next` none and a 2xx), retried at `next`, or given up.
pub(crate) async fn record_attempt(
    conn: &mut AnyConnection,
    delivery: &Claimed,
    attempt: &Attempt<'_>,
    outcome: Outcome,
) -> sqlx::Result<()> {
    let (status, next, delivered_at) = match outcome {
        Outcome::Delivered => ("delivered", attempt.at.millis(), Some(attempt.at.millis())),
        Outcome::RetryAt(at) => ("pending", at.millis(), None),
        Outcome::GivenUp => ("failed", attempt.at.millis(), None),
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, lease_until = NULL, \
         last_attempt_at = $4, last_status = $5, last_latency_ms = $6, last_response = $7, \
         delivered_at = $8 WHERE id = $1",
    )
    .bind(delivery.id)
    .bind(status)
    .bind(next)
    .bind(attempt.at.millis())
    .bind(attempt.status)
    .bind(attempt.latency_ms)
    .bind(attempt.response)
    .bind(delivered_at)
    .execute(&mut *conn)
    .await?;
    // The endpoint's run of failures: cleared by a success, started by the first failure.
    let failing = match outcome {
        Outcome::Delivered => {
            sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1")
                .bind(delivery.endpoint_id)
        }
        _ => sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) \
             WHERE id = $1",
        )
        .bind(delivery.endpoint_id)
        .bind(attempt.at.millis()),
    };
    failing.execute(&mut *conn).await?;
    Ok(())
}

/// What became of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Delivered,
    RetryAt(Timestamp),
    GivenUp,
}

/// Turns an endpoint off after it failed for too long, saying why; false if it was off.
pub(crate) async fn disable(
    conn: &mut AnyConnection,
    endpoint_id: i64,
    reason: &str,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $2 \
         WHERE id = $1 AND enabled",
    )
    .bind(endpoint_id)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct DeliveryRow {
    pub(crate) id: i64,
    pub(crate) public_id: String,
    pub(crate) event_type: String,
    pub(crate) status: String,
    pub(crate) attempts: i64,
    pub(crate) next_attempt_at: i64,
    pub(crate) last_attempt_at: Option<i64>,
    pub(crate) last_status: Option<i64>,
    pub(crate) last_latency_ms: Option<i64>,
    pub(crate) last_response: Option<String>,
    pub(crate) created_at: i64,
}

/// The endpoint's latest deliveries, newest first.
pub(crate) async fn deliveries<'e, E: Executor<'e, Database = Any>>(
    db: E,
    endpoint_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(
        "SELECT d.id, v.public_id, v.event_type, d.status, d.attempts, d.next_attempt_at, \
         d.last_attempt_at, d.last_status, d.last_latency_ms, d.last_response, d.created_at \
         FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id \
         WHERE d.endpoint_id = $1 ORDER BY d.id DESC LIMIT $2",
    )
    .bind(endpoint_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Sends one delivery's event again to its endpoint: the new delivery's id (`None`: no such
/// delivery of that endpoint).
pub(crate) async fn resend<'e, E: Executor<'e, Database = Any>>(
    db: E,
    endpoint_id: i64,
    delivery_id: i64,
    now: Timestamp,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at, created_at) \
         SELECT endpoint_id, event_id, $3, $3 FROM webhook_deliveries \
         WHERE id = $2 AND endpoint_id = $1 RETURNING id",
    )
    .bind(endpoint_id)
    .bind(delivery_id)
    .bind(now.millis())
    .fetch_optional(db)
    .await
}

/// Queues again, to `endpoint`, the organisation's events since `since` of the types it
/// subscribes to (test events aside), oldest first, at most `limit`: how many.
pub(crate) async fn replay<'e, E: Executor<'e, Database = Any>>(
    db: E,
    endpoint: &EndpointRow,
    since: Timestamp,
    now: Timestamp,
    limit: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at, created_at) \
         SELECT $1, v.id, $4, $4 FROM webhook_events v \
         WHERE v.account_id = $2 AND v.occurred_at >= $3 AND v.event_type <> 'webhook.test' \
         AND $5 LIKE '% ' || v.event_type || ' %' ORDER BY v.id LIMIT $6",
    )
    .bind(endpoint.id)
    .bind(endpoint.account_id)
    .bind(since.millis())
    .bind(now.millis())
    .bind(endpoint.event_types.as_str())
    .bind(limit)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Forgets the events that happened before `before` and whose deliveries all ended (delivered
/// or given up), with those deliveries: how many events.
pub(crate) async fn forget_before(pool: &sqlx::Pool<Any>, before: Timestamp) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    let old = "SELECT v.id FROM webhook_events v WHERE v.occurred_at < $1 \
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
                               WHERE d.event_id = v.id AND d.status = 'pending')";
    sqlx::query(&format!(
        "DELETE FROM webhook_deliveries WHERE event_id IN ({old})"
    ))
    .bind(before.millis())
    .execute(&mut *tx)
    .await?;
    let forgotten = sqlx::query(&format!("DELETE FROM webhook_events WHERE id IN ({old})"))
        .bind(before.millis())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(forgotten.rows_affected())
}
