//! The rival as a target: better-auth with its organization plugin on Node and SQLite
//! (`bench/rival/server.mjs`), seeded with the same organisation of 10,000 people.
//!
//! Its npm packages are installed on first use (`npm ci`, pinned by `package-lock.json`).
//! better-sqlite3 is a native module: its install script first tries to download a prebuilt
//! binary from GitHub, then compiles with node-gyp, which needs Node's C headers. Here GitHub
//! is out of reach and node-gyp would download the headers from nodejs.org too, so the
//! install asks for a build from source (no download attempt) against the headers of
//! Debian's Node (`/usr/include/node`, package `libnode-dev`), with the machine's python3,
//! make and g++. Without any of that, the rival is skipped with the reason and Roster's
//! figures still come out.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use rand::RngCore as _;
use serde_json::json;

use crate::api::Api;
use crate::roster::free_port;
use crate::server::ServerProcess;
use crate::target::{Pool, ROUND, Target};
use crate::wrk::{self, NUMBER, Request};

/// Where Debian's Node keeps the headers node-gyp compiles native modules against.
const DEBIAN_NODE_HEADERS: &str = "/usr/include/node/common.gypi";

/// Installs (if needed), seeds and starts the rival.
pub fn start(
    root: &Path,
    api: &Api,
    people: usize,
    invitees: usize,
) -> Result<(ServerProcess, Target)> {
    let app = root.join("bench/rival");
    install(&app)?;

    let dir = tempfile::Builder::new()
        .prefix("roster-bench-rival-")
        .tempdir()?;
    let db_file = dir.path().join("rival.db");
    let seed_file = dir.path().join("seed.json");
    let port = free_port()?;
    let base_url = format!("http://127.0.0.1:{port}");
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let secret = hex::encode(secret);
    let node = |mode: &str| {
        let mut command = Command::new("node");
        command
            .current_dir(&app)
            .arg("server.mjs")
            .arg(mode)
            .arg(&db_file)
            .env("BETTER_AUTH_SECRET", &secret)
            .env("BETTER_AUTH_URL", &base_url)
            .env("NODE_ENV", "production");
        command
    };

    let started = Instant::now();
    let output = node("seed")
        .arg(&seed_file)
        .arg(people.to_string())
        .arg(invitees.to_string())
        .output()
        .context("cannot run node")?;
    if !output.status.success() {
        bail!(
            "seeding failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let seed: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&seed_file).with_context(|| format!("reading {}", seed_file.display()))?,
    )?;
    println!(
        "{people} people in one organisation, {invitees} invitees with a session and an invitation: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut command = node("serve");
    command.arg(port.to_string());
    let server = ServerProcess::start(command, dir)?;
    if let Err(error) = api.wait_for_ok(&format!("{base_url}/health"), Duration::from_secs(60)) {
        bail!("the rival did not start: {error:#}; {}", server.failure());
    }

    let text = |key: &str| -> Result<String> {
        seed[key]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no {key} in the seed output"))
    };
    let organization = text("organizationId")?;
    let owner = vec![("Cookie".to_owned(), text("ownerCookie")?)];
    // better-auth's CSRF defence: a state-changing request with a cookie must name a trusted
    // origin (Roster's is the x-csrf-token header).
    let origin = vec![("Origin".to_owned(), base_url.clone())];
    let lines = seed["accept"]
        .as_array()
        .context("no accept list in the seed output")?
        .iter()
        .map(|invitee| {
            let cookie = invitee["cookie"].as_str().context("an invitee's cookie")?;
            let id = invitee["invitationId"]
                .as_str()
                .context("an invitation id")?;
            Ok(wrk::pool_line(
                &[("Cookie", cookie)],
                &json!({ "invitationId": id }).to_string(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;

    let target = Target {
        name: "rival",
        pid: server.pid(),
        sign_in: Request::post_json(
            "/api/auth/sign-in/email",
            &json!({ "email": text("ownerEmail")?, "password": text("password")? }),
        ),
        session: Request::get("/api/auth/get-session").with_headers(&owner),
        list: Request::get(&format!(
            "/api/auth/organization/list-members?organizationId={organization}&limit=50"
        ))
        .with_headers(&owner),
        deep_page: {
            // Every page of the list, by offset.
            let file = server.dir().join("deep-pages.txt");
            let paths: Vec<String> = (0..people.div_ceil(50))
                .map(|page| {
                    format!(
                        "/api/auth/organization/list-members?organizationId={organization}&limit=50&offset={}",
                        page * 50
                    )
                })
                .collect();
            std::fs::write(&file, paths.join("\n") + "\n")?;
            Request::get_random(&file).with_headers(&owner)
        },
        create_invitation: Request::post_numbered(
            "/api/auth/organization/invite-member",
            &json!({
                "email": format!("new-{ROUND}-{NUMBER}@create.bench.example"),
                "role": "member",
                "organizationId": organization,
            }),
        )
        .with_headers(&owner)
        .with_headers(&origin),
        accept: Pool {
            request: Request::post_pooled(
                "/api/auth/organization/accept-invitation",
                Path::new(""),
            )
            .with_headers(&origin),
            lines,
            used: 0,
        },
        outbox_db: None,
        base_url,
    };
    Ok((server, target))
}

/// `npm ci` in `app` unless its packages are there and the native module is built.
fn install(app: &Path) -> Result<()> {
    let native = app.join("node_modules/better-sqlite3/build/Release/better_sqlite3.node");
    if native.is_file() && app.join("node_modules/better-auth/package.json").is_file() {
        return Ok(());
    }
    let node = Command::new("node")
        .arg("--version")
        .output()
        .context("Node.js is not installed (`node` is not on PATH)")?;
    let version = String::from_utf8_lossy(&node.stdout).trim().to_owned();
    println!(
        "installing the rival's npm packages with node {version} (once; about a minute, most of it compiling better-sqlite3)"
    );
    let mut npm = Command::new("npm");
    npm.current_dir(app)
        .args(["ci", "--no-audit", "--no-fund"])
        // No attempt to download a prebuilt binary from GitHub: compile here.
        .env("npm_config_build_from_source", "true");
    if std::env::var_os("npm_config_nodedir").is_none() && Path::new(DEBIAN_NODE_HEADERS).is_file()
    {
        // node-gyp would otherwise download the headers from nodejs.org.
        npm.env("npm_config_nodedir", "/usr");
    }
    let output = npm.output().context("cannot run npm")?;
    if !output.status.success() {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let tail: Vec<&str> = text.lines().collect();
        bail!(
            "`npm ci` in {} failed ({}); the end of its output:\n{}\n(needs Node 20+, python3, make, g++ and Node's headers: Debian's libnode-dev)",
            app.display(),
            output.status,
            tail[tail.len().saturating_sub(15)..].join("\n")
        );
    }
    if !native.is_file() {
        bail!("`npm ci` succeeded but {} was not built", native.display());
    }
    Ok(())
}
