//! Webhooks: the rest of the messaging platform learns about every access change.
//!
//! - `events`: each change writes its events in its own transaction (nothing is lost when the
//!   process dies after a commit), and one delivery per subscribed endpoint, only while the
//!   organisation has endpoints.
//! - `delivery`: the worker. Per endpoint, in the order of the events; signed as Standard
//!   Webhooks (`signature`); retried with back-off and jitter for about three days; an endpoint
//!   failing that long is turned off and its Owners are told. Any replica delivers, each
//!   delivery once at a time (a lease).
//! - `endpoints`: *Settings › Webhooks*, for Admins of a top-level account.
//! - `guard`: where deliveries may go (no private networks unless allowed, no redirects).

pub(crate) mod delivery;
pub(crate) mod endpoints;
pub(crate) mod events;
pub(crate) mod guard;
pub(crate) mod signature;

use std::time::Duration;

/// How long the endpoint has to answer.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

/// The webhook side of the server: where deliveries may go, the client they go through, and
/// the worker's wake-up.
pub(crate) struct Webhooks {
    pub(crate) policy: guard::Policy,
    pub(crate) client: reqwest::Client,
    wake: tokio::sync::Notify,
}

impl Webhooks {
    pub(crate) fn new(policy: guard::Policy) -> Self {
        Self {
            policy,
            client: guard::client(policy, TIMEOUT),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Something was queued and committed: deliver it now rather than at the next look.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}
