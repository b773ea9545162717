//! A real SMTP server on loopback for the tests (aiosmtpd, from PyPI; `make test` installs it
//! into `$ROSTER_TOOLS/venv`), recording every message it accepts.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// One accepted message, as the server parsed it.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub envelope_to: Vec<String>,
    pub authenticated: bool,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub content_type: String,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Part {
    #[serde(rename = "type")]
    pub content_type: String,
    pub body: String,
}

impl Received {
    pub fn part(&self, content_type: &str) -> &str {
        &self
            .parts
            .iter()
            .find(|p| p.content_type == content_type)
            .unwrap_or_else(|| panic!("no {content_type} part in {self:?}"))
            .body
    }
}

pub struct SmtpSink {
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
    process: Child,
}

/// The Python of the test tools (`make test` installs them into `$ROSTER_TOOLS/venv`).
pub(crate) fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("ROSTER_TEST_PYTHON") {
        return PathBuf::from(path);
    }
    crate::tools_dir().join("venv/bin/python")
}

/// A free loopback port (nothing listens on it once this returns).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpSink {
    /// Starts the server on `port` and waits until it accepts connections.
    pub async fn start(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().expect("a folder for the mail log");
        let log = dir.path().join("mail.jsonl");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("support/smtp_sink.py");
        let python = python();
        let mut process = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}); `make test` installs aiosmtpd",
                    python.display()
                )
            });
        let stdout = process.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP server started in time")
            .expect("its output");
        assert_eq!(
            ready.as_deref(),
            Some("ready"),
            "the SMTP server did not start"
        );
        SmtpSink {
            port,
            log,
            _dir: dir,
            process,
        }
    }

    /// Everything accepted so far.
    pub fn received(&self) -> Vec<Received> {
        match std::fs::read_to_string(&self.log) {
            Ok(text) => text
                .lines()
                .map(|line| serde_json::from_str(line).expect("a message record"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Waits (up to 20 s) until `count` messages arrived, and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let received = crate::wait::settled(
            Duration::from_secs(20),
            || async { self.received() },
            |received| received.len() >= count,
        )
        .await;
        assert!(
            received.len() >= count,
            "expected {count} message(s), got {received:?}"
        );
        received
    }

    pub async fn stop(mut self) {
        let _ = self.process.kill().await;
    }
}
