//! Everything a running server is configured with, whatever it came from (flags, environment,
//! or a test building one directly).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::auth::proxy::{InvalidTrustedProxy, TrustedProxies};

/// Where the embedded SQLite database lives unless told otherwise.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/roster.db";

#[derive(Debug, Clone)]
pub struct Settings {
    /// The address to listen on; port 0 picks a free one (tests).
    pub listen: SocketAddr,
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub database_url: String,
    /// Upper bound of pooled database connections (readers, for SQLite).
    pub database_max_connections: u32,
    /// The folder holding the built SPA (Trunk's `dist/`).
    pub web_dir: PathBuf,
    /// The address people reach Roster at, used in links (emails, the setup link), and the
    /// only host it answers to (plus the loopback names when it is on this machine). `None`:
    /// `http://` and the listen address.
    pub public_url: Option<String>,
    /// A plans file replacing the built-in plans.
    pub plans_file: Option<PathBuf>,
    /// A session ends after this long without a request…
    pub session_idle_timeout: Duration,
    /// …and in any case this long after sign-in.
    pub session_absolute_timeout: Duration,
    /// The reverse proxies whose `X-Forwarded-For` is believed (read from the right, past
    /// them). Empty: the TCP peer is the client and forwarding headers are ignored.
    pub trusted_proxies: TrustedProxies,
    /// SMTP server for outgoing mail; `None` keeps mail in the development mailbox, which
    /// needs a public URL on this machine or `dev_mailbox`.
    pub smtp_url: Option<String>,
    /// Keep mail in the development mailbox although the public URL is not this machine
    /// (without SMTP). It is still only readable from this machine, not through a proxy.
    pub dev_mailbox: bool,
    /// The sender of outgoing mail (`Roster <roster@example.com>`); `None`: derived from the
    /// public URL's host.
    pub mail_from: Option<String>,
    /// Wait before the first retry of a failed delivery (later waits triple).
    pub mail_retry_base: Duration,
    /// Delivery attempts before a message is marked failed.
    pub mail_max_attempts: u32,
    /// How often idle mail workers look for due messages (other replicas' mail, retries).
    pub mail_poll_every: Duration,
    /// How long a worker owns a message it took; a replica that dies mid-delivery leaves it to
    /// the others after this.
    pub mail_lease: Duration,
    /// How often periodic clean-up runs (expired sessions, logging expired invitations).
    pub maintenance_every: Duration,
    /// Threads hashing passwords (each needs 19 MiB while hashing).
    pub hash_threads: usize,
    /// What one connection, one client address and the whole server may hold open.
    pub connections: crate::serve::ConnectionLimits,
    /// The longest a request may take, reading its body included; past it the client gets
    /// 503 `timeout` and whatever the request held (a transaction) is let go.
    pub request_timeout: Duration,
    /// Live event streams one person may hold open on this server (tabs and devices).
    pub event_streams_per_person: usize,
    /// Live event streams this server holds open in all.
    pub event_streams_total: usize,
    /// The file of the key that seals stored secrets (identity providers' client secrets),
    /// made when missing; every replica needs the same one. `None`: a key for this process
    /// only (tests), so sealed secrets do not survive a restart.
    pub secret_key_file: Option<PathBuf>,
    /// The DNS server that verifying an email domain asks for its TXT record; `None`: the
    /// system's resolver (`/etc/resolv.conf`).
    pub dns_server: Option<SocketAddr>,
    /// Webhook endpoints may reach private, loopback and link-local addresses
    /// (`--webhook-allow-private`): for receivers inside the operator's own network.
    pub webhook_allow_private: bool,
    /// How long the webhook worker waits between looks for deliveries when nothing woke it (a
    /// change committed on another replica wakes only that replica's worker).
    pub webhook_poll_every: Duration,
    /// A listener of its own for `/metrics` (and the health checks), without a token: on
    /// loopback or a network only Prometheus reaches. `None`: none.
    pub metrics_listen: Option<SocketAddr>,
    /// With it, `/metrics` on the main listener answers requests bearing this token
    /// (`Authorization: Bearer …`). `None`: it answers 404 there.
    pub metrics_token: Option<String>,
    /// On SIGTERM, how long the server goes on answering, unready, before it stops accepting
    /// connections: the time load balancers need to notice and send requests elsewhere.
    pub drain_delay: Duration,
}

impl Settings {
    /// Settings for a server on a free loopback port with the given database, as tests and
    /// benchmarks use it.
    pub fn on_free_port(database_url: impl Into<String>, web_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            database_max_connections: 8,
            web_dir: web_dir.into(),
            public_url: None,
            plans_file: None,
            session_idle_timeout: Duration::from_secs(DEFAULT_SESSION_IDLE_HOURS * 3600),
            session_absolute_timeout: Duration::from_secs(DEFAULT_SESSION_DAYS * 86_400),
            trusted_proxies: TrustedProxies::none(),
            smtp_url: None,
            dev_mailbox: false,
            mail_from: None,
            mail_retry_base: Duration::from_secs(DEFAULT_MAIL_RETRY_SECONDS),
            mail_max_attempts: DEFAULT_MAIL_ATTEMPTS,
            mail_poll_every: Duration::from_secs(2),
            mail_lease: Duration::from_secs(60),
            maintenance_every: Duration::from_secs(60),
            hash_threads: 1,
            connections: crate::serve::ConnectionLimits::default(),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECONDS),
            event_streams_per_person: DEFAULT_EVENT_STREAMS_PER_PERSON,
            event_streams_total: DEFAULT_EVENT_STREAMS_TOTAL,
            secret_key_file: None,
            dns_server: None,
            webhook_allow_private: false,
            webhook_poll_every: Duration::from_millis(500),
            metrics_listen: None,
            metrics_token: None,
            drain_delay: Duration::ZERO,
        }
    }
}

pub const DEFAULT_SESSION_IDLE_HOURS: u64 = 72;
pub const DEFAULT_SESSION_DAYS: u64 = 30;
pub const DEFAULT_MAIL_RETRY_SECONDS: u64 = 10;
pub const DEFAULT_MAIL_ATTEMPTS: u32 = 8;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;
pub const DEFAULT_EVENT_STREAMS_PER_PERSON: usize = 16;
pub const DEFAULT_EVENT_STREAMS_TOTAL: usize = 4_096;
pub const DEFAULT_DRAIN_SECONDS: u64 = 5;
