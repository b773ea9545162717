//! Live events for signed-in browsers (Server-Sent Events), across every replica.
//!
//! On PostgreSQL an event is published with `pg_notify` and every replica (this one included)
//! receives it through `LISTEN` and hands it to its own connected browsers, so a browser on
//! replica A hears about a change made through replica B. On SQLite there is one process, and
//! events go straight to an in-process channel.

use roster_shared::api::LiveEvent;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::db::Db;
use roster_shared::api::DatabaseEngine;

/// Who an event is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Audience {
    /// Everyone who can open this account.
    Account { root: i64, account: i64 },
    /// Everyone in this organisation.
    Organisation { root: i64 },
    /// One person, on all their devices.
    Person { user: i64 },
    /// One signed-in device.
    Session { session: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Envelope {
    pub(crate) audience: Audience,
    pub(crate) event: LiveEvent,
}

#[derive(Clone)]
pub(crate) struct Events {
    local: broadcast::Sender<Envelope>,
    /// The NOTIFY channel, on PostgreSQL.
    channel: Option<String>,
}

impl Events {
    /// Starts listening (PostgreSQL) and returns the hub.
    pub(crate) async fn start(db: &Db, database_url: &str) -> anyhow::Result<Events> {
        let (local, _) = broadcast::channel(1024);
        if db.engine() != DatabaseEngine::Postgres {
            return Ok(Events {
                local,
                channel: None,
            });
        }
        // One channel per schema: several Roster databases may share one PostgreSQL database
        // in different schemas (the tests do), and must not hear each other.
        let schema = crate::db::notify::current_schema(db.reader()).await?;
        let channel = format!(
            "roster_events_{}",
            schema
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                })
                .collect::<String>()
        );
        let mut listener = sqlx::postgres::PgListener::connect(database_url).await?;
        listener.listen(&channel).await?;
        let sender = local.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        match serde_json::from_str::<Envelope>(notification.payload()) {
                            Ok(envelope) => {
                                let _ = sender.send(envelope);
                            }
                            Err(error) => tracing::warn!(%error, "undecodable event"),
                        }
                    }
                    Err(error) => {
                        // PgListener reconnects on the next recv; events sent meanwhile are
                        // lost, which browsers tolerate (lists refresh on the next change).
                        tracing::warn!(%error, "event listener lost its connection; reconnecting");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Events {
            local,
            channel: Some(channel),
        })
    }

    /// Sends an event to its audience on every replica. Failures are logged, not raised: a
    /// live update is a courtesy; the change it reports is already committed.
    pub(crate) async fn publish(&self, db: &Db, audience: Audience, event: LiveEvent) {
        let envelope = Envelope { audience, event };
        match &self.channel {
            None => {
                let _ = self.local.send(envelope);
            }
            Some(channel) => {
                let payload = match serde_json::to_string(&envelope) {
                    Ok(payload) => payload,
                    Err(error) => return tracing::warn!(%error, "cannot encode an event"),
                };
                let sent = crate::db::notify::notify(db.writer(), channel, payload).await;
                if let Err(error) = sent {
                    tracing::warn!(%error, "cannot publish an event");
                }
            }
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Envelope> {
        self.local.subscribe()
    }
}
