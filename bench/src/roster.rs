//! Roster as a target: the release server on a fresh SQLite file that `roster demo` filled with
//! an organisation of 10,000 people, signed in as its Owner through the API.
//!
//! Before it starts, the runner adds invitees who have an identity and a session (see
//! [`roster_db`]) and, with `roster account create`, a second organisation of the same Owner.
//! Once it runs, the Owner invites the invitees there through the API and the runner reads
//! each one's invitation link from the dev mailbox: the pool that "accept one invitation" draws
//! from. A second organisation, because the invitees would otherwise be tens of thousands of
//! pending people in the demo's Users list, which must hold 10,000.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::json;

use crate::api::Api;
use crate::roster_db::{self, INVITEE_DOMAIN};
use crate::server::ServerProcess;
use crate::target::{Pool, ROUND, Target};
use crate::wrk::{self, NUMBER, Request};

const SESSION_COOKIE: &str = "roster_session";
/// The most addresses one invitation request takes (the New User form's limit).
const INVITE_BATCH: usize = 1000;
/// Where the 1,000-address invitation goes.
const BULK_DOMAIN: &str = "bulk.bench.example";
/// The second organisation, where the invitees are invited.
const INVITEES_ORGANISATION: &str = "Bench Invitees";

/// Roster started and seeded, with what only Roster is measured on.
pub struct Roster {
    pub server: ServerProcess,
    pub target: Target,
    /// The demo organisation.
    pub account: i64,
    /// `Cookie` and `x-csrf-token` of the Owner's session.
    pub owner: Vec<(String, String)>,
    /// The Owner's password (adding a passkey asks for it).
    pub owner_password: String,
    /// The SQLite file.
    pub db_file: PathBuf,
}

/// What the 1,000-address invitation cost.
pub struct BulkInvitation {
    pub addresses: usize,
    /// Until the API answered.
    pub request: Duration,
    /// Until the last of the emails was in the dev mailbox (from the same start).
    pub delivered: Duration,
    /// The server's peak resident memory after it.
    pub peak_rss_bytes: u64,
}

/// Starts `target/release/roster` under `root` on a demo of `people` people, with `invitees`
/// invitations ready to accept.
pub fn start(root: &Path, api: &Api, people: usize, invitees: usize) -> Result<Roster> {
    start_with_flags(root, api, people, invitees, &[])
}

/// [`start`], with `serve_flags` added to `roster serve`'s command line.
pub fn start_with_flags(
    root: &Path,
    api: &Api,
    people: usize,
    invitees: usize,
    serve_flags: &[String],
) -> Result<Roster> {
    let binary = root.join("target/release/roster");
    if !binary.is_file() {
        bail!(
            "{} is missing: `cargo build --release -p roster-backend`",
            binary.display()
        );
    }
    let dir = tempfile::Builder::new().prefix("roster-bench-").tempdir()?;
    let db_file = dir.path().join("roster.db");
    let database_url = format!("sqlite://{}", db_file.display());

    let started = Instant::now();
    let (owner_email, owner_password) = fill_with_demo(&binary, &database_url, people)?;
    println!(
        "roster demo --people {people}: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let created = Command::new(&binary)
        .args(["account", "create", "--name", INVITEES_ORGANISATION])
        .args(["--plan", "business", "--owner-email", &owner_email])
        .arg("--database-url")
        .arg(&database_url)
        .env("ROSTER_LOG", "warn")
        .output()
        .context("cannot run `roster account create`")?;
    let created_out = String::from_utf8_lossy(&created.stdout);
    if !created.status.success() {
        bail!(
            "`roster account create` failed ({}): {created_out}{}",
            created.status,
            String::from_utf8_lossy(&created.stderr)
        );
    }
    let (invitees_account, owner_invitation) = created_account(&created_out)?;

    let started = Instant::now();
    let seeded = api.block_on(roster_db::seed_invitees(&db_file, invitees))?;
    println!(
        "{invitees} invitees with an identity and a session: {:.1} s (SQL, before the server starts)",
        started.elapsed().as_secs_f64()
    );

    let (server, base_url) = serve_with_flags(api, root, &database_url, dir, serve_flags)?;

    let owner = sign_in(api, &base_url, &owner_email, &owner_password)?;
    let accepted = api.post_json_as(
        &format!("{base_url}/api/v1/invitations/accept"),
        &owner,
        &json!({ "token": owner_invitation }),
    )?;
    if accepted.status != 200 {
        bail!(
            "the Owner's invitation to {INVITEES_ORGANISATION} answered {}: {}",
            accepted.status,
            accepted.body
        );
    }
    let account = top_level_account(api, &base_url, &owner, invitees_account)?;

    let started = Instant::now();
    let emails: Vec<String> = seeded.iter().map(|i| i.email.clone()).collect();
    for batch in emails.chunks(INVITE_BATCH) {
        let invited = invite(api, &base_url, &owner, invitees_account, batch)?;
        if invited != batch.len() {
            bail!("of {} invitees, {invited} were invited", batch.len());
        }
    }
    let db = api.block_on(roster_db::open(&db_file))?;
    wait_for_delivery(
        api,
        &db,
        INVITEE_DOMAIN,
        invitees as u64,
        Duration::from_secs(600),
    )?;
    let links = api.block_on(roster_db::invitation_links(&db, INVITEE_DOMAIN))?;
    api.block_on(db.close());
    println!(
        "{invitees} invitations sent through the API and their links read from the dev mailbox: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let tokens: std::collections::HashMap<String, String> = links.into_iter().collect();
    let mut lines = Vec::with_capacity(seeded.len());
    for invitee in &seeded {
        let token = tokens
            .get(&invitee.email)
            .with_context(|| format!("no invitation email to {}", invitee.email))?;
        lines.push(wrk::pool_line(
            &[
                (
                    "Cookie",
                    &format!("{SESSION_COOKIE}={}", invitee.session_token),
                ),
                (
                    "x-csrf-token",
                    &roster_db::csrf_token(&invitee.session_token),
                ),
            ],
            &json!({ "token": token }).to_string(),
        ));
    }

    let pages = every_page(api, &base_url, &owner[..1], account, server.dir())?;
    let target = Target {
        name: "roster",
        base_url,
        pid: server.pid(),
        sign_in: Request::post_json(
            "/api/v1/sign-in",
            &json!({ "email": owner_email, "password": &owner_password }),
        ),
        session: Request::get("/api/v1/session").with_headers(&owner[..1]),
        list: Request::get(&format!("/api/v1/accounts/{account}/people?per_page=50"))
            .with_headers(&owner[..1]),
        deep_page: Request::get_random(&pages).with_headers(&owner[..1]),
        create_invitation: Request::post_numbered(
            &format!("/api/v1/accounts/{account}/invitations"),
            &json!({
                "emails": [format!("new-{ROUND}-{NUMBER}@create.bench.example")],
                "grants": [{ "role": "basic", "accounts": [account] }],
            }),
        )
        .with_headers(&owner),
        accept: Pool {
            request: Request::post_pooled("/api/v1/invitations/accept", Path::new("")),
            lines,
            used: 0,
        },
        outbox_db: Some(db_file.clone()),
    };
    Ok(Roster {
        server,
        target,
        account,
        owner,
        owner_password,
        db_file,
    })
}

impl Roster {
    /// The Users list searched by a name's beginning: one of Roster's own questions (the
    /// rival's member list has no search).
    pub fn search(&self) -> Request {
        Request::get(&format!(
            "/api/v1/accounts/{}/people?per_page=50&q=ana",
            self.account
        ))
        .with_headers(&self.owner[..1])
    }

    /// Invites 1,000 new addresses in one request and waits for all 1,000 emails.
    pub fn invite_a_thousand(&self, api: &Api) -> Result<BulkInvitation> {
        let db = api.block_on(roster_db::open(&self.db_file))?;
        let emails: Vec<String> = (0..INVITE_BATCH)
            .map(|i| format!("person-{i}@{BULK_DOMAIN}"))
            .collect();
        self.target.reset_peak_rss()?;
        let started = Instant::now();
        let invited = invite(
            api,
            &self.target.base_url,
            &self.owner,
            self.account,
            &emails,
        )?;
        let request = started.elapsed();
        if invited != emails.len() {
            bail!("of {} addresses, {invited} were invited", emails.len());
        }
        wait_for_delivery(
            api,
            &db,
            BULK_DOMAIN,
            emails.len() as u64,
            Duration::from_secs(300),
        )?;
        let delivered = started.elapsed();
        api.block_on(db.close());
        Ok(BulkInvitation {
            addresses: emails.len(),
            request,
            delivered,
            peak_rss_bytes: self.target.peak_rss_bytes()?,
        })
    }
}

/// Waits until the outbox is empty: the emails of a run are Roster's work, and must not run
/// during the rival's.
pub fn wait_for_outbox(api: &Api, db_file: &Path) -> Result<Duration> {
    let started = Instant::now();
    let db = api.block_on(roster_db::open(db_file))?;
    loop {
        if api.block_on(roster_db::outbox_pending(&db))? == 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("Roster's outbox still had emails after 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    api.block_on(db.close());
    Ok(started.elapsed())
}

fn wait_for_delivery(
    api: &Api,
    db: &sqlx::SqlitePool,
    domain: &str,
    expected: u64,
    patience: Duration,
) -> Result<()> {
    let started = Instant::now();
    loop {
        let delivered = api.block_on(roster_db::delivered_to(db, domain))?;
        if delivered >= expected {
            return Ok(());
        }
        if started.elapsed() > patience {
            bail!("{delivered} of {expected} emails to @{domain} delivered after {patience:?}");
        }
        // Fine-grained: the delivery time of 1,000 emails is one of the figures.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// "Sign in as X with the password "Y"." from `roster demo`.
pub fn demo_credentials(out: &str) -> Result<(String, String)> {
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Sign in as "))
        .ok_or_else(|| anyhow!("`roster demo` printed no sign-in line: {out}"))?;
    let (email, rest) = line
        .split_once(" with the password \"")
        .ok_or_else(|| anyhow!("unexpected sign-in line: {line}"))?;
    let password = rest
        .strip_suffix("\".")
        .ok_or_else(|| anyhow!("unexpected sign-in line: {line}"))?;
    Ok((email.to_owned(), password.to_owned()))
}

/// Signs in; the session's `Cookie` and `x-csrf-token` headers.
pub fn sign_in(
    api: &Api,
    base_url: &str,
    email: &str,
    password: &str,
) -> Result<Vec<(String, String)>> {
    let reply = api.post_json(
        &format!("{base_url}/api/v1/sign-in"),
        &json!({ "email": email, "password": password }),
    )?;
    if reply.status != 200 {
        bail!("sign-in answered {}: {}", reply.status, reply.body);
    }
    let body = reply.json()?;
    let csrf = body["session"]["csrf_token"]
        .as_str()
        .ok_or_else(|| anyhow!("sign-in did not sign in: {}", reply.body))?;
    let cookie = reply
        .cookies
        .iter()
        .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
        .ok_or_else(|| anyhow!("sign-in set no {SESSION_COOKIE} cookie"))?;
    Ok(vec![
        ("Cookie".to_owned(), cookie.clone()),
        ("x-csrf-token".to_owned(), csrf.to_owned()),
    ])
}

/// "Created account NAME (ID)." and the Owner's invitation link from `roster account create`.
fn created_account(out: &str) -> Result<(i64, String)> {
    let id = out
        .lines()
        .find(|l| l.starts_with("Created account "))
        .and_then(|l| l.rsplit_once('(')?.1.strip_suffix(").")?.parse().ok())
        .ok_or_else(|| anyhow!("`roster account create` printed no account id: {out}"))?;
    let token = roster_db::link_token(out)
        .ok_or_else(|| anyhow!("`roster account create` printed no invitation link: {out}"))?;
    Ok((id, token.to_owned()))
}

/// The demo's organisation: the top-level account that is not `other`.
fn top_level_account(
    api: &Api,
    base_url: &str,
    owner: &[(String, String)],
    other: i64,
) -> Result<i64> {
    let reply = api.get_as(&format!("{base_url}/api/v1/accounts"), owner)?;
    if reply.status != 200 {
        bail!("the account list answered {}: {}", reply.status, reply.body);
    }
    reply
        .json()?
        .as_array()
        .and_then(|accounts| {
            accounts
                .iter()
                .find(|a| a["parent"].is_null() && a["id"].as_i64() != Some(other))
        })
        .and_then(|account| account["id"].as_i64())
        .ok_or_else(|| anyhow!("no top-level account in {}", reply.body))
}

/// Invites `emails` as Basic users of `account`; how many were invited.
pub(crate) fn invite(
    api: &Api,
    base_url: &str,
    owner: &[(String, String)],
    account: i64,
    emails: &[String],
) -> Result<usize> {
    let reply = api.post_json_as(
        &format!("{base_url}/api/v1/accounts/{account}/invitations"),
        owner,
        &json!({
            "emails": emails,
            "grants": [{ "role": "basic", "accounts": [account] }],
        }),
    )?;
    if reply.status != 200 {
        bail!("the invitation answered {}: {}", reply.status, reply.body);
    }
    Ok(reply.json()?["invited"].as_array().map_or(0, Vec::len))
}

/// A port nobody listens on now. Another process could take it before the server binds it,
/// which on a quiet bench machine does not happen; the server would then fail to start.
/// Fills the empty database at `database_url` with `roster demo` of `people`, and answers its
/// Owner's address and password.
pub fn fill_with_demo(
    binary: &Path,
    database_url: &str,
    people: usize,
) -> Result<(String, String)> {
    let demo = Command::new(binary)
        .args(["demo", "--people", &people.to_string()])
        .arg("--database-url")
        .arg(database_url)
        .env("ROSTER_LOG", "warn")
        .output()
        .context("cannot run `roster demo`")?;
    let demo_out = String::from_utf8_lossy(&demo.stdout);
    if !demo.status.success() {
        bail!(
            "`roster demo` failed ({}): {demo_out}{}",
            demo.status,
            String::from_utf8_lossy(&demo.stderr)
        );
    }
    demo_credentials(&demo_out)
}

/// Starts the release server of `root` on `database_url` (its scratch folder `dir`) on a free
/// port, once it answers: the process and its base URL.
pub fn serve(
    api: &Api,
    root: &Path,
    database_url: &str,
    dir: tempfile::TempDir,
) -> Result<(ServerProcess, String)> {
    serve_with_flags(api, root, database_url, dir, &[])
}

/// [`serve`], with `serve_flags` added to `roster serve`'s command line.
pub fn serve_with_flags(
    api: &Api,
    root: &Path,
    database_url: &str,
    dir: tempfile::TempDir,
    serve_flags: &[String],
) -> Result<(ServerProcess, String)> {
    let port = free_port()?;
    let base_url = format!("http://127.0.0.1:{port}");
    let mut command = Command::new(root.join("target/release/roster"));
    command
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database-url")
        .arg(database_url)
        .arg("--web-dir")
        .arg(root.join("dist"))
        // The webhook runs deliver to a receiver on loopback.
        .arg("--webhook-allow-private")
        // Warnings only: a log line per request would measure the terminal.
        .env("ROSTER_LOG", "warn")
        .args(serve_flags);
    let server = ServerProcess::start(command, dir)?;
    if let Err(error) = api.wait_for_ok(
        &format!("{base_url}/api/v1/health"),
        Duration::from_secs(60),
    ) {
        bail!("Roster did not start: {error:#}; {}", server.failure());
    }
    Ok((server, base_url))
}

/// Walks the Users list of `account` by Next, 50 at a time, and writes the path of every page
/// (the first, then each cursor) to a file in `dir`: the pages a person reaches, at every depth.
pub fn every_page(
    api: &Api,
    base_url: &str,
    owner: &[(String, String)],
    account: i64,
    dir: &Path,
) -> Result<PathBuf> {
    let first = format!("/api/v1/accounts/{account}/people?per_page=50");
    let mut paths = vec![first.clone()];
    let mut path = first;
    loop {
        let reply = api.get_as(&format!("{base_url}{path}"), owner)?;
        if reply.status != 200 {
            bail!("{path} answered {}: {}", reply.status, reply.body);
        }
        let Some(next) = reply.json()?["next"].as_str().map(str::to_owned) else {
            break;
        };
        path = format!("/api/v1/accounts/{account}/people?per_page=50&cursor={next}");
        paths.push(path.clone());
    }
    let file = dir.join(format!("pages-{account}.txt"));
    std::fs::write(&file, paths.join("\n") + "\n")?;
    Ok(file)
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_owner_is_read_from_its_output() {
        let out = "Demo organisation created with 10000 people.\n\
                   Sign in as demo.owner@northwind.example with the password \"roster demo password\".\n";
        assert_eq!(
            demo_credentials(out).unwrap(),
            (
                "demo.owner@northwind.example".to_owned(),
                "roster demo password".to_owned()
            )
        );
        assert!(demo_credentials("nothing").is_err());
    }

    #[test]
    fn the_created_account_and_its_link_are_read_from_the_output() {
        let out = "Created account Bench Invitees (12).\n\
                   owner@x.example is invited as its Owner; the email goes out from a running `roster serve`.\n\
                   You can also send them this link (valid 14 days): http://127.0.0.1:8080/invitations/accept#token=abc_D-9\n";
        assert_eq!(created_account(out).unwrap(), (12, "abc_D-9".to_owned()));
        assert!(created_account("Created account X (12).\n").is_err());
    }
}
