//! Load: 200 concurrent clients for 60 seconds on a mixed workload (list, search, invite, role
//! change, sign-in), against SQLite and against PostgreSQL with two server processes behind one
//! loopback port. Passes with zero errors and nothing lost: every acknowledged invitation and
//! the last acknowledged role of every person are in the database afterwards.
//!
//! Ignored by `make test` (a minute per engine); `make soak` runs it in a release build.
//! `ROSTER_SOAK_SECONDS` and `ROSTER_SOAK_CLIENTS` change the duration and the concurrency.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use roster_shared::api::{PeoplePage, PersonRow};
use roster_shared::role::Role;
use roster_tests::app::TestDatabase;
use roster_tests::process::{ChildOptions, ServerProcess};
use roster_tests::{ApiClient, Engine, OWNER_EMAIL, OWNER_PASSWORD, TestApp};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    List,
    Search,
    Invite,
    RoleChange,
    SignIn,
}

impl Op {
    /// The mix: mostly reads, as in real use; sign-in is rare because it is deliberately
    /// expensive (argon2id) and would otherwise measure only the hashing threads.
    fn pick(n: u64) -> Op {
        match n % 100 {
            0..40 => Op::List,
            40..60 => Op::Search,
            60..75 => Op::Invite,
            75..99 => Op::RoleChange,
            _ => Op::SignIn,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::List => "list page",
            Op::Search => "search",
            Op::Invite => "invite",
            Op::RoleChange => "role change",
            Op::SignIn => "sign in",
        }
    }
}

/// What one client saw.
#[derive(Default)]
struct ClientLog {
    latencies: BTreeMap<Op, Vec<Duration>>,
    errors: Vec<String>,
    invited: Vec<String>,
    /// The last acknowledged role of each person this client changed (each person is changed
    /// by one client only, so the last acknowledgement is the truth).
    roles: BTreeMap<i64, Role>,
}

/// Accepts on one loopback port and hands each connection to the next server in turn.
async fn balancer(backends: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let backends: Vec<String> = backends
        .into_iter()
        .map(|b| b.trim_start_matches("http://").to_owned())
        .collect();
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            let backend = backends[next.fetch_add(1, Ordering::Relaxed) % backends.len()].clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(&backend).await {
                    let _ = inbound.set_nodelay(true);
                    let _ = outbound.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    address
}

/// An organisation with room for every invitation and one Pending person per client whose
/// role the client changes back and forth.
async fn prepared(engine: Engine, clients: usize) -> (TestDatabase, i64, Vec<i64>) {
    let mut app = TestApp::spawn(engine).await;
    let acme = app.set_up().await.last_account.unwrap();
    app.set_extra_seats(acme, 1_000_000).await;
    let emails: Vec<String> = (0..clients)
        .map(|i| format!("target{i}@soak.example"))
        .collect();
    let response = app
        .api
        .post(
            &format!("/api/v1/accounts/{}/invitations", acme.0),
            &json!({ "emails": emails, "grants": [{ "role": "basic", "accounts": [acme] }] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mut targets = Vec::new();
    let mut cursor = String::new();
    loop {
        let found: PeoplePage = app
            .api
            .get_ok(&format!(
                "/api/v1/accounts/{}/people?q=target&per_page=100&cursor={cursor}",
                acme.0
            ))
            .await;
        targets.extend(found.people.iter().map(|p: &PersonRow| p.id.0));
        match found.next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    assert_eq!(targets.len(), clients);
    (app.stop_server().await, acme.0, targets)
}

async fn run_client(
    base: String,
    index: usize,
    acme: i64,
    target: i64,
    until: Instant,
) -> ClientLog {
    let mut log = ClientLog::default();
    let api = ApiClient::new(&base);
    api.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let mut n: u64 = index as u64 * 7919;
    let mut round = 0u64;
    while Instant::now() < until {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        round += 1;
        let op = Op::pick(n >> 33);
        let started = Instant::now();
        let outcome: Result<(), String> = match op {
            Op::List => {
                let sort = ["name", "email", "status", "last_sign_in"][((n >> 40) % 4) as usize];
                let r = api
                    .get(&format!(
                        "/api/v1/accounts/{acme}/people?per_page=50&sort={sort}"
                    ))
                    .await;
                status(r, 200).await
            }
            Op::Search => {
                let q = ["target1", "soak", "c3r", "olivia", "zz"][((n >> 40) % 5) as usize];
                let r = api
                    .get(&format!("/api/v1/accounts/{acme}/people?q={q}&per_page=50"))
                    .await;
                status(r, 200).await
            }
            Op::Invite => {
                let email = format!("c{index}r{round}@soak.example");
                let r = api
                    .post(
                        &format!("/api/v1/accounts/{acme}/invitations"),
                        &json!({ "emails": [email], "grants": [{ "role": "basic", "accounts": [acme] }] }),
                    )
                    .await;
                let result = status(r, 200).await;
                if result.is_ok() {
                    log.invited.push(email);
                }
                result
            }
            Op::RoleChange => {
                let role = if round.is_multiple_of(2) {
                    Role::Reporting
                } else {
                    Role::Basic
                };
                let r = api
                    .put(
                        &format!("/api/v1/accounts/{acme}/people/{target}/access"),
                        &json!({ "access": [{ "account": acme, "role": role }] }),
                    )
                    .await;
                let result = status(r, 200).await;
                if result.is_ok() {
                    log.roles.insert(target, role);
                }
                result
            }
            Op::SignIn => {
                // A new browser: its own cookie jar.
                let fresh = ApiClient::new(&base);
                status(fresh.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await, 200).await
            }
        };
        let elapsed = started.elapsed();
        log.latencies.entry(op).or_default().push(elapsed);
        if let Err(e) = outcome {
            log.errors.push(format!("{}: {e}", op.name()));
        }
    }
    log
}

async fn status(response: reqwest::Response, expected: u16) -> Result<(), String> {
    let got = response.status().as_u16();
    if got == expected {
        // Read the body: a response is only complete once it has been received.
        response.bytes().await.map(drop).map_err(|e| e.to_string())
    } else {
        Err(format!(
            "{got} {}",
            response.text().await.unwrap_or_default()
        ))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

async fn soak(engine: Engine, replicas: usize) {
    let seconds = setting("ROSTER_SOAK_SECONDS", 60);
    let clients = setting("ROSTER_SOAK_CLIENTS", 200) as usize;
    let (database, acme, targets) = prepared(engine, clients).await;
    let mut servers = Vec::new();
    for _ in 0..replicas {
        servers.push(ServerProcess::start(&database.url, &ChildOptions::default()).await);
    }
    let base = if replicas == 1 {
        servers[0].address.clone()
    } else {
        balancer(servers.iter().map(|s| s.address.clone()).collect()).await
    };
    let label = format!(
        "{} ({} server process{})",
        match engine {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        },
        replicas,
        if replicas == 1 {
            ""
        } else {
            "es behind one port"
        }
    );
    println!("soak: {label}: {clients} clients for {seconds} s");

    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|i| tokio::spawn(run_client(base.clone(), i, acme, targets[i], until)))
        .collect();
    let mut logs = Vec::new();
    for task in tasks {
        logs.push(task.await.expect("a client task"));
    }
    let wall = started.elapsed();

    // Report.
    let mut all: BTreeMap<Op, Vec<Duration>> = BTreeMap::new();
    let mut every = Vec::new();
    let mut errors = Vec::new();
    let mut invited = Vec::new();
    let mut roles = BTreeMap::new();
    for log in logs {
        for (op, mut latencies) in log.latencies {
            every.extend_from_slice(&latencies);
            all.entry(op).or_default().append(&mut latencies);
        }
        errors.extend(log.errors);
        invited.extend(log.invited);
        roles.extend(log.roles);
    }
    every.sort();
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>9}",
        "operation", "requests", "req/s", "p50 ms", "p99 ms"
    );
    for (op, latencies) in all.iter_mut() {
        latencies.sort();
        println!(
            "{:<12} {:>9} {:>9.0} {:>9.1} {:>9.1}",
            op.name(),
            latencies.len(),
            latencies.len() as f64 / wall.as_secs_f64(),
            percentile(latencies, 0.5).as_secs_f64() * 1000.0,
            percentile(latencies, 0.99).as_secs_f64() * 1000.0
        );
    }
    println!(
        "{:<12} {:>9} {:>9.0} {:>9.1} {:>9.1}   errors: {}",
        "all",
        every.len(),
        every.len() as f64 / wall.as_secs_f64(),
        percentile(&every, 0.5).as_secs_f64() * 1000.0,
        percentile(&every, 0.99).as_secs_f64() * 1000.0,
        errors.len()
    );
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert!(!invited.is_empty() && !roles.is_empty(), "the workload ran");

    // Nothing lost: read the database itself, not through a server.
    for server in servers {
        server.kill().await;
    }
    let pool = database.pool().await;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT email_key FROM users WHERE email_key LIKE '%@soak.example'")
            .fetch_all(&pool)
            .await
            .unwrap();
    let stored: std::collections::BTreeSet<String> =
        stored.into_iter().map(|e| e.to_lowercase()).collect();
    let missing: Vec<&String> = invited.iter().filter(|e| !stored.contains(*e)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged invitations missing",
        missing.len()
    );
    // The per-organisation counts kept by triggers (seats, the list total) survived thousands
    // of concurrent invitations (on PostgreSQL from two processes) without drifting.
    let drifted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM member_counts c WHERE c.accepted + c.invited <> \
         (SELECT COUNT(*) FROM tree_members t WHERE t.root_id = c.root_id) \
         OR c.accepted <> (SELECT COUNT(*) FROM tree_members t \
                           WHERE t.root_id = c.root_id AND t.accepted_at IS NOT NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(drifted, 0, "organisations whose kept member counts drifted");
    let app = TestApp::spawn_on(database, |_| {}).await;
    app.api.sign_in_ok(OWNER_EMAIL, OWNER_PASSWORD).await;
    let mut wrong = 0;
    for (user, role) in &roles {
        let person: serde_json::Value = app
            .api
            .get_ok(&format!("/api/v1/accounts/{acme}/people/{user}"))
            .await;
        let text = person.to_string();
        if !text.contains(&format!("\"role\":\"{}\"", role.as_str())) {
            wrong += 1;
        }
    }
    assert_eq!(wrong, 0, "people whose last acknowledged role was lost");
    println!(
        "soak: {label}: nothing lost ({} invitations, {} role changes checked)",
        invited.len(),
        roles.len()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a minute of load: make soak"]
async fn soak_sqlite() {
    soak(Engine::Sqlite, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a minute of load: make soak"]
async fn soak_postgres_two_replicas() {
    soak(Engine::Postgres, 2).await;
}
