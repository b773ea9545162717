//! Periodic clean-up every replica runs (each statement is idempotent, so replicas running it
//! at the same time do no harm).

use crate::webhooks::events::{self as webhooks, Emitted};
use roster_shared::audit::AuditAction;
use roster_shared::time::{DAY_MS, Timestamp};
use roster_shared::webhook::WebhookEventType;

use crate::clock;
use crate::db;
use crate::state::AppState;

pub(crate) async fn run(state: AppState) {
    let mut interval = tokio::time::interval(state.settings().maintenance_every);
    loop {
        interval.tick().await;
        let now = clock::now();
        let idle = state.settings().session_idle_timeout.as_millis() as i64;
        match db::sessions::delete_expired(state.db().writer(), now, now.plus_millis(-idle)).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "removed expired sessions"),
            Err(error) => tracing::warn!(%error, "could not remove expired sessions"),
        }
        if let Err(error) = db::passkeys::delete_expired_ceremonies(state.db().writer(), now).await
        {
            tracing::warn!(%error, "could not remove expired passkey ceremonies");
        }
        if let Err(error) = db::sso::delete_expired_logins(state.db().writer(), now).await {
            tracing::warn!(%error, "could not remove expired single sign-ons");
        }
        if let Err(error) = log_expired_invitations(&state, now).await {
            tracing::warn!(%error, "could not log expired invitations");
        }
        match db::bulk::interrupt_abandoned(state.db().writer(), now).await {
            Ok(0) => {}
            Ok(count) => tracing::warn!(count, "bulk operations stopped with their replica"),
            Err(error) => tracing::warn!(%error, "could not check bulk operations"),
        }
        // Finished bulk operations are kept a month for their progress and skip reasons (the
        // audit log keeps what they did for good).
        if let Err(error) =
            db::bulk::delete_finished_before(state.db().writer(), now.plus_millis(-30 * DAY_MS))
                .await
        {
            tracing::warn!(%error, "could not forget old bulk operations");
        }
        // Webhook events are kept 30 days, for replays; the deliveries that ended go with them.
        match db::webhooks::forget_before(
            state.db().writer(),
            now.plus_millis(-WEBHOOK_DAYS * DAY_MS),
        )
        .await
        {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "forgot old webhook events"),
            Err(error) => tracing::warn!(%error, "could not forget old webhook events"),
        }
        match forget_ended_password_resets(&state, now).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "removed ended password resets"),
            Err(error) => tracing::warn!(%error, "could not remove ended password resets"),
        }
    }
}

/// How long webhook events are kept (what a replay can reach back to).
pub(crate) const WEBHOOK_DAYS: i64 = 30;

/// Writes "invitation expired" to the audit log once per invitation, whichever replica sees it
/// first (the update that marks it logged is the claim).
pub(crate) async fn log_expired_invitations(
    state: &AppState,
    now: Timestamp,
) -> anyhow::Result<()> {
    let mut tx = state.db().writer().begin().await?;
    let mut emitted = Emitted::NONE;
    let expired = db::team::take_newly_expired(&mut *tx, now).await?;
    let count = expired.len() as u64;
    for (_, root_id, email, user_id) in expired {
        let person = webhooks::person(user_id, &email, None);
        let failed = |error: crate::error::ApiError| anyhow::anyhow!("{error:?}");
        let expired = webhooks::about(WebhookEventType::InvitationExpired, Some(root_id), person)
            .map_err(failed)?;
        let queued = webhooks::emit(&mut tx, root_id, None, vec![expired], now).await;
        emitted = emitted.or(queued.map_err(failed)?);
        db::audit::insert(
            &mut *tx,
            db::audit::Record {
                root_id,
                account: None,
                actor: None,
                action: AuditAction::InvitationExpired,
                summary: &format!("The invitation of {email} expired unaccepted"),
                ip: None,
                now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    state.metrics().invitations_expired(count);
    emitted.wake(state);
    Ok(())
}

/// Password resets are kept a day after they stop working (to see in the database what
/// happened to a link someone asks about), then forgotten with their links.
async fn forget_ended_password_resets(state: &AppState, now: Timestamp) -> sqlx::Result<u64> {
    let mut tx = state.db().writer().begin().await?;
    let count = db::password_resets::delete_ended(&mut tx, now.plus_millis(-DAY_MS)).await?;
    tx.commit().await?;
    Ok(count)
}
