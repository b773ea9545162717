//! Readiness: whether a load balancer should send this server requests. It is not when its
//! database does not answer or lacks a migration, when a background worker stopped, or once
//! the server drains before stopping.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use roster_shared::api::{Check, Readiness};

use crate::state::AppState;

/// How long the database has to answer the readiness query.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);
/// A worker that has not come round its loop for this long is taken for stuck. Its longest
/// honest turn is a batch of 20 emails over a slow SMTP server (each send times out at 30 s)
/// or webhook sends (10 s each), so this is generous.
const STALLED_AFTER: Duration = Duration::from_secs(15 * 60);

/// A background worker's signs of life.
pub(crate) struct Worker {
    /// Milliseconds since [`Workers::epoch`] of the loop's last turn.
    last_turn: AtomicI64,
    running: AtomicBool,
}

/// The background workers readiness watches, and whether the server drains.
pub(crate) struct Workers {
    epoch: Instant,
    pub(crate) mail: Worker,
    pub(crate) webhooks: Worker,
    draining: AtomicBool,
}

/// Held by a worker's task while it runs: dropped when the task ends, returns or panics.
pub(crate) struct Running<'a>(&'a Worker);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Release);
    }
}

impl Worker {
    fn new() -> Worker {
        Worker {
            last_turn: AtomicI64::new(0),
            running: AtomicBool::new(false),
        }
    }
}

impl Default for Workers {
    fn default() -> Self {
        Workers {
            epoch: Instant::now(),
            mail: Worker::new(),
            webhooks: Worker::new(),
            draining: AtomicBool::new(false),
        }
    }
}

impl Workers {
    /// Marks `worker` running until the returned guard is dropped.
    pub(crate) fn start<'a>(&'a self, worker: &'a Worker) -> Running<'a> {
        worker.running.store(true, Ordering::Release);
        self.turn(worker);
        Running(worker)
    }

    /// `worker` came round its loop.
    pub(crate) fn turn(&self, worker: &Worker) {
        let now = i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX);
        worker.last_turn.store(now, Ordering::Release);
    }

    fn alive(&self, worker: &Worker) -> bool {
        let now = i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX);
        let since = now.saturating_sub(worker.last_turn.load(Ordering::Acquire));
        worker.running.load(Ordering::Acquire)
            && since < i64::try_from(STALLED_AFTER.as_millis()).unwrap_or(i64::MAX)
    }

    /// From now on the server is not ready: it is about to stop.
    pub(crate) fn drain(&self) {
        self.draining.store(true, Ordering::Release);
    }

    pub(crate) fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }
}

/// Every check, now.
pub(crate) async fn readiness(state: &AppState) -> Readiness {
    let db = state.db();
    let known = db.migrations_known();
    let applied = match tokio::time::timeout(DATABASE_TIMEOUT, db.migrations_applied()).await {
        Ok(Ok(applied)) => Some(applied),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database does not answer");
            None
        }
        Err(_) => {
            tracing::warn!(
                "readiness: the database did not answer within {} s",
                DATABASE_TIMEOUT.as_secs()
            );
            None
        }
    };
    let workers = state.workers();
    let database = Check::of(applied.is_some());
    let migrations = Check::of(applied.is_some_and(|applied| applied >= known));
    let mail_worker = Check::of(workers.alive(&workers.mail));
    let webhook_worker = Check::of(workers.alive(&workers.webhooks));
    let draining = workers.draining();
    Readiness {
        ready: [database, migrations, mail_worker, webhook_worker]
            .iter()
            .all(|check| *check == Check::Ok)
            && !draining,
        database,
        migrations,
        migrations_applied: applied.unwrap_or(0),
        migrations_known: known,
        mail_worker,
        webhook_worker,
        draining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_is_alive_while_its_task_runs_and_turns() {
        let workers = Workers::default();
        assert!(!workers.alive(&workers.mail), "not started yet");
        let running = workers.start(&workers.mail);
        assert!(workers.alive(&workers.mail));
        assert!(!workers.alive(&workers.webhooks));
        // A turn long ago: stalled.
        workers.mail.last_turn.store(
            -i64::try_from(STALLED_AFTER.as_millis()).unwrap() - 1,
            Ordering::Release,
        );
        assert!(!workers.alive(&workers.mail));
        workers.turn(&workers.mail);
        assert!(workers.alive(&workers.mail));
        drop(running);
        assert!(!workers.alive(&workers.mail), "its task ended");
    }
}
