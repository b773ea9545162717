//! The `roster` command line.
//!
//! Every flag has an environment variable of the same meaning (`--listen` and
//! `ROSTER_LISTEN`, …), so a container or a systemd unit can configure it without a wrapper.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use std::time::Duration;

use crate::operator;
use crate::settings::{
    DEFAULT_DATABASE_URL, DEFAULT_MAIL_ATTEMPTS, DEFAULT_MAIL_RETRY_SECONDS, DEFAULT_SESSION_DAYS,
    DEFAULT_SESSION_IDLE_HOURS, Settings, TrustedProxies,
};
use crate::startup::Application;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Self-hosted team and access management"
)]
struct Cli {
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "ROSTER_LOG_FORMAT", default_value = "text", global = true)]
    log_format: telemetry::LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the web app.
    Serve(Box<ServeArgs>),
    /// Manage organisations (top-level accounts) as the operator.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Vouch for organisations' email domains (single sign-on).
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Fill an empty database with a demo organisation, then print how to sign in.
    Demo(DemoArgs),
    /// Copy the SQLite database into a new file, while the server runs (PostgreSQL: use
    /// pg_dump, see the README).
    Backup(BackupArgs),
    /// Put a backup in place as the SQLite database, where there is none yet.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// The file to write; it must not exist yet.
    #[arg(long)]
    to: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// A file `roster backup` made.
    #[arg(long)]
    from: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum DomainCommand {
    /// Mark an email domain verified for an organisation without its DNS record (where the
    /// server cannot reach DNS, or for tests). Only for a domain you know is theirs: its
    /// identity provider then decides who every address there is.
    Verify(VerifyDomainArgs),
}

#[derive(Debug, Args)]
struct VerifyDomainArgs {
    /// The organisation's top-level account id.
    #[arg(long)]
    account: i64,
    /// The domain, e.g. acme.example.
    domain: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create a top-level account and invite its Owner by email.
    Create(CreateAccountArgs),
}

#[derive(Debug, Args)]
struct CreateAccountArgs {
    /// The account's name, e.g. "Globex".
    #[arg(long)]
    name: String,
    /// A plan key from the plans file (built in: starter, team, business).
    #[arg(long)]
    plan: String,
    /// Who becomes its Owner (invited by email; they accept and choose a password).
    #[arg(long)]
    owner_email: String,
    #[command(flatten)]
    database: DatabaseArgs,
    /// The address people reach Roster at, for the invitation link.
    #[arg(
        long,
        env = "ROSTER_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// A TOML file of plans replacing the built-in ones.
    #[arg(long, env = "ROSTER_PLANS_FILE")]
    plans_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// How many people the demo organisation has (10000 for the benchmarks).
    #[arg(long, default_value_t = 40)]
    people: usize,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// `sqlite://path/file.db` (created on first start) or `postgres://user@host:port/db`.
    #[arg(long, env = "ROSTER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,

    /// Most database connections the server keeps open (with SQLite: read connections, at
    /// most two per core, beside its one writer).
    #[arg(long, env = "ROSTER_DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    database_max_connections: u32,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    #[command(flatten)]
    database: DatabaseArgs,

    /// Folder of the built web app (Trunk's output).
    #[arg(long, env = "ROSTER_WEB_DIR", default_value = "dist")]
    web_dir: PathBuf,

    /// The address people reach Roster at, for links in emails (default: http:// and the
    /// listen address). Sessions cookies are marked Secure when it starts with https://.
    /// Requests for any other host are refused (421), except the loopback names (127.0.0.1,
    /// localhost, [::1]) on the listen port when it is itself on this machine.
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    public_url: Option<String>,

    /// A TOML file of plans replacing the built-in ones (see backend/plans.toml).
    #[arg(long, env = "ROSTER_PLANS_FILE")]
    plans_file: Option<PathBuf>,

    /// Hours without a request after which a session ends.
    #[arg(long, env = "ROSTER_SESSION_IDLE_HOURS", default_value_t = DEFAULT_SESSION_IDLE_HOURS)]
    session_idle_hours: u64,

    /// Days after sign-in after which a session ends regardless.
    #[arg(long, env = "ROSTER_SESSION_DAYS", default_value_t = DEFAULT_SESSION_DAYS)]
    session_days: u64,

    /// Reverse proxies allowed to tell the client's address, comma-separated IPv4/IPv6
    /// addresses and CIDR ranges (10.0.0.0/8,192.0.2.7,fd00::/8). A request from one of them
    /// is from the right-most X-Forwarded-For hop that is not one of them; from anyone else,
    /// its headers are ignored. Default: none (the TCP peer is the client).
    #[arg(long, env = "ROSTER_TRUSTED_PROXIES", value_name = "ADDRESSES")]
    trusted_proxies: Option<TrustedProxies>,

    /// SMTP server for outgoing mail: smtp://user:password@host:587?tls=required (STARTTLS)
    /// or smtps://user:password@host:465 (TLS). Without it, mail goes to the development
    /// mailbox at /dev/mailbox, which needs a public URL on this machine (or --dev-mailbox).
    #[arg(long, env = "ROSTER_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,

    /// Without SMTP, keep mail in the development mailbox (/dev/mailbox) even though the
    /// public URL is not this machine. It exposes every email Roster sends, with the
    /// invitation and email-confirmation links in them that let whoever reads them join an
    /// organisation or take over an account, to anyone who can make requests from this
    /// machine itself (not through a proxy). For trials only; never on a shared machine.
    #[arg(long, env = "ROSTER_DEV_MAILBOX")]
    dev_mailbox: bool,

    /// The sender of outgoing mail, e.g. "Roster <roster@example.com>".
    #[arg(long, env = "ROSTER_MAIL_FROM")]
    mail_from: Option<String>,

    /// Seconds before the first retry of a failed delivery (each next wait triples, up to an hour).
    #[arg(long, env = "ROSTER_MAIL_RETRY_SECONDS", default_value_t = DEFAULT_MAIL_RETRY_SECONDS)]
    mail_retry_seconds: u64,

    /// Threads hashing passwords (each holds 19 MiB while it hashes). Default: one per four cores.
    #[arg(long, env = "ROSTER_HASH_THREADS")]
    hash_threads: Option<usize>,

    /// Delivery attempts before an email is marked failed.
    #[arg(long, env = "ROSTER_MAIL_ATTEMPTS", default_value_t = DEFAULT_MAIL_ATTEMPTS)]
    mail_attempts: u32,

    /// Seconds a client has to send a request's head (line and headers); slower connections
    /// are closed.
    #[arg(long, env = "ROSTER_HEADER_READ_TIMEOUT_SECONDS", default_value_t = crate::serve::DEFAULT_HEADER_READ_TIMEOUT_SECONDS)]
    header_read_timeout_seconds: u64,

    /// Seconds a request may take in all, its body included; past it the answer is 503.
    #[arg(long, env = "ROSTER_REQUEST_TIMEOUT_SECONDS", default_value_t = crate::settings::DEFAULT_REQUEST_TIMEOUT_SECONDS)]
    request_timeout_seconds: u64,

    /// Connections one client address may hold open at once (trusted proxies are not limited).
    #[arg(long, env = "ROSTER_CONNECTIONS_PER_ADDRESS", default_value_t = crate::serve::DEFAULT_CONNECTIONS_PER_ADDRESS)]
    connections_per_address: usize,

    /// Connections the server holds open in all.
    #[arg(long, env = "ROSTER_MAX_CONNECTIONS", default_value_t = crate::serve::DEFAULT_CONNECTIONS_TOTAL)]
    max_connections: usize,

    /// Live event streams one person may hold open on this server (browser tabs, devices).
    #[arg(long, env = "ROSTER_EVENT_STREAMS_PER_PERSON", default_value_t = crate::settings::DEFAULT_EVENT_STREAMS_PER_PERSON)]
    event_streams_per_person: usize,

    /// Live event streams this server holds open in all.
    #[arg(long, env = "ROSTER_EVENT_STREAMS", default_value_t = crate::settings::DEFAULT_EVENT_STREAMS_TOTAL)]
    event_streams: usize,

    /// The key that seals stored secrets (identity providers' client secrets): 64 hex
    /// characters, made on first start when the file is missing. Every replica needs the same
    /// file; keep it out of database backups.
    #[arg(
        long,
        env = "ROSTER_SECRET_KEY_FILE",
        default_value = "data/secret.key"
    )]
    secret_key_file: PathBuf,

    /// The DNS server (address:port) asked for the TXT records that verify email domains.
    /// Default: the system's resolver.
    #[arg(long, env = "ROSTER_DNS_SERVER")]
    dns_server: Option<SocketAddr>,

    /// Let webhook endpoints reach private, loopback and link-local addresses (receivers
    /// inside your own network). Off: such endpoints are refused, when saved and at delivery.
    #[arg(long, env = "ROSTER_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,

    /// Serve /metrics (Prometheus) and the health checks on this address too, without a
    /// token: keep it on loopback (127.0.0.1:9464) or a network only Prometheus reaches.
    #[arg(long, env = "ROSTER_METRICS_LISTEN", value_name = "ADDRESS")]
    metrics_listen: Option<SocketAddr>,

    /// Serve /metrics on the main listener to requests bearing this token
    /// (Authorization: Bearer …). At least 16 characters.
    #[arg(long, env = "ROSTER_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,

    /// On SIGTERM, seconds the server goes on answering while it reports itself unready,
    /// before it stops taking connections and finishes the requests in flight: the time your
    /// load balancer's readiness checks need to notice.
    #[arg(long, env = "ROSTER_DRAIN_SECONDS", default_value_t = crate::settings::DEFAULT_DRAIN_SECONDS)]
    drain_seconds: u64,
}

impl From<ServeArgs> for Settings {
    fn from(args: ServeArgs) -> Self {
        Settings {
            listen: args.listen,
            database_url: args.database.database_url,
            database_max_connections: args.database.database_max_connections,
            web_dir: args.web_dir,
            public_url: args.public_url,
            plans_file: args.plans_file,
            session_idle_timeout: Duration::from_secs(args.session_idle_hours.max(1) * 3600),
            session_absolute_timeout: Duration::from_secs(args.session_days.max(1) * 86_400),
            trusted_proxies: args.trusted_proxies.unwrap_or_default(),
            smtp_url: args.smtp_url.filter(|url| !url.trim().is_empty()),
            dev_mailbox: args.dev_mailbox,
            mail_from: args.mail_from,
            mail_retry_base: Duration::from_secs(args.mail_retry_seconds.max(1)),
            mail_max_attempts: args.mail_attempts.max(1),
            mail_poll_every: Duration::from_secs(2),
            mail_lease: Duration::from_secs(60),
            maintenance_every: Duration::from_secs(60),
            hash_threads: args
                .hash_threads
                .unwrap_or_else(crate::auth::password::default_hash_threads)
                .max(1),
            connections: crate::serve::ConnectionLimits {
                header_read_timeout: Duration::from_secs(args.header_read_timeout_seconds.max(1)),
                per_address: args.connections_per_address.max(1),
                total: args.max_connections.max(1),
                ..crate::serve::ConnectionLimits::default()
            },
            request_timeout: Duration::from_secs(args.request_timeout_seconds.max(1)),
            event_streams_per_person: args.event_streams_per_person.max(1),
            event_streams_total: args.event_streams.max(1),
            secret_key_file: Some(args.secret_key_file),
            dns_server: args.dns_server,
            webhook_allow_private: args.webhook_allow_private,
            webhook_poll_every: Duration::from_millis(500),
            metrics_listen: args.metrics_listen,
            metrics_token: args.metrics_token,
            drain_delay: Duration::from_secs(args.drain_seconds),
        }
    }
}

/// Runs the command line and turns the outcome into the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "could not start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve((*args).into()).await,
            Command::Account(AccountCommand::Create(args)) => create_account(args).await,
            Command::Domain(DomainCommand::Verify(args)) => {
                operator::verify_domain(&args.database.database_url, args.account, &args.domain)
                    .await
                    .map(|()| println!("{} is verified for account {}.", args.domain, args.account))
            }
            Command::Demo(args) => demo(args).await,
            Command::Backup(args) => backup(args).await,
            Command::Restore(args) => restore(args).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn create_account(args: CreateAccountArgs) -> anyhow::Result<()> {
    let created = operator::create_organisation(
        &args.database.database_url,
        args.plans_file.as_deref(),
        &args.public_url,
        &args.name,
        &args.plan,
        &args.owner_email,
    )
    .await?;
    println!("Created account {} ({}).", args.name, created.account_id);
    println!(
        "{} is invited as its Owner; the email goes out from a running `roster serve`.",
        created.owner_email
    );
    println!(
        "You can also send them this link (valid 14 days): {}",
        created.invitation_link
    );
    Ok(())
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let demo = operator::demo(&args.database.database_url, args.people.max(1)).await?;
    println!("Demo organisation created with {} people.", demo.people);
    println!(
        "Sign in as {} with the password \"{}\".",
        demo.owner_email, demo.password
    );
    Ok(())
}

async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let report = crate::backup::backup(&args.database.database_url, &args.to).await?;
    println!(
        "Backed up to {} ({} bytes, {} migrations applied).",
        args.to.display(),
        report.bytes,
        report.migrations
    );
    println!(
        "Keep the secret key file (ROSTER_SECRET_KEY_FILE, data/secret.key) safe too, apart from \
         this file: it is not in the backup, and without it identity providers' client secrets \
         and webhook signing secrets cannot be read."
    );
    Ok(())
}

async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let report = crate::backup::restore(&args.from, &args.database.database_url).await?;
    println!(
        "Restored {} into {} ({} bytes, {} migrations applied). Start `roster serve` on it.",
        args.from.display(),
        args.database.database_url,
        report.bytes,
        report.migrations
    );
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    app.run_until(shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before the process exits.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: draining, then finishing requests in flight");
}
