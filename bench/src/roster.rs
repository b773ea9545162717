//! Roster as a target: the release server on a fresh SQLite file in a scratch folder, set up
//! through its first-run API like a newcomer would, signed in as the Owner.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use serde_json::json;

use crate::api::Api;
use crate::server::ServerProcess;
use crate::target::{Auth, Target};
use crate::wrk::Request;

const OWNER_EMAIL: &str = "owner@bench.example";
const OWNER_PASSWORD: &str = "correct horse battery";
const SESSION_COOKIE: &str = "roster_session";

/// Starts `target/release/roster` under `root` and sets it up. The server lives as long as
/// the returned process.
pub fn start(root: &Path, api: &Api) -> Result<(ServerProcess, Target)> {
    let binary = root.join("target/release/roster");
    if !binary.is_file() {
        bail!(
            "{} is missing: `cargo build --release -p roster-backend`",
            binary.display()
        );
    }
    let dir = tempfile::Builder::new().prefix("roster-bench-").tempdir()?;
    let port = free_port()?;
    let mut command = Command::new(&binary);
    command
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}",
            dir.path().join("roster.db").display()
        ))
        .arg("--web-dir")
        .arg(root.join("dist"))
        // Warnings only: a log line per request would measure the terminal.
        .env("ROSTER_LOG", "warn");
    let server = ServerProcess::start(command, dir)?;
    let base_url = format!("http://127.0.0.1:{port}");
    let token = match setup_token(&server) {
        Ok(token) => token,
        Err(error) => bail!(
            "Roster did not start: {error:#}. Its stderr ended with:\n{}",
            server.stderr_tail()
        ),
    };
    api.wait_for_ok(
        &format!("{base_url}/api/v1/health"),
        Duration::from_secs(30),
    )?;
    let auth = set_up(api, &base_url, &token)?;
    let target = Target {
        name: "roster".to_owned(),
        base_url,
        pid: server.pid(),
        auth,
    };
    Ok((server, target))
}

/// A port nobody listens on now. Another process could take it before the server binds it,
/// which on a quiet bench machine does not happen; the server would then fail to start.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// On an empty database Roster prints its one-time setup link on stdout.
fn setup_token(server: &ServerProcess) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        match server.stdout.recv_timeout(wait) {
            Ok(line) => {
                if let Some((_, token)) = line.split_once("/setup#token=") {
                    return Ok(token.trim().to_owned());
                }
            }
            Err(RecvTimeoutError::Timeout) => bail!("no setup link after 60 s"),
            Err(RecvTimeoutError::Disconnected) => {
                let status = server
                    .exit_status(Duration::from_secs(1))
                    .map_or("it closed its output".to_owned(), |s| s.to_string());
                bail!("it exited before printing its setup link ({status})");
            }
        }
    }
}

/// Creates the first account and its Owner; the answer signs the Owner in.
fn set_up(api: &Api, base_url: &str, token: &str) -> Result<Auth> {
    let reply = api.post_json(
        &format!("{base_url}/api/v1/setup"),
        &json!({
            "token": token,
            "account_name": "Bench",
            "plan": "team",
            "owner_name": "Bench Owner",
            "email": OWNER_EMAIL,
            "password": OWNER_PASSWORD,
        }),
    )?;
    if reply.status != 200 {
        bail!("setup answered {}: {}", reply.status, reply.body);
    }
    let body = reply.json()?;
    let csrf = body["session"]["csrf_token"]
        .as_str()
        .ok_or_else(|| anyhow!("setup did not sign in: {}", reply.body))?;
    let cookie = reply
        .cookies
        .iter()
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .ok_or_else(|| anyhow!("setup set no {SESSION_COOKIE} cookie"))?;
    Ok(Auth {
        session: vec![("Cookie".to_owned(), cookie.clone())],
        write: vec![("x-csrf-token".to_owned(), csrf.to_owned())],
        sign_in: Request::post_json(
            "/api/v1/sign-in",
            &json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }),
        ),
    })
}
