//! The handles a request handler can reach. Cloning is cheap (one `Arc`).

use std::sync::Arc;

use crate::auth::host::Site;
use crate::auth::passkey::RelyingParty;
use crate::auth::password::Hasher;
use crate::billing::{Billing, Ledger};
use crate::db::Db;
use crate::events::Events;
use crate::mail::Mailer;
use crate::plans::Plans;
use crate::settings::Settings;
use crate::sso::secret::SecretBox;

#[derive(Clone)]
pub(crate) struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    settings: Settings,
    plans: Plans,
    hasher: Hasher,
    public_url: String,
    site: Site,
    passkeys: RelyingParty,
    secrets: SecretBox,
    mailer: Mailer,
    billing: Arc<dyn Billing>,
    events: Events,
    webhooks: crate::webhooks::Webhooks,
    /// Turns true when the server begins shutting down: long-lived streams end then, so the
    /// graceful shutdown does not wait for them forever.
    stopping: tokio::sync::watch::Sender<bool>,
    /// Live event streams open on this server, per person and in all.
    streams: crate::slots::Slots<i64>,
    metrics: crate::metrics::Metrics,
    /// The background workers' signs of life, and whether the server drains (readiness).
    workers: crate::health::Workers,
}

impl AppState {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        db: Db,
        settings: Settings,
        plans: Plans,
        public_url: String,
        site: Site,
        secrets: SecretBox,
        mailer: Mailer,
        events: Events,
    ) -> Self {
        let hash_threads = settings.hash_threads;
        let streams = crate::slots::Slots::new(
            settings.event_streams_per_person,
            settings.event_streams_total,
        );
        let webhooks = crate::webhooks::Webhooks::new(crate::webhooks::guard::Policy {
            allow_private: settings.webhook_allow_private,
            loopback_http: site.is_loopback(),
        });
        // Recording costs only where someone can read it.
        let metrics = if settings.metrics_listen.is_some() || settings.metrics_token.is_some() {
            crate::metrics::Metrics::on()
        } else {
            crate::metrics::Metrics::off()
        };
        Self {
            inner: Arc::new(Inner {
                metrics,
                workers: crate::health::Workers::default(),
                webhooks,
                streams,
                db,
                settings,
                plans,
                hasher: Hasher::new(hash_threads),
                public_url,
                passkeys: RelyingParty::new(site.passkey_origin()),
                secrets,
                site,
                mailer,
                billing: Arc::new(Ledger),
                events,
                stopping: tokio::sync::watch::channel(false).0,
            }),
        }
    }

    /// Where seat purchases and removals are charged (the built-in ledger by default).
    pub(crate) fn billing(&self) -> &dyn Billing {
        self.inner.billing.as_ref()
    }

    /// Resolves once the server is shutting down.
    pub(crate) fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.stopping.subscribe()
    }

    pub(crate) fn begin_stopping(&self) {
        let _ = self.inner.stopping.send(true);
    }

    pub(crate) fn metrics(&self) -> &crate::metrics::Metrics {
        &self.inner.metrics
    }

    pub(crate) fn workers(&self) -> &crate::health::Workers {
        &self.inner.workers
    }

    /// The live event streams open on this server.
    pub(crate) fn streams(&self) -> &crate::slots::Slots<i64> {
        &self.inner.streams
    }

    pub(crate) fn events(&self) -> &Events {
        &self.inner.events
    }

    pub(crate) fn webhooks(&self) -> &crate::webhooks::Webhooks {
        &self.inner.webhooks
    }

    pub(crate) fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn plans(&self) -> &Plans {
        &self.inner.plans
    }

    pub(crate) fn hasher(&self) -> &Hasher {
        &self.inner.hasher
    }

    /// The address people reach Roster at, without a trailing slash.
    pub(crate) fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// The names Roster answers to and the origins of its own pages (from the public URL).
    pub(crate) fn site(&self) -> &Site {
        &self.inner.site
    }

    /// Roster as a WebAuthn relying party (passkeys).
    pub(crate) fn passkeys(&self) -> &RelyingParty {
        &self.inner.passkeys
    }

    /// Seals and opens the secrets Roster keeps (an identity provider's client secret).
    pub(crate) fn secrets(&self) -> &SecretBox {
        &self.inner.secrets
    }

    /// Where identity providers send people back (their clients' redirect URI).
    pub(crate) fn sso_redirect_uri(&self) -> String {
        format!("{}{}", self.public_url(), crate::sso::CALLBACK_PATH)
    }

    /// Whether the development mailbox may be read: mail goes there (no SMTP), and the
    /// public URL is this machine or the operator turned it on explicitly.
    pub(crate) fn dev_mailbox_open(&self) -> bool {
        self.inner.mailer.transport.is_dev_mailbox()
            && (self.inner.site.is_loopback() || self.inner.settings.dev_mailbox)
    }

    /// Whether cookies get the `Secure` attribute (Roster is reached over HTTPS).
    pub(crate) fn secure_cookies(&self) -> bool {
        self.inner.public_url.starts_with("https://")
    }
}
