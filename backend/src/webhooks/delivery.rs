//! The webhook worker: takes due deliveries (each endpoint's oldest pending one), signs and
//! sends them, and records the answer. A delivery that gets no 2xx is retried with back-off
//! ([`RETRY_AFTER`], ±10 % jitter) for about three days; then it is given up, and its endpoint,
//! failing all that time, is turned off and the organisation's Owners are told by email.

use std::time::Instant;

use rand::Rng as _;
use roster_shared::time::{HOUR_MS, MINUTE_MS, SECOND_MS, Timestamp};

use crate::clock;
use crate::db;
use crate::db::webhooks::{Attempt, Claimed, Outcome};
use crate::sso::secret::SecretBox;
use crate::state::AppState;
use crate::webhooks::{guard, signature};

/// How long to wait after each failed attempt (the 1st, the 2nd, …): about three days in all,
/// then the delivery is given up.
pub(crate) const RETRY_AFTER: [i64; 10] = [
    5 * SECOND_MS,
    5 * MINUTE_MS,
    30 * MINUTE_MS,
    2 * HOUR_MS,
    5 * HOUR_MS,
    10 * HOUR_MS,
    12 * HOUR_MS,
    12 * HOUR_MS,
    12 * HOUR_MS,
    18 * HOUR_MS,
];

/// The most bytes of an answer kept (and read).
pub(crate) const RESPONSE_EXCERPT: usize = 1024;

/// Deliveries taken at once.
const BATCH: i64 = 32;

/// How long a taken delivery is this worker's: past it, another replica may take it again.
const LEASE_MS: i64 = 60 * SECOND_MS;

pub(crate) async fn run(state: AppState) {
    let poll = state.settings().webhook_poll_every;
    let workers = state.workers();
    let _running = workers.start(&workers.webhooks);
    loop {
        workers.turn(&workers.webhooks);
        let delivered = match deliver_due(&state).await {
            Ok(count) => count,
            Err(error) => {
                tracing::warn!(%error, "webhook worker: cannot read the deliveries");
                0
            }
        };
        if delivered == 0 {
            tokio::select! {
                () = state.webhooks().woken() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }
}

/// What the purpose of an endpoint's sealed secrets is: this endpoint only.
pub(crate) fn secret_purpose(endpoint_id: i64) -> String {
    format!("webhook-secret:{endpoint_id}")
}

/// The secrets that sign a delivery now: the current one, and the previous one during its
/// overlap after a rotation.
fn signing_secrets(
    secrets: &SecretBox,
    delivery: &Claimed,
    now: Timestamp,
) -> anyhow::Result<Vec<String>> {
    let purpose = secret_purpose(delivery.endpoint_id);
    let mut out = vec![secrets.open(&purpose, &delivery.secret)?];
    if let (Some(previous), Some(until)) =
        (&delivery.previous_secret, delivery.previous_secret_until)
        && until > now.millis()
    {
        out.push(secrets.open(&purpose, previous)?);
    }
    Ok(out)
}

/// Delivers one batch; answers how many deliveries it attempted.
pub(crate) async fn deliver_due(state: &AppState) -> anyhow::Result<usize> {
    let now = clock::now();
    let claimed = {
        let mut conn = state.db().writer().acquire().await?;
        db::webhooks::claim(&mut conn, now, now.plus_millis(LEASE_MS), BATCH).await?
    };
    let count = claimed.len();
    // Different endpoints at once; each endpoint has at most one delivery in a batch.
    let attempts = claimed.into_iter().map(|delivery| {
        let state = state.clone();
        async move {
            let (attempt, response) = send(&state, &delivery).await;
            (delivery, attempt, response)
        }
    });
    for (delivery, attempt, response) in futures_util::future::join_all(attempts).await {
        record(state, &delivery, &attempt, &response).await?;
    }
    Ok(count)
}

/// What one attempt found: when, the status, how long it took; and the answer's first bytes.
struct Sent {
    at: Timestamp,
    status: Option<u16>,
    latency_ms: i64,
}

async fn send(state: &AppState, delivery: &Claimed) -> (Sent, String) {
    let at = clock::now();
    let started = Instant::now();
    // The address is checked again as it is now (a literal address does not go through the
    // guarded resolver; the operator may have withdrawn --webhook-allow-private).
    if let Err(reason) = guard::check_url(&delivery.url, state.webhooks().policy) {
        let sent = Sent {
            at,
            status: None,
            latency_ms: 0,
        };
        return (sent, format!("Not sent: {reason}."));
    }
    let secrets = match signing_secrets(state.secrets(), delivery, at) {
        Ok(secrets) => secrets,
        Err(error) => {
            tracing::error!(%error, endpoint = delivery.endpoint_id, "cannot open the endpoint's secret");
            let sent = Sent {
                at,
                status: None,
                latency_ms: 0,
            };
            return (
                sent,
                "Roster could not open the endpoint's signing secret.".into(),
            );
        }
    };
    let seconds = at.millis().div_euclid(SECOND_MS);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let signature =
        signature::signature_header(&secrets, &delivery.public_id, seconds, &delivery.body);
    let result = state
        .webhooks()
        .client
        .post(&delivery.url)
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.public_id)
        .header("webhook-timestamp", seconds.to_string())
        .header("webhook-signature", signature)
        .body(delivery.body.clone())
        .send()
        .await;
    let (status, response) = match result {
        Ok(mut answer) => {
            let status = answer.status().as_u16();
            let mut excerpt = Vec::new();
            // Only the first bytes are read: an endpoint cannot make Roster hold a large answer.
            while excerpt.len() < RESPONSE_EXCERPT {
                match answer.chunk().await {
                    Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                    Ok(None) | Err(_) => break,
                }
            }
            excerpt.truncate(RESPONSE_EXCERPT);
            (Some(status), String::from_utf8_lossy(&excerpt).into_owned())
        }
        Err(error) => (None, describe(&error)),
    };
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    (
        Sent {
            at,
            status,
            latency_ms,
        },
        response,
    )
}

/// Why there was no answer, in words for the endpoint's page (no internal detail).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("No answer within {} seconds.", super::TIMEOUT.as_secs())
    } else if error.is_connect() {
        let chain = format!("{error:?}");
        if chain.contains("webhooks may not reach") {
            "The endpoint's address resolves only to private, loopback or link-local addresses, which webhooks may not reach.".into()
        } else {
            "Could not connect to the endpoint.".into()
        }
    } else {
        "The request to the endpoint failed.".into()
    }
}

/// The wait after failed attempt number `attempts` (1-based), with ±10 % jitter; `None`: give
/// up.
pub(crate) fn retry_delay(attempts: i64) -> Option<i64> {
    let base = *RETRY_AFTER.get(usize::try_from(attempts - 1).ok()?)?;
    let jitter = base / 10;
    Some(base + rand::rng().random_range(-jitter..=jitter))
}

async fn record(
    state: &AppState,
    delivery: &Claimed,
    sent: &Sent,
    response: &str,
) -> anyhow::Result<()> {
    let delivered = sent.status.is_some_and(|s| (200..300).contains(&s));
    let outcome = if delivered {
        Outcome::Delivered
    } else {
        match retry_delay(delivery.attempts) {
            Some(delay) => Outcome::RetryAt(sent.at.plus_millis(delay)),
            None => Outcome::GivenUp,
        }
    };
    let attempt = Attempt {
        at: sent.at,
        status: sent.status.map(i64::from),
        latency_ms: sent.latency_ms,
        response,
    };
    let mut tx = state.db().writer().begin().await?;
    db::webhooks::record_attempt(&mut tx, delivery, &attempt, outcome).await?;
    let mut disabled = false;
    if outcome == Outcome::GivenUp {
        let reason = format!(
            "Turned off on {}: it answered no delivery with a 2xx for about three days (last: {}).",
            sent.at.format_date_time(),
            sent.status
                .map_or_else(|| response.to_owned(), |s| format!("HTTP {s}"))
        );
        disabled = db::webhooks::disable(&mut tx, delivery.endpoint_id, &reason).await?;
        if disabled {
            crate::mail::enqueue_to_owners(
                &mut tx,
                delivery.account_id,
                |user_id| crate::mail::Mail::WebhookDisabled {
                    endpoint_id: delivery.endpoint_id,
                    user_id,
                },
                sent.at,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.metrics().webhook_delivery(match outcome {
        Outcome::Delivered => crate::metrics::WebhookOutcome::Delivered,
        Outcome::RetryAt(_) => crate::metrics::WebhookOutcome::Retried,
        Outcome::GivenUp => crate::metrics::WebhookOutcome::GivenUp,
    });
    if disabled {
        tracing::warn!(
            endpoint = delivery.endpoint_id,
            "webhook endpoint turned off after failing for days"
        );
        state.mailer().wake();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_last_about_three_days_then_stop() {
        let total: i64 = RETRY_AFTER.iter().sum();
        assert!((70 * HOUR_MS..=74 * HOUR_MS).contains(&total), "{total}");
        for attempt in 1..=RETRY_AFTER.len() as i64 {
            let base = RETRY_AFTER[attempt as usize - 1];
            let delay = retry_delay(attempt).unwrap();
            assert!((base - base / 10..=base + base / 10).contains(&delay));
        }
        assert_eq!(retry_delay(RETRY_AFTER.len() as i64 + 1), None);
    }
}
