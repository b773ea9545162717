//! Periodic clean-up every replica runs (each statement is idempotent, so replicas running it
//! at the same time do no harm).

use std::time::Duration;

use crate::clock;
use crate::db;
use crate::state::AppState;

pub(crate) async fn run(state: AppState) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        interval.tick().await;
        let now = clock::now();
        let idle = state.settings().session_idle_timeout.as_millis() as i64;
        match db::sessions::delete_expired(state.db().writer(), now, now.plus_millis(-idle)).await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "removed expired sessions"),
            Err(error) => tracing::warn!(%error, "could not remove expired sessions"),
        }
    }
}
