//! Metrics in the Prometheus text format (OpenMetrics), for the operator's Prometheus and
//! Grafana: served at `/metrics` on a listener of its own (`--metrics-listen`) or on the main
//! one behind a token (`--metrics-token`).
//!
//! Each server has its own registry (tests run several in one process); what is counted is
//! named by closed enums, so no label can take a value a client chose or one per person: the
//! route is the router's template, the organisation a top-level account's id. Counters count
//! what this replica did; the gauges read from the database at each scrape (the outbox, the
//! webhook queue, seats) are the same on every replica.
//!
//! With neither setting the registry is off: recording is one branch, and nothing times the
//! database's statements (`make bench` compares both).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter, Layer};

use crate::state::AppState;

/// Where Prometheus reads the metrics.
pub(crate) const PATH: &str = "/metrics";
/// The media type of the OpenMetrics text format `prometheus-client` writes.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Request latencies, in seconds: from a cached read to a request at its time limit.
const HTTP_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Statement latencies, in seconds: an SQLite read from the page cache takes tens of
/// microseconds, a PostgreSQL round trip hundreds.
const QUERY_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];
/// Organisations whose seats are reported, the fullest first: a bound on the series one
/// scrape returns, far above the organisations a self-hosted server holds.
pub(crate) const SEAT_ORGANISATIONS: usize = 1_000;

/// A closed set of label values, each written as its text.
macro_rules! label_values {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum $name { $($variant),+ }

        impl $name {
            #[allow(dead_code)]
            pub(crate) const ALL: &'static [$name] = &[$(Self::$variant),+];

            pub(crate) fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl EncodeLabelValue for $name {
            fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> std::fmt::Result {
                encoder.write_str(self.as_str())
            }
        }
    };
}

label_values!(
    /// The request's method; any other is `OTHER`.
    HttpMethod { Get => "GET", Post => "POST", Put => "PUT", Patch => "PATCH", Delete => "DELETE", Head => "HEAD", Options => "OPTIONS", Other => "OTHER" }
);
label_values!(
    /// The answer's status class.
    StatusClass { Informational => "1xx", Success => "2xx", Redirection => "3xx", ClientError => "4xx", ServerError => "5xx" }
);
label_values!(
    /// How someone signed in, or tried to.
    SignInMethod { Password => "password", Passkey => "passkey", Sso => "sso", SecondStep => "second_step" }
);
label_values!(
    /// What came of a sign-in attempt.
    SignInOutcome {
        Success => "success",
        SecondStepNeeded => "second_step_needed",
        Failed => "failed",
        Throttled => "throttled",
        Refused => "refused",
        Error => "error",
    }
);
label_values!(
    /// What came of one attempt to deliver an email.
    MailOutcome { Sent => "sent", Retried => "retried", Failed => "failed" }
);
label_values!(
    /// What came of one attempt to deliver a webhook event.
    WebhookOutcome { Delivered => "delivered", Retried => "retried", GivenUp => "given_up" }
);
label_values!(
    /// A database connection pool: SQLite's readers and its one writer, or PostgreSQL's one
    /// pool.
    Pool { Read => "read", Write => "write", Main => "main" }
);
label_values!(
    /// Whether a pooled connection is lent out.
    ConnectionState { InUse => "in_use", Idle => "idle" }
);
label_values!(
    /// A statement's kind, from its first word.
    Statement { Select => "select", Insert => "insert", Update => "update", Delete => "delete", Other => "other" }
);

impl HttpMethod {
    fn of(method: &Method) -> HttpMethod {
        match *method {
            Method::GET => HttpMethod::Get,
            Method::POST => HttpMethod::Post,
            Method::PUT => HttpMethod::Put,
            Method::PATCH => HttpMethod::Patch,
            Method::DELETE => HttpMethod::Delete,
            Method::HEAD => HttpMethod::Head,
            Method::OPTIONS => HttpMethod::Options,
            _ => HttpMethod::Other,
        }
    }
}

impl StatusClass {
    fn of(status: StatusCode) -> StatusClass {
        match status.as_u16() {
            100..=199 => StatusClass::Informational,
            200..=299 => StatusClass::Success,
            300..=399 => StatusClass::Redirection,
            400..=499 => StatusClass::ClientError,
            _ => StatusClass::ServerError,
        }
    }
}

impl Statement {
    fn of(sql: &str) -> Statement {
        let word = sql.split_whitespace().next().unwrap_or("");
        if word.eq_ignore_ascii_case("select") || word.eq_ignore_ascii_case("with") {
            Statement::Select
        } else if word.eq_ignore_ascii_case("insert") {
            Statement::Insert
        } else if word.eq_ignore_ascii_case("update") {
            Statement::Update
        } else if word.eq_ignore_ascii_case("delete") {
            Statement::Delete
        } else {
            Statement::Other
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct HttpLabels {
    method: HttpMethod,
    /// The route's template (`/api/v1/accounts/{id}/people`), `app` for the web app's pages
    /// and files, `unmatched` for anything else.
    route: String,
    status: StatusClass,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct SignInLabels {
    method: SignInMethod,
    outcome: SignInOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct MailLabels {
    outcome: MailOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct WebhookLabels {
    outcome: WebhookOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolLabels {
    pool: Pool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolStateLabels {
    pool: Pool,
    state: ConnectionState,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StatementLabels {
    statement: Statement,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OrganisationLabels {
    /// The top-level account's id.
    organisation: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OrganisationInfoLabels {
    organisation: i64,
    name: LabelText,
    plan: LabelText,
}

/// A label value people chose (an organisation's name), escaped as the text format requires:
/// the encoder writes a `String` as it is, so a name with a quote or a line break would
/// otherwise end the label, or the line, and write series of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LabelText(String);

impl EncodeLabelValue for LabelText {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> std::fmt::Result {
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct VersionLabels {
    version: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;
type SecondsGauge = Gauge<f64, AtomicU64>;

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS)
}

fn query_histogram() -> Histogram {
    Histogram::new(QUERY_BUCKETS)
}

/// Statement latencies, as sqlx itself times each statement (it reports them as `tracing`
/// events, which [`QueryTimings`] reads): one family for the process, registered in every
/// registry of it.
static QUERY_DURATIONS: LazyLock<Histograms<StatementLabels>> =
    LazyLock::new(|| Family::new_with_constructor(query_histogram as fn() -> Histogram));
/// Whether some server of this process exports metrics: only then are statements timed.
static TIMING_QUERIES: AtomicBool = AtomicBool::new(false);

/// The server's metrics; `off` records nothing.
#[derive(Clone, Default)]
pub(crate) struct Metrics(Option<Arc<Registered>>);

struct Registered {
    registry: Registry,
    /// One scrape at a time: each empties and refills the per-organisation families.
    scraping: std::sync::Mutex<()>,
    http_durations: Histograms<HttpLabels>,
    http_in_flight: Gauge,
    throttled: Family<RouteLabels, Counter>,
    sign_ins: Family<SignInLabels, Counter>,
    invitations_sent: Counter,
    invitations_accepted: Counter,
    invitations_expired: Counter,
    mail_deliveries: Family<MailLabels, Counter>,
    webhook_deliveries: Family<WebhookLabels, Counter>,
    mail_pending: Gauge,
    mail_oldest: SecondsGauge,
    webhook_pending: Gauge,
    webhook_oldest: SecondsGauge,
    event_streams: Gauge,
    db_connections: Family<PoolStateLabels, Gauge>,
    db_connections_max: Family<PoolLabels, Gauge>,
    seats_used: Family<OrganisationLabels, Gauge>,
    seats_free: Family<OrganisationLabels, Gauge>,
    organisations: Family<OrganisationInfoLabels, Gauge>,
    ready: Gauge,
    resident_memory: Gauge,
}

/// What a scrape reads from the database and the server, beside the counters.
pub(crate) struct Snapshot {
    pub(crate) mail_pending: i64,
    /// Seconds the oldest email waiting has waited (0: none waits).
    pub(crate) mail_oldest_seconds: f64,
    pub(crate) webhook_pending: i64,
    pub(crate) webhook_oldest_seconds: f64,
    pub(crate) organisations: Vec<OrganisationSeats>,
    pub(crate) pools: Vec<PoolUse>,
    pub(crate) ready: bool,
}

pub(crate) struct OrganisationSeats {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) plan: String,
    pub(crate) used: i64,
    pub(crate) free: i64,
}

pub(crate) struct PoolUse {
    pub(crate) pool: Pool,
    pub(crate) in_use: i64,
    pub(crate) idle: i64,
    pub(crate) max: i64,
}

impl Metrics {
    /// A registry, recording from now on.
    pub(crate) fn on() -> Metrics {
        let mut registry = Registry::default();
        let http_durations = register(
            &mut registry,
            "roster_http_request_duration_seconds",
            "HTTP requests by method, route template and status class: the time from each one's arrival to its answer's head, in seconds (the count of requests is its _count)",
            Histograms::<HttpLabels>::new_with_constructor(http_histogram as fn() -> Histogram),
        );
        let http_in_flight = register(
            &mut registry,
            "roster_http_requests_in_flight",
            "HTTP requests being answered now",
            Gauge::default(),
        );
        let throttled = register(
            &mut registry,
            "roster_throttled_requests",
            "Requests refused for going over a limit (answered 429), by route template",
            Family::<RouteLabels, Counter>::default(),
        );
        let sign_ins = register(
            &mut registry,
            "roster_sign_ins",
            "Sign-in attempts, by method and outcome",
            Family::<SignInLabels, Counter>::default(),
        );
        let invitations_sent = register(
            &mut registry,
            "roster_invitations_sent",
            "Invitations made (each invited address once)",
            Counter::default(),
        );
        let invitations_accepted = register(
            &mut registry,
            "roster_invitations_accepted",
            "Invitations accepted",
            Counter::default(),
        );
        let invitations_expired = register(
            &mut registry,
            "roster_invitations_expired",
            "Invitations that ran out unanswered (counted by the replica that noticed)",
            Counter::default(),
        );
        let mail_deliveries = register(
            &mut registry,
            "roster_mail_deliveries",
            "Attempts to deliver an email, by outcome",
            Family::<MailLabels, Counter>::default(),
        );
        let webhook_deliveries = register(
            &mut registry,
            "roster_webhook_deliveries",
            "Attempts to deliver a webhook event, by outcome",
            Family::<WebhookLabels, Counter>::default(),
        );
        let mail_pending = register(
            &mut registry,
            "roster_mail_outbox_pending",
            "Emails waiting to be delivered (the whole database)",
            Gauge::default(),
        );
        let mail_oldest = register(
            &mut registry,
            "roster_mail_outbox_oldest_pending_age_seconds",
            "How long the oldest email waiting has waited, in seconds",
            SecondsGauge::default(),
        );
        let webhook_pending = register(
            &mut registry,
            "roster_webhook_deliveries_pending",
            "Webhook deliveries waiting (the whole database; paused endpoints included)",
            Gauge::default(),
        );
        let webhook_oldest = register(
            &mut registry,
            "roster_webhook_oldest_pending_age_seconds",
            "How long the oldest webhook delivery waiting for an endpoint that is on has waited, in seconds",
            SecondsGauge::default(),
        );
        let event_streams = register(
            &mut registry,
            "roster_event_streams_open",
            "Live event streams open on this server",
            Gauge::default(),
        );
        let db_connections = register(
            &mut registry,
            "roster_db_connections",
            "Database connections of this server, by pool and whether lent out",
            Family::<PoolStateLabels, Gauge>::default(),
        );
        let db_connections_max = register(
            &mut registry,
            "roster_db_connections_max",
            "The most connections each pool opens",
            Family::<PoolLabels, Gauge>::default(),
        );
        registry.register(
            "roster_db_query_duration_seconds",
            "Time database statements took, as the driver measures them, in seconds (a sample: the statements ending in one time slice of 131 us in 8)",
            QUERY_DURATIONS.clone(),
        );
        let seats_used = register(
            &mut registry,
            "roster_seats_used",
            "Seats in use per organisation (people who accepted, and invitations not expired)",
            Family::<OrganisationLabels, Gauge>::default(),
        );
        let seats_free = register(
            &mut registry,
            "roster_seats_free",
            "Seats free per organisation (the plan's and those bought, less those in use)",
            Family::<OrganisationLabels, Gauge>::default(),
        );
        let organisations = register(
            &mut registry,
            "roster_organisation_info",
            "An organisation's name and plan, by id (always 1; join on organisation)",
            Family::<OrganisationInfoLabels, Gauge>::default(),
        );
        let ready = register(
            &mut registry,
            "roster_ready",
            "Whether this server is ready for traffic (database answers, migrations applied, workers alive, not draining)",
            Gauge::default(),
        );
        let build = Family::<VersionLabels, Gauge>::default();
        build
            .get_or_create(&VersionLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("roster_build_info", "The running version (always 1)", build);
        let resident_memory = register(
            &mut registry,
            "process_resident_memory_bytes",
            "Resident memory of the process, in bytes",
            Gauge::default(),
        );
        let started: SecondsGauge = Gauge::default();
        started.set(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
        );
        registry.register(
            "process_start_time_seconds",
            "When the process started, in seconds since the Unix epoch",
            started,
        );
        // The series alerts watch exist from the start, at 0: a first failure after a restart
        // is then a step `increase()` sees, not a new series already at 1.
        for &method in SignInMethod::ALL {
            for &outcome in SignInOutcome::ALL {
                if outcome == SignInOutcome::SecondStepNeeded && method != SignInMethod::Password {
                    continue;
                }
                drop(sign_ins.get_or_create(&SignInLabels { method, outcome }));
            }
        }
        for &outcome in MailOutcome::ALL {
            drop(mail_deliveries.get_or_create(&MailLabels { outcome }));
        }
        for &outcome in WebhookOutcome::ALL {
            drop(webhook_deliveries.get_or_create(&WebhookLabels { outcome }));
        }
        TIMING_QUERIES.store(true, Ordering::Relaxed);
        Metrics(Some(Arc::new(Registered {
            registry,
            scraping: std::sync::Mutex::new(()),
            http_durations,
            http_in_flight,
            throttled,
            sign_ins,
            invitations_sent,
            invitations_accepted,
            invitations_expired,
            mail_deliveries,
            webhook_deliveries,
            mail_pending,
            mail_oldest,
            webhook_pending,
            webhook_oldest,
            event_streams,
            db_connections,
            db_connections_max,
            seats_used,
            seats_free,
            organisations,
            ready,
            resident_memory,
        })))
    }

    /// Records nothing (no metrics endpoint is configured).
    pub(crate) fn off() -> Metrics {
        Metrics(None)
    }

    pub(crate) fn is_on(&self) -> bool {
        self.0.is_some()
    }

    pub(crate) fn sign_in(&self, method: SignInMethod, outcome: SignInOutcome) {
        if let Some(m) = &self.0 {
            m.sign_ins
                .get_or_create(&SignInLabels { method, outcome })
                .inc();
        }
    }

    /// A sign-in that ended in an error answer: what the answer's status means.
    pub(crate) fn sign_in_refused(&self, method: SignInMethod, status: StatusCode) {
        let outcome = match status {
            StatusCode::TOO_MANY_REQUESTS => SignInOutcome::Throttled,
            StatusCode::UNAUTHORIZED | StatusCode::UNPROCESSABLE_ENTITY => SignInOutcome::Failed,
            status if status.is_server_error() => SignInOutcome::Error,
            _ => SignInOutcome::Refused,
        };
        self.sign_in(method, outcome);
    }

    pub(crate) fn invitations_sent(&self, count: usize) {
        if let Some(m) = &self.0 {
            m.invitations_sent.inc_by(count as u64);
        }
    }

    pub(crate) fn invitation_accepted(&self) {
        if let Some(m) = &self.0 {
            m.invitations_accepted.inc();
        }
    }

    pub(crate) fn invitations_expired(&self, count: u64) {
        if let Some(m) = &self.0 {
            m.invitations_expired.inc_by(count);
        }
    }

    pub(crate) fn mail_delivery(&self, outcome: MailOutcome) {
        if let Some(m) = &self.0 {
            m.mail_deliveries
                .get_or_create(&MailLabels { outcome })
                .inc();
        }
    }

    pub(crate) fn webhook_delivery(&self, outcome: WebhookOutcome) {
        if let Some(m) = &self.0 {
            m.webhook_deliveries
                .get_or_create(&WebhookLabels { outcome })
                .inc();
        }
    }

    /// The text Prometheus reads, with the gauges of `snapshot` and `event_streams`.
    fn encode(&self, snapshot: &Snapshot, event_streams: usize) -> Option<String> {
        let m = self.0.as_ref()?;
        let _one_at_a_time = m.scraping.lock().unwrap_or_else(|p| p.into_inner());
        m.mail_pending.set(snapshot.mail_pending);
        m.mail_oldest.set(snapshot.mail_oldest_seconds);
        m.webhook_pending.set(snapshot.webhook_pending);
        m.webhook_oldest.set(snapshot.webhook_oldest_seconds);
        m.event_streams
            .set(i64::try_from(event_streams).unwrap_or(i64::MAX));
        m.ready.set(i64::from(snapshot.ready));
        for pool in &snapshot.pools {
            let labels = |state| PoolStateLabels {
                pool: pool.pool,
                state,
            };
            m.db_connections
                .get_or_create(&labels(ConnectionState::InUse))
                .set(pool.in_use);
            m.db_connections
                .get_or_create(&labels(ConnectionState::Idle))
                .set(pool.idle);
            m.db_connections_max
                .get_or_create(&PoolLabels { pool: pool.pool })
                .set(pool.max);
        }
        // An organisation archived or renamed since the last scrape must not linger.
        m.seats_used.clear();
        m.seats_free.clear();
        m.organisations.clear();
        for organisation in &snapshot.organisations {
            let labels = OrganisationLabels {
                organisation: organisation.id,
            };
            m.seats_used.get_or_create(&labels).set(organisation.used);
            m.seats_free.get_or_create(&labels).set(organisation.free);
            m.organisations
                .get_or_create(&OrganisationInfoLabels {
                    organisation: organisation.id,
                    name: LabelText(organisation.name.clone()),
                    plan: LabelText(organisation.plan.clone()),
                })
                .set(1);
        }
        if let Some(bytes) = resident_memory() {
            m.resident_memory.set(bytes);
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &m.registry).ok()?;
        Some(text)
    }
}

/// Registers `metric` under `name` and hands it back: a metric is a handle, and the registry
/// keeps a clone of it to read at each scrape.
fn register<M: prometheus_client::registry::Metric + Clone>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    metric: M,
) -> M {
    registry.register(name, help, metric.clone());
    metric
}

/// The resident set of this process, from `/proc` (Linux).
fn resident_memory() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Counts and times every request, by its route's template. Outermost, so answers made by
/// the layers (a refused host, a request past its time, a panic) count too.
pub(crate) async fn track_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(m) = state.metrics().0.as_deref() else {
        return next.run(request).await;
    };
    let started = Instant::now();
    let method = HttpMethod::of(request.method());
    let route = match request.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        None if request.uri().path().starts_with("/api/")
            || request.uri().path().starts_with("/scim/") =>
        {
            "unmatched".to_owned()
        }
        None => "app".to_owned(),
    };
    let in_flight = InFlight::enter(&m.http_in_flight);
    let response = next.run(request).await;
    drop(in_flight);
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        m.throttled
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .inc();
    }
    let labels = HttpLabels {
        method,
        route,
        status: StatusClass::of(status),
    };
    m.http_durations
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

/// One request in `roster_http_requests_in_flight`, until dropped: also when its client goes
/// away and the request's future is dropped unfinished.
struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a Gauge) -> InFlight<'a> {
        gauge.inc();
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// `GET /metrics` on the main listener: answers only a request bearing the metrics token.
pub(crate) async fn serve_with_token(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Some(expected) = state.settings().metrics_token.as_deref() else {
        return crate::error::ApiError::not_found(
            "Metrics are not served on this listener. The operator turns them on with \
             --metrics-listen (a listener of their own) or --metrics-token.",
        )
        .into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::auth::token::same_secret(presented, expected) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
            "The metrics need the token the operator set (Authorization: Bearer …).\n",
        )
            .into_response();
    }
    render(&state).await
}

/// `GET /metrics` on the metrics listener (reachable only where the operator put it).
pub(crate) async fn serve_open(State(state): State<AppState>) -> Response {
    render(&state).await
}

async fn render(state: &AppState) -> Response {
    let snapshot = snapshot(state).await;
    match state.metrics().encode(&snapshot, state.streams().held()) {
        Some(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        None => {
            crate::error::ApiError::not_found("Metrics are off on this server.").into_response()
        }
    }
}

/// What the gauges show now. A database that does not answer leaves its gauges at zero and
/// the server not ready: the scrape itself still answers, so Prometheus sees why.
async fn snapshot(state: &AppState) -> Snapshot {
    let db = state.db();
    let now = crate::clock::now();
    let ready = crate::health::readiness(state).await.ready;
    let pools = db.pool_use();
    match crate::db::metrics::read(db, now, SEAT_ORGANISATIONS).await {
        Ok(read) => Snapshot {
            mail_pending: read.mail_pending,
            mail_oldest_seconds: read
                .mail_oldest_created_at
                .map_or(0.0, |at| seconds_since(at, now)),
            webhook_pending: read.webhook_pending,
            webhook_oldest_seconds: read
                .webhook_oldest_created_at
                .map_or(0.0, |at| seconds_since(at, now)),
            organisations: read
                .organisations
                .into_iter()
                .map(|row| {
                    let included = row
                        .plan
                        .as_deref()
                        .and_then(|key| state.plans().get(key))
                        .map_or(0, |plan| i64::from(plan.included_seats));
                    OrganisationSeats {
                        id: row.id,
                        name: row.name,
                        plan: row.plan.unwrap_or_default(),
                        used: row.used,
                        free: (included + row.extra_seats - row.used).max(0),
                    }
                })
                .collect(),
            pools,
            ready,
        },
        Err(error) => {
            tracing::warn!(%error, "metrics: cannot read the database");
            Snapshot {
                mail_pending: 0,
                mail_oldest_seconds: 0.0,
                webhook_pending: 0,
                webhook_oldest_seconds: 0.0,
                organisations: Vec::new(),
                pools,
                ready,
            }
        }
    }
}

fn seconds_since(at_millis: i64, now: roster_shared::time::Timestamp) -> f64 {
    ((now.millis() - at_millis).max(0) as f64) / 1000.0
}

/// Reads sqlx's own timing of each statement (its `sqlx::query` events) into
/// `roster_db_query_duration_seconds`. Only while a server of this process exports metrics:
/// otherwise sqlx does not even build the events.
pub(crate) struct QueryTimings;

impl QueryTimings {
    /// The layer with the filter that lets only sqlx's statement events through to it.
    pub(crate) fn layer<S>() -> impl Layer<S>
    where
        S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        QueryTimings.with_filter(OnlyStatements)
    }
}

impl<S: Subscriber> Layer<S> for QueryTimings {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut seen = StatementEvent {
            statement: Statement::Other,
            seconds: None,
        };
        event.record(&mut seen);
        if let Some(seconds) = seen.seconds {
            QUERY_DURATIONS
                .get_or_create(&StatementLabels {
                    statement: seen.statement,
                })
                .observe(seconds);
        }
    }
}

struct OnlyStatements;

/// Statements are timed in one slice of time in [`SAMPLED_ONE_IN`]: building sqlx's event
/// (a summary, a copy of the statement's text) for every statement cost the session request
/// 6.9 % of its throughput in `make bench`. A slice is 2^17 ns (131 µs), far shorter than the
/// scrape interval, so every kind of statement is sampled alike; sqlx asks twice per
/// statement (before building its event, then as the event is sent), microseconds apart,
/// so both questions nearly always fall in the same slice.
const SAMPLED_ONE_IN: u128 = 8;

fn in_sampled_slice() -> bool {
    static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);
    (EPOCH.elapsed().as_nanos() >> 17).is_multiple_of(SAMPLED_ONE_IN)
}

const STATEMENT_TARGET: &str = "sqlx::query";

impl<S> Filter<S> for OnlyStatements {
    fn enabled(&self, metadata: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        metadata.target() == STATEMENT_TARGET
            && TIMING_QUERIES.load(Ordering::Relaxed)
            && in_sampled_slice()
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        // "Sometimes": whether metrics are on is only known later, per server.
        if metadata.target() == STATEMENT_TARGET {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        // sqlx reports each statement at DEBUG (a slow one at WARN).
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }
}

struct StatementEvent {
    statement: Statement,
    seconds: Option<f64>,
}

impl tracing::field::Visit for StatementEvent {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = Some(value);
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            self.statement = Statement::of(value);
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

/// In a process without a `tracing` subscriber (tests, benchmarks), installs one that only
/// times statements; `roster serve` has its own with this layer in it.
pub(crate) fn time_statements() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(QueryTimings::layer())
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_named_by_their_first_word() {
        assert_eq!(Statement::of("SELECT 1"), Statement::Select);
        assert_eq!(Statement::of("  with x AS (…) SELECT"), Statement::Select);
        assert_eq!(Statement::of("INSERT INTO people …"), Statement::Insert);
        assert_eq!(Statement::of("update people"), Statement::Update);
        assert_eq!(Statement::of("DELETE FROM sessions"), Statement::Delete);
        assert_eq!(Statement::of("BEGIN"), Statement::Other);
        assert_eq!(Statement::of(""), Statement::Other);
    }

    #[test]
    fn status_classes_and_methods_are_closed_sets() {
        assert_eq!(StatusClass::of(StatusCode::OK).as_str(), "2xx");
        assert_eq!(StatusClass::of(StatusCode::SEE_OTHER).as_str(), "3xx");
        assert_eq!(
            StatusClass::of(StatusCode::TOO_MANY_REQUESTS).as_str(),
            "4xx"
        );
        assert_eq!(
            StatusClass::of(StatusCode::SERVICE_UNAVAILABLE).as_str(),
            "5xx"
        );
        let odd = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(HttpMethod::of(&odd).as_str(), "OTHER");
        assert_eq!(HttpMethod::of(&Method::PATCH).as_str(), "PATCH");
    }

    #[test]
    fn a_scrape_writes_every_family_with_its_labels() {
        let metrics = Metrics::on();
        metrics.sign_in(SignInMethod::Password, SignInOutcome::Success);
        metrics.sign_in_refused(SignInMethod::Passkey, StatusCode::TOO_MANY_REQUESTS);
        metrics.invitations_sent(3);
        metrics.mail_delivery(MailOutcome::Sent);
        metrics.webhook_delivery(WebhookOutcome::GivenUp);
        let snapshot = Snapshot {
            mail_pending: 2,
            mail_oldest_seconds: 1.5,
            webhook_pending: 0,
            webhook_oldest_seconds: 0.0,
            organisations: vec![OrganisationSeats {
                id: 7,
                name: "Acme \"Ltd\"\\\nroster_ready 0".into(),
                plan: "team".into(),
                used: 3,
                free: 7,
            }],
            pools: vec![PoolUse {
                pool: Pool::Main,
                in_use: 1,
                idle: 2,
                max: 16,
            }],
            ready: true,
        };
        let text = metrics.encode(&snapshot, 4).unwrap();
        for line in [
            "roster_sign_ins_total{method=\"password\",outcome=\"success\"} 1",
            "roster_sign_ins_total{method=\"passkey\",outcome=\"throttled\"} 1",
            "roster_invitations_sent_total 3",
            "roster_mail_deliveries_total{outcome=\"sent\"} 1",
            "roster_webhook_deliveries_total{outcome=\"given_up\"} 1",
            "roster_mail_outbox_pending 2",
            "roster_mail_outbox_oldest_pending_age_seconds 1.5",
            "roster_event_streams_open 4",
            "roster_db_connections{pool=\"main\",state=\"in_use\"} 1",
            "roster_db_connections_max{pool=\"main\"} 16",
            "roster_seats_used{organisation=\"7\"} 3",
            "roster_seats_free{organisation=\"7\"} 7",
            "roster_organisation_info{organisation=\"7\",name=\"Acme \\\"Ltd\\\"\\\\\\nroster_ready 0\",plan=\"team\"} 1",
            "roster_ready 1",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
        // A scrape without the organisation forgets it.
        let text = metrics
            .encode(
                &Snapshot {
                    organisations: Vec::new(),
                    ..snapshot
                },
                0,
            )
            .unwrap();
        assert!(!text.contains("organisation=\"7\""), "{text}");
    }

    #[test]
    fn off_records_and_writes_nothing() {
        let metrics = Metrics::off();
        metrics.sign_in(SignInMethod::Password, SignInOutcome::Success);
        assert!(!metrics.is_on());
    }
}
