//! A Roster server in its own process, so a test can kill it with SIGKILL as a crash would.
//!
//! The process is this very test binary, run again with `child_server` as the only test and
//! `ROSTER_TEST_CHILD_DATABASE` set: [`serve_if_child`] then serves instead of testing. The
//! server code is the same build as the test's, so it is never stale.

use std::process::Stdio;
use std::time::Duration;

use roster_backend::settings::Settings;
use roster_backend::startup::Application;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::app::web_dir;

const DATABASE: &str = "ROSTER_TEST_CHILD_DATABASE";
const SMTP: &str = "ROSTER_TEST_CHILD_SMTP";
const RETRY_MS: &str = "ROSTER_TEST_CHILD_MAIL_RETRY_MS";
const WEBHOOK_ALLOW_PRIVATE: &str = "ROSTER_TEST_CHILD_WEBHOOK_ALLOW_PRIVATE";
const SECRET_KEY_FILE: &str = "ROSTER_TEST_CHILD_SECRET_KEY_FILE";
const LEASE_MS: &str = "ROSTER_TEST_CHILD_MAIL_LEASE_MS";
const STREAMS_PER_PERSON: &str = "ROSTER_TEST_CHILD_STREAMS_PER_PERSON";
const CONNECTIONS_PER_ADDRESS: &str = "ROSTER_TEST_CHILD_CONNECTIONS_PER_ADDRESS";
const DRAIN_MS: &str = "ROSTER_TEST_CHILD_DRAIN_MS";

pub struct ServerProcess {
    pub address: String,
    child: Child,
}

/// Options of a child server.
#[derive(Debug, Clone, Default)]
pub struct ChildOptions {
    pub smtp_url: Option<String>,
    pub mail_retry_ms: Option<u64>,
    pub mail_lease_ms: Option<u64>,
    /// Live-event streams one person may hold open (the default is 16).
    pub event_streams_per_person: Option<usize>,
    /// Connections one client address may hold open (the default is 256).
    pub connections_per_address: Option<usize>,
    /// Webhooks may reach the receiver on loopback.
    pub webhook_allow_private: bool,
    /// The key that seals stored secrets, shared with the other servers of a test (replicas
    /// and restarts need the same one).
    pub secret_key_file: Option<std::path::PathBuf>,
    /// On SIGTERM, how long it stays up unready before it stops (as `--drain-seconds`).
    pub drain_ms: Option<u64>,
}

impl ServerProcess {
    /// Starts a server on `database_url` and waits until it listens.
    pub async fn start(database_url: &str, options: &ChildOptions) -> ServerProcess {
        let exe = std::env::current_exe().expect("the test binary");
        let mut command = Command::new(exe);
        command
            .args([
                "child_server",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DATABASE, database_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if let Some(url) = &options.smtp_url {
            command.env(SMTP, url);
        }
        if let Some(ms) = options.mail_retry_ms {
            command.env(RETRY_MS, ms.to_string());
        }
        if let Some(ms) = options.mail_lease_ms {
            command.env(LEASE_MS, ms.to_string());
        }
        if let Some(streams) = options.event_streams_per_person {
            command.env(STREAMS_PER_PERSON, streams.to_string());
        }
        if let Some(connections) = options.connections_per_address {
            command.env(CONNECTIONS_PER_ADDRESS, connections.to_string());
        }
        if options.webhook_allow_private {
            command.env(WEBHOOK_ALLOW_PRIVATE, "1");
        }
        if let Some(file) = &options.secret_key_file {
            command.env(SECRET_KEY_FILE, file);
        }
        if let Some(ms) = options.drain_ms {
            command.env(DRAIN_MS, ms.to_string());
        }
        let mut child = command.spawn().expect("the child server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("child output") {
                // libtest prints "test child_server ... " on the same line first.
                if let Some((_, address)) = line.split_once("child server listening on ") {
                    return address.trim().to_owned();
                }
            }
            panic!("the child server exited before listening");
        })
        .await
        .expect("the child server started in time");
        // Keep draining its output so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        ServerProcess { address, child }
    }

    /// The server's process id, to read what it uses from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the child server runs")
    }

    /// Sends SIGTERM, as systemd or an orchestrator stops a server; [`ServerProcess::wait`]
    /// then waits for the exit.
    pub async fn send_sigterm(&self) {
        let pid = self.child.id().expect("the child server runs").to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent to {pid}");
    }

    /// Waits for the process to exit, for at most `within`.
    pub async fn wait(mut self, within: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(within, self.child.wait())
            .await
            .expect("the server exits in time")
            .expect("its exit status")
    }

    /// Kills the process at once (SIGKILL): no graceful shutdown, nothing flushed.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("SIGKILL the child server");
        let _ = self.child.wait().await;
    }
}

/// In the child process: serves (until killed) and never returns; elsewhere does nothing.
pub fn serve_if_child() {
    let Ok(database_url) = std::env::var(DATABASE) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let mut settings = Settings::on_free_port(database_url, web_dir());
        settings.smtp_url = std::env::var(SMTP).ok();
        if let Some(ms) = std::env::var(RETRY_MS).ok().and_then(|v| v.parse().ok()) {
            settings.mail_retry_base = Duration::from_millis(ms);
            settings.mail_poll_every = Duration::from_millis(ms);
        }
        if let Some(ms) = std::env::var(LEASE_MS).ok().and_then(|v| v.parse().ok()) {
            settings.mail_lease = Duration::from_millis(ms);
        }
        if let Some(n) = std::env::var(STREAMS_PER_PERSON)
            .ok()
            .and_then(|v| v.parse().ok())
        {
            settings.event_streams_per_person = n;
        }
        if let Some(n) = std::env::var(CONNECTIONS_PER_ADDRESS)
            .ok()
            .and_then(|v| v.parse().ok())
        {
            settings.connections.per_address = n;
        }
        settings.webhook_allow_private = std::env::var_os(WEBHOOK_ALLOW_PRIVATE).is_some();
        settings.secret_key_file = std::env::var_os(SECRET_KEY_FILE).map(Into::into);
        if let Some(ms) = std::env::var(DRAIN_MS).ok().and_then(|v| v.parse().ok()) {
            settings.drain_delay = Duration::from_millis(ms);
        }
        let app = Application::build(settings)
            .await
            .expect("the child server builds");
        println!("child server listening on http://{}", app.local_addr());
        // Stops on SIGTERM as `roster serve` does (a test that wants a crash sends SIGKILL).
        app.run_until(roster_backend::cli::shutdown_signal())
            .await
            .expect("the child server runs");
    });
    std::process::exit(0);
}
