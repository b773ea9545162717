//! Builds the application from [`Settings`] and serves it.
//!
//! Binding happens in [`Application::build`], so a caller asking for port 0 learns the real
//! port from [`Application::local_addr`] before serving starts (tests, benchmarks).

use roster_shared::api::ErrorCode;
use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::host::{self, Site};
use crate::auth::same_origin;
use crate::db::Db;
use crate::error::{self, ApiError};
use crate::events::Events;
use crate::mail::{self, Mailer, Policy, Transport};
use crate::plans::Plans;
use crate::settings::Settings;
use crate::sso::secret::SecretBox;
use crate::state::AppState;
use crate::{maintenance, openapi, scim, setup, spa};

/// Largest request body accepted by default (an invitation of 1,000 addresses is ~40 KB).
const BODY_LIMIT: usize = 1024 * 1024;

pub struct Application {
    listener: TcpListener,
    /// `--metrics-listen`: `/metrics` and the health checks, without a token.
    metrics_listener: Option<TcpListener>,
    router: Router,
    state: AppState,
    setup_link: Option<String>,
}

impl Application {
    /// Opens (and migrates) the database and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let plans = Plans::load(settings.plans_file.as_deref())?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let local_addr = listener.local_addr()?;
        let public_url = match &settings.public_url {
            Some(url) => url.trim().trim_end_matches('/').to_owned(),
            None if local_addr.ip().is_unspecified() => anyhow::bail!(
                "listening on {local_addr} (every network interface) needs the address people \
                 reach Roster at: set ROSTER_PUBLIC_URL (--public-url), e.g. \
                 https://roster.example.com. Links in emails use it, and it is the only host \
                 name Roster answers to."
            ),
            None => format!("http://{local_addr}"),
        };
        let site = Site::new(&public_url, local_addr)?;
        if settings.smtp_url.is_none() && !site.is_loopback() && !settings.dev_mailbox {
            anyhow::bail!(
                "no SMTP server is set, and the public URL {public_url} is not this machine: \
                 invitations and other emails would have nowhere to go. Set ROSTER_SMTP_URL \
                 (--smtp-url) to send them, or ROSTER_DEV_MAILBOX=true (--dev-mailbox) to keep \
                 them in the development mailbox, readable from this machine only (for trials)."
            );
        }
        if let Some(token) = &settings.metrics_token
            && token.trim().chars().count() < 16
        {
            anyhow::bail!(
                "the metrics token (ROSTER_METRICS_TOKEN, --metrics-token) must have at least 16 \
                 characters: anyone who guesses it reads the organisations' names and seats"
            );
        }
        let metrics_listener = match settings.metrics_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen for metrics on {address}"))?,
            ),
            None => None,
        };
        let db = Db::open(&settings.database_url, settings.database_max_connections).await?;
        let mail_from = settings
            .mail_from
            .clone()
            .unwrap_or_else(|| default_sender(&public_url));
        let transport = Transport::new(settings.smtp_url.as_deref(), &mail_from)?;
        let mailer = Mailer::new(
            transport,
            Policy {
                retry_base: settings.mail_retry_base,
                max_attempts: settings.mail_max_attempts,
                poll_every: settings.mail_poll_every,
                lease: settings.mail_lease,
            },
        );
        let events = Events::start(&db, &settings.database_url).await?;
        let secrets = SecretBox::load(settings.secret_key_file.as_deref())?;
        let state = AppState::new(
            db, settings, plans, public_url, site, secrets, mailer, events,
        );
        if state.metrics().is_on() {
            crate::metrics::time_statements();
        }
        let setup_link = setup::link_if_needed(&state).await?;
        let router = router(state.clone());
        Ok(Self {
            listener,
            metrics_listener,
            router,
            state,
            setup_link,
        })
    }

    /// The one-time link that creates the first account, while the database has no one.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The address of the metrics listener, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then drains: reports itself unready for the drain
    /// delay while it goes on answering, then stops taking connections and lets requests in
    /// flight finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let settings = self.state.settings();
        tracing::info!(
            address = %format!("http://{}", self.local_addr()),
            public_url = self.state.public_url(),
            database = self.state.db().engine().label(),
            web_dir = %settings.web_dir.display(),
            "Roster is serving"
        );
        let transport = &self.state.mailer().transport;
        if transport.is_dev_mailbox() {
            tracing::warn!(
                "mail goes to the development mailbox at {}/dev/mailbox (readable from this machine only, not through a proxy); set ROSTER_SMTP_URL to send real email",
                self.state.public_url()
            );
            if !self.state.site().is_loopback() {
                tracing::warn!(
                    "the development mailbox is on (ROSTER_DEV_MAILBOX) although the public URL is not this machine: anyone who can make requests from this machine can read every invitation and confirmation link"
                );
            }
        } else {
            tracing::info!(transport = %transport.describe(), "mail is sent through SMTP");
            if settings.dev_mailbox {
                tracing::warn!("ROSTER_DEV_MAILBOX has no effect: mail is sent through SMTP");
            }
        }
        if settings.trusted_proxies.is_empty() {
            tracing::info!(
                "client addresses are the connections' own; forwarding headers are ignored (ROSTER_TRUSTED_PROXIES names the proxies to believe)"
            );
        } else {
            tracing::info!(
                trusted_proxies = %settings.trusted_proxies,
                "client addresses are read from X-Forwarded-For behind these proxies"
            );
        }
        tracing::info!(
            billing = self.state.billing().name(),
            "seat purchases and removals are recorded through this billing"
        );
        if let Some(link) = &self.setup_link {
            setup::announce(link);
        }
        let checkpoints = crate::db::checkpoint::start(self.state.db()).await;
        let maintenance = tokio::spawn(maintenance::run(self.state.clone()));
        let mail_worker = tokio::spawn(mail::worker::run(self.state.clone()));
        let webhook_worker = tokio::spawn(crate::webhooks::delivery::run(self.state.clone()));
        let metrics_server = self.metrics_listener.map(|listener| {
            if let Ok(address) = listener.local_addr() {
                tracing::info!(address = %format!("http://{address}/metrics"), "metrics and health checks are served here too");
                if !address.ip().is_loopback() {
                    tracing::warn!(
                        %address,
                        "the metrics listener is not on loopback: whoever reaches it reads organisations' names and seats without a token; keep it on a network only Prometheus reaches"
                    );
                }
            }
            let router = operations_router(self.state.clone());
            let mut stopping = self.state.stopping();
            tokio::spawn(async move {
                let stopped = async move {
                    let _ = stopping.wait_for(|stopping| *stopping).await;
                };
                if let Err(error) = axum::serve(listener, router)
                    .with_graceful_shutdown(stopped)
                    .await
                {
                    tracing::warn!(%error, "the metrics listener stopped");
                }
            })
        });
        let settings = self.state.settings();
        crate::serve::serve(
            self.listener,
            self.router,
            settings.connections.clone(),
            settings.trusted_proxies.clone(),
            {
                let state = self.state.clone();
                async move {
                    shutdown.await;
                    let delay = state.settings().drain_delay;
                    state.workers().drain();
                    if !delay.is_zero() {
                        tracing::info!(
                            seconds = delay.as_secs_f64(),
                            "draining: unready, still answering, before stopping"
                        );
                        tokio::time::sleep(delay).await;
                    }
                    state.begin_stopping();
                }
            },
        )
        .await
        .context("the server stopped with an error")?;
        maintenance.abort();
        mail_worker.abort();
        webhook_worker.abort();
        if let Some(metrics_server) = metrics_server {
            let _ = metrics_server.await;
        }
        if let Some(checkpoints) = checkpoints {
            checkpoints.abort();
        }
        self.state.db().close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The whole HTTP surface: `/api/v1`, the API document, and the web app for everything else.
pub(crate) fn router(state: AppState) -> Router {
    let (api_v1, document) = openapi::api();
    let api = Router::new()
        .merge(api_v1)
        .merge(openapi::document_route(&document))
        .merge(scim::router())
        .route(
            crate::metrics::PATH,
            axum::routing::get(crate::metrics::serve_with_token),
        )
        .route("/api", axum::routing::any(error::api_not_found))
        .route("/api/{*rest}", axum::routing::any(error::api_not_found))
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            same_origin::refuse_cross_site,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state.clone());

    let app = Router::new()
        .merge(api)
        .merge(spa::router(&state.settings().web_dir))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CompressionLayer::new())
        // Before anything else runs: a request for another host name is refused whatever
        // its path (API, SCIM, the app, the development mailbox).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host::refuse_other_hosts,
        ));
    let app = with_security_headers(app)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            within_time,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::internal("a handler panicked"))
        }))
        .layer(
            TraceLayer::new_for_http().on_response(DefaultOnResponse::new().level(Level::DEBUG)),
        );
    if state.metrics().is_on() {
        app.layer(axum::middleware::from_fn_with_state(
            state,
            crate::metrics::track_requests,
        ))
    } else {
        app
    }
}

/// The metrics listener's surface: `/metrics` without a token, and the health checks (an
/// orchestrator may probe there), for requests addressed to this machine by address.
fn operations_router(state: AppState) -> Router {
    use axum::routing::get;
    Router::new()
        .route(crate::metrics::PATH, get(crate::metrics::serve_open))
        .route("/api/v1/health", get(crate::routes::health::health))
        .route("/api/v1/health/live", get(crate::routes::health::live))
        .route("/api/v1/health/ready", get(crate::routes::health::ready))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host::refuse_rebound_names,
        ))
        .with_state(state)
}

/// Answers 503 `timeout` when a request (reading its body included) takes longer than the
/// settings allow: a client trickling its body, or work stuck behind a lock, cannot hold a
/// connection, a task or a database transaction for ever. Dropping the handler's future rolls
/// back any transaction it had open. A live event stream's response is ready at once; its
/// events flow afterwards and are not limited by this.
async fn within_time(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = state.settings().request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Timeout,
            format!(
                "The server stopped this request after {} seconds. Please try again.",
                limit.as_secs()
            ),
        )),
    }
}

/// Headers every response carries (the page's own CSP is set by `spa`).
fn with_security_headers(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(spa::NON_DOCUMENT_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
}

/// `Roster <roster@HOST>` for the public URL's host.
fn default_sender(public_url: &str) -> String {
    let host = url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
        .unwrap_or_else(|| "localhost.localdomain".to_owned());
    format!("Roster <roster@{host}>")
}
