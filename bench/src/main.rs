//! `make bench`: what Roster costs a visitor and a server, measured by one program, side by
//! side with a rival (better-auth with its organization plugin, on Node and SQLite).
//!
//! 1. The web app's first-visit transfer, against its brotli budget.
//! 2. Roster (release) on a fresh SQLite file filled by `roster demo --people 10000`.
//! 3. Roster alone: health, a search of the Users list.
//! 4. The rival, installed (`npm ci`) and seeded with the same organisation; if it cannot be,
//!    the reason is printed and Roster's figures still come out.
//! 5. The argon2id floor: how many sign-ins per second one core allows at best.
//! 6. Each compared operation (sign in, session, a page of 50 people, invite one, accept one)
//!    under wrk, alternating Roster and the rival round after round, same load and duration,
//!    after an unrecorded warm-up round.
//! 7. Roster alone: one invitation of 1,000 addresses, until all 1,000 emails are delivered;
//!    webhooks (what an endpoint adds to such an invitation, and its deliveries per second);
//!    what the Prometheus metrics cost session and invite 1 (see [`metrics_cost`]);
//!    then at a large organisation (`BENCH_SCALE_PEOPLE`, default 100,000; 0 skips), on SQLite
//!    and on PostgreSQL (`BENCH_POSTGRES_URL`): each Users-list question one at a time, and the
//!    CSV export of everyone (see [`scale`]).
//! 8. One table, then PASS/FAIL budget lines. The exit status fails only for Roster: a server
//!    that does not start, or runs with errors; the budgets are reported, not enforced.
//!
//! Usage: `roster-bench [REPO_ROOT]` (default: the current directory), with
//! `BENCH_CONNECTIONS` (default 32), `BENCH_DURATION` (wrk's syntax, default `5s`),
//! `BENCH_ROUNDS` (default 2), `BENCH_PEOPLE` (default 10000), `BENCH_INVITEES` and
//! `BENCH_RIVAL_INVITEES` (invitations seeded for "accept 1" on Roster, default 40000, and on
//! the rival, default 6000), `BENCH_RIVAL=0` to skip the rival and `BENCH_METRICS=0` to skip
//! the metrics' cost.
//!
//! # Layout
//! - [`progress`]: step headings, as `scripts/lib.sh` prints them.
//! - [`transfer`]: the first-visit transfer table and its budget.
//! - [`server`]: a server process that never outlives the runner, even on a panic.
//! - [`roster`]: Roster started, seeded and signed in; its 1,000-address invitation.
//! - [`roster_db`]: what the runner reads and writes in Roster's SQLite file directly.
//! - [`scale`]: the Users list at a large organisation, on both engines.
//! - [`rival`]: better-auth installed, seeded and started (`bench/rival/server.mjs`).
//! - [`target`]: a server under test as the operations see it.
//! - [`api`]: the few HTTP calls the runner makes itself.
//! - [`hash_floor`]: the argon2id floor under sign-in.
//! - [`passkey`]: sign-in with a passkey, beside the password's.
//! - [`scenario`]: the compared operations and Roster's own scenarios.
//! - [`wrk`]: the load generator: Lua script out, `--latency` report in.
//! - [`webhooks`]: what an endpoint adds to an invitation, and deliveries per second.
//! - [`metrics_cost`]: session and invite 1 with the Prometheus metrics on and off.
//! - [`report`]: the results table and the budget lines.

mod api;
mod hash_floor;
mod metrics_cost;
mod passkey;
mod progress;
mod report;
mod rival;
mod roster;
mod roster_db;
mod scale;
mod scenario;
mod server;
mod target;
mod transfer;
mod webhooks;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::api::Api;
use crate::hash_floor::HashFloor;
use crate::progress::Progress;
use crate::report::Measurement;
use crate::scenario::{Operation, Solo};
use crate::target::Target;

/// Hashes timed for the floor, after one to warm up: the median of an odd count.
const HASH_SAMPLES: usize = 7;
/// The unrecorded round 0 of each operation on each server.
const WARM_UP: &str = "1s";

struct Settings {
    root: PathBuf,
    connections: u32,
    duration: String,
    rounds: usize,
    people: usize,
    /// Invitations seeded for "accept 1" on Roster…
    invitees: usize,
    /// …and on the rival (several times slower at it, so fewer do).
    rival_invitees: usize,
    rival: bool,
    /// The large organisation's people (0: not measured).
    scale_people: usize,
    postgres_url: String,
}

impl Settings {
    fn from_args_and_env() -> Result<Settings> {
        let root = match std::env::args_os().nth(1) {
            Some(root) => PathBuf::from(root),
            None => std::env::current_dir()?,
        };
        let root = root
            .canonicalize()
            .with_context(|| format!("the repository root {}", root.display()))?;
        let count = |name: &str, default: u32| -> Result<u32> {
            match std::env::var(name) {
                Ok(value) => parse_count(name, &value),
                Err(_) => Ok(default),
            }
        };
        Ok(Settings {
            root,
            connections: count("BENCH_CONNECTIONS", 32)?,
            duration: std::env::var("BENCH_DURATION").unwrap_or_else(|_| "5s".to_owned()),
            rounds: count("BENCH_ROUNDS", 2)? as usize,
            people: count("BENCH_PEOPLE", 10_000)? as usize,
            invitees: count("BENCH_INVITEES", 40_000)? as usize,
            rival_invitees: count("BENCH_RIVAL_INVITEES", 6_000)? as usize,
            rival: std::env::var("BENCH_RIVAL").map_or(true, |v| v != "0"),
            scale_people: match std::env::var("BENCH_SCALE_PEOPLE") {
                Ok(value) if value == "0" => 0,
                Ok(value) => parse_count("BENCH_SCALE_PEOPLE", &value)? as usize,
                Err(_) => 100_000,
            },
            postgres_url: std::env::var("BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned()),
        })
    }
}

/// A count of 1 or more (wrk needs at least one connection per thread).
fn parse_count(name: &str, value: &str) -> Result<u32> {
    value
        .parse()
        .ok()
        .filter(|&n: &u32| n >= 1)
        .with_context(|| format!("{name}={value:?} is not a count of 1 or more"))
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("\n\x1b[1;31mbench failed:\x1b[0m {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every step; `Ok(false)` when a Roster run had errors.
fn run() -> Result<bool> {
    let settings = Settings::from_args_and_env()?;
    let mut progress = Progress::default();

    progress.step("Web app: first-visit transfer in bytes (raw, gzip -9, brotli -q 11)");
    let transfer = transfer::measure(&settings.root.join("dist"))?;
    transfer.print();

    progress.step(&format!(
        "Starting Roster (release) on a fresh SQLite file: a demo of {} people, {} invitations to accept",
        settings.people, settings.invitees
    ));
    let api = Api::new()?;
    let mut roster = roster::start(&settings.root, &api, settings.people, settings.invitees)?;
    println!(
        "{} serves {} (pid {}); signed in as the demo's Owner",
        roster.target.name, roster.target.base_url, roster.target.pid
    );

    let mut measurements = Vec::new();
    let solos = [
        Solo {
            name: "health",
            request: wrk::Request::get("/api/v1/health"),
        },
        Solo {
            name: "search 50",
            request: roster.search(),
        },
    ];
    for solo in &solos {
        let load = wrk::Load {
            connections: settings.connections,
            duration: settings.duration.clone(),
        };
        let measurement = measure(
            &mut progress,
            &roster.target,
            solo.name,
            1,
            &solo.request,
            &load,
            roster.server.dir(),
        )
        .with_context(|| format!("scenario {}", solo.name))?;
        measurement.print_summary();
        measurements.push(measurement);
    }

    let rival = if settings.rival {
        progress.step(&format!(
            "Starting the rival: better-auth + organization plugin on Node and SQLite, {} people, {} invitations to accept",
            settings.people, settings.rival_invitees
        ));
        match rival::start(
            &settings.root,
            &api,
            settings.people,
            settings.rival_invitees,
        ) {
            Ok((server, target)) => {
                println!(
                    "{} serves {} (pid {})",
                    target.name, target.base_url, target.pid
                );
                Some((server, target))
            }
            Err(error) => {
                println!("\x1b[1;33mthe rival is not measured:\x1b[0m {error:#}");
                None
            }
        }
    } else {
        None
    };
    for target in std::iter::once(&roster.target).chain(rival_target_ref(&rival)) {
        let (shown, total) = target.list_page(&api)?;
        println!(
            "{}: its list page shows {shown} people of {total}",
            target.name
        );
    }
    let rival_missing = match (&rival, settings.rival) {
        (Some(_), _) => None,
        (None, true) => Some("the rival could not be started; see above"),
        (None, false) => Some("BENCH_RIVAL=0"),
    };
    let (rival_server, mut rival_target) = match rival {
        Some((server, target)) => (Some(server), Some(target)),
        None => (None, None),
    };

    // What seeding cost (the demo, then tens of thousands of invitations sent and delivered
    // through the API): reported beside the budget, which is per measured operation.
    let roster_peak_seeding = roster.target.peak_rss_bytes()?;

    // Right before the sign-in runs (the first operation), so that the floor and the runs see
    // the same machine: on a shared one, other work changes the hash time by tens of percent.
    progress.step("argon2id: the floor under sign-in (on the runner's thread, servers idle)");
    let floor = HashFloor::measure(HASH_SAMPLES);
    floor.print();

    for operation in Operation::ALL {
        // Round 0 warms up, unrecorded: the rival's JIT compiles its hot paths, and both
        // servers fill their caches and connection pools.
        for round in 0..=settings.rounds {
            let roster_run = compare(
                &mut progress,
                &api,
                &settings,
                operation,
                round,
                &mut roster.target,
                roster.server.dir(),
            )
            .with_context(|| format!("{} on roster", operation.name()))?;
            if round > 0 {
                measurements.push(roster_run);
            }
            if let (Some(target), Some(server)) = (rival_target.as_mut(), rival_server.as_ref()) {
                // A rival failing mid-way is its figures' problem, not Roster's: reported,
                // and the rest goes on.
                match compare(
                    &mut progress,
                    &api,
                    &settings,
                    operation,
                    round,
                    target,
                    server.dir(),
                ) {
                    Ok(run) if round > 0 => measurements.push(run),
                    Ok(_) => {}
                    Err(error) => println!(
                        "\x1b[1;33mthe rival's {} run failed:\x1b[0m {error:#}",
                        operation.name()
                    ),
                }
            }
        }
    }

    progress.step("Roster alone: sign-in with a passkey (a challenge, then the signed answer)");
    let passkey_sign_ins = passkey::measure(
        &api,
        &roster.target.base_url,
        &roster.owner,
        &roster.owner_password,
        Duration::from_secs(10),
    )?;
    passkey_sign_ins.print();

    // Last, so that its 1,000 new people are not in the list the operations above page through.
    progress.step(
        "Roster alone: one invitation of 1,000 new addresses, until every email is delivered",
    );
    let bulk = roster.invite_a_thousand(&api)?;
    report::print_bulk(&bulk);
    progress.step("Roster alone: webhooks (an invitation of 1,000 with and without an endpoint, and its 1,000 deliveries)");
    let hooks = webhooks::measure(&roster, &api)?;
    hooks.print();
    let metrics = if metrics_cost::wanted() {
        progress.step(
            "Roster alone: what its metrics cost (two fresh servers, one with --metrics-listen)",
        );
        let metrics =
            metrics_cost::measure(&mut progress, &api, &settings).context("the metrics' cost")?;
        metrics.print();
        Some(metrics)
    } else {
        None
    };

    let mut scale_runs = Vec::new();
    if settings.scale_people > 0 {
        for engine in [
            scale::Engine::Sqlite,
            scale::Engine::Postgres(settings.postgres_url.clone()),
        ] {
            progress.step(&format!(
                "Roster alone at {} people: the Users list one request at a time, then its CSV export",
                settings.scale_people
            ));
            scale_runs.push(scale::measure(
                &settings.root,
                &api,
                &engine,
                settings.scale_people,
            ));
        }
    }

    progress.step("Results");
    let solo_summaries: Vec<_> = solos
        .iter()
        .filter_map(|s| report::summarize(&measurements, s.name, "roster"))
        .collect();
    let compared: Vec<_> = Operation::ALL
        .iter()
        .filter_map(|&operation| {
            let roster = report::summarize(&measurements, operation.name(), "roster")?;
            let rival = report::summarize(&measurements, operation.name(), "rival");
            Some((operation, roster, rival))
        })
        .collect();
    report::print_table(&solo_summaries, &compared);
    println!();
    report::print_bulk(&bulk);
    hooks.print();
    println!();
    floor.print();
    passkey_sign_ins.print();
    println!();
    if let Some(metrics) = &metrics {
        metrics.print();
        println!();
    }
    if !scale_runs.is_empty() {
        scale::print(&scale_runs, settings.scale_people);
        println!();
    }
    report::print_budgets(
        Some((transfer.total().brotli, transfer::BROTLI_BUDGET_BYTES)),
        &compared,
        rival_missing,
        &floor,
        roster_peak_seeding,
        bulk.peak_rss_bytes,
    );
    if let Some(metrics) = &metrics {
        metrics.print_budgets();
    }
    scale::print_budgets(&scale_runs);
    drop(rival_server);
    drop(roster);
    progress.done();

    let mut failed: Vec<String> = measurements
        .iter()
        .filter(|m| m.target == "roster" && m.wrk.errors() > 0)
        .map(|m| format!("{} (round {})", m.scenario, m.round))
        .collect();
    failed.extend(
        metrics
            .iter()
            .flat_map(metrics_cost::MetricsCost::failed_runs),
    );
    if !failed.is_empty() {
        eprintln!(
            "\n\x1b[1;31mRoster runs with errors:\x1b[0m {}",
            failed.join(", ")
        );
        return Ok(false);
    }
    Ok(true)
}

fn rival_target_ref(rival: &Option<(server::ServerProcess, Target)>) -> Option<&Target> {
    rival.as_ref().map(|(_, target)| target)
}

/// One round of `operation` on `target`, then whatever the run left to do (Roster's emails)
/// before the next server's turn.
fn compare(
    progress: &mut Progress,
    api: &Api,
    settings: &Settings,
    operation: Operation,
    round: usize,
    target: &mut Target,
    scratch: &Path,
) -> Result<Measurement> {
    let request = operation.request(target, round, scratch)?;
    let load = wrk::Load {
        connections: operation.connections().resolve(settings.connections),
        duration: if round == 0 {
            WARM_UP.to_owned()
        } else {
            settings.duration.clone()
        },
    };
    let mut measurement = measure(
        progress,
        target,
        operation.name(),
        round,
        &request,
        &load,
        scratch,
    )?;
    measurement.pool_exhausted = operation.after_run(target, &measurement.wrk, load.connections);
    if let Some(db) = &target.outbox_db {
        measurement.mail_drained = Some(roster::wait_for_outbox(api, db)?)
            .filter(|drained| *drained > Duration::from_millis(100));
    }
    measurement.print_summary();
    // A moment for the server to settle (sockets in TIME_WAIT, a collector) before the next.
    std::thread::sleep(Duration::from_millis(500));
    Ok(measurement)
}

/// Drives `target` with `request` under wrk, then reads the server's peak memory.
fn measure(
    progress: &mut Progress,
    target: &Target,
    scenario: &'static str,
    round: usize,
    request: &wrk::Request,
    load: &wrk::Load,
    scratch: &Path,
) -> Result<Measurement> {
    let what = format!("{} {}", request.method, request.path);
    let label = if round == 0 {
        "warm-up".to_owned()
    } else {
        format!("round {round}")
    };
    progress.step(&format!(
        "{scenario} ({label}): {what} on {} for {}, {} connections (wrk, 1 thread)",
        target.name, load.duration, load.connections
    ));
    // The peak of this run alone ("for each operation"), not of the seeding before it.
    target.reset_peak_rss()?;
    let cpu_before = target.cpu_time()?;
    let report = wrk::run(&target.base_url, request, load, scratch)?;
    let server_cpu = target.cpu_time()?.saturating_sub(cpu_before);
    Ok(Measurement {
        target: target.name,
        scenario,
        round,
        connections: load.connections,
        wrk: report,
        peak_rss_bytes: target.peak_rss_bytes()?,
        server_cpu,
        pool_exhausted: false,
        mail_drained: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_one_or_more() {
        assert_eq!(parse_count("BENCH_CONNECTIONS", "4").unwrap(), 4);
        assert!(parse_count("BENCH_CONNECTIONS", "0").is_err());
        let error = parse_count("BENCH_ROUNDS", "many").unwrap_err().to_string();
        assert!(error.contains("BENCH_ROUNDS"), "{error}");
    }

    #[test]
    fn a_missing_dist_is_explained() {
        let empty = tempfile::tempdir().unwrap();
        let error = transfer::measure(empty.path()).err().unwrap().to_string();
        assert!(error.contains("make web"), "{error}");
    }

    #[test]
    fn connections_are_capped_for_cpu_bound_operations() {
        let sign_in = Operation::ALL
            .into_iter()
            .find(|o| o.hashes_a_password())
            .unwrap();
        assert_eq!(sign_in.connections().resolve(32), 4);
        assert_eq!(sign_in.connections().resolve(2), 2);
        assert_eq!(Operation::List.connections().resolve(32), 32);
    }
}
