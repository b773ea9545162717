//! `make bench`: what Roster costs a visitor and a server, measured by one program.
//!
//! 1. The web app's first-visit transfer, against its brotli budget.
//! 2. A release server on a fresh SQLite file, set up through its API.
//! 3. The argon2id floor: how many sign-ins per second this machine allows at best.
//! 4. Each scenario under wrk; the server's peak memory after each.
//! 5. One table of results. The exit status fails only if the server cannot start or a
//!    scenario had errors; budgets are reported, not enforced.
//!
//! Usage: `roster-bench [REPO_ROOT]` (default: the current directory), with
//! `BENCH_CONNECTIONS` (default 32) and `BENCH_DURATION` (wrk's syntax, default `10s`).
//!
//! # Layout
//! - [`progress`]: step headings, as `scripts/lib.sh` prints them.
//! - [`transfer`]: the first-visit transfer table and its budget.
//! - [`server`]: a server process that never outlives the runner, even on a panic.
//! - [`roster`]: Roster started, set up and signed in: a [`target::Target`].
//! - [`target`]: a server under test as scenarios see it (address, process, owner's auth).
//! - [`api`]: the few HTTP calls the runner makes itself.
//! - [`hash_floor`]: the argon2id floor under sign-in.
//! - [`scenario`]: the list of scenarios; add one there.
//! - [`wrk`]: the load generator: Lua script out, `--latency` report in.
//! - [`report`]: the results table.
//!
//! A second target (a rival product, started by its own script) would be a module like
//! [`roster`] returning its own `(ServerProcess, Target)`; the scenario loop would then run
//! each scenario against each target in turn (A, B, A, B) and the table would gain a ratio.

mod api;
mod hash_floor;
mod progress;
mod report;
mod roster;
mod scenario;
mod server;
mod target;
mod transfer;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::api::Api;
use crate::hash_floor::HashFloor;
use crate::progress::Progress;
use crate::report::Measurement;
use crate::scenario::Scenario;
use crate::target::Target;

/// Hashes timed for the floor, after one to warm up: the median of an odd count.
const HASH_SAMPLES: usize = 7;

struct Settings {
    root: PathBuf,
    connections: u32,
    duration: String,
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
        let connections = match std::env::var("BENCH_CONNECTIONS") {
            Ok(value) => parse_connections(&value)?,
            Err(_) => 32,
        };
        let duration = std::env::var("BENCH_DURATION").unwrap_or_else(|_| "10s".to_owned());
        Ok(Settings {
            root,
            connections,
            duration,
        })
    }
}

/// wrk needs at least one connection per thread.
fn parse_connections(value: &str) -> Result<u32> {
    value
        .parse()
        .ok()
        .filter(|&n: &u32| n >= 1)
        .with_context(|| format!("BENCH_CONNECTIONS={value:?} is not a count of 1 or more"))
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

/// Runs every step; `Ok(false)` when a scenario had errors.
fn run() -> Result<bool> {
    let settings = Settings::from_args_and_env()?;
    let mut progress = Progress::default();

    progress.step("Web app: first-visit transfer in bytes (raw, gzip -9, brotli -q 11)");
    transfer::measure(&settings.root.join("dist"))?.print();

    progress.step("Starting Roster (release) on a fresh SQLite file; first-run setup via the API");
    let api = Api::new()?;
    let (server, target) = roster::start(&settings.root, &api)?;
    println!(
        "{} serves {} (pid {}); signed in as the Owner",
        target.name, target.base_url, target.pid
    );

    progress.step("argon2id: the floor under sign-in (on the runner's thread, server idle)");
    let floor = HashFloor::measure(HASH_SAMPLES);
    floor.print();

    let mut measurements = Vec::new();
    for scenario in scenario::all() {
        let measurement = measure(&scenario, &target, server.dir(), &settings, &mut progress)
            .with_context(|| format!("scenario {}", scenario.name))?;
        measurement.print_summary();
        measurements.push(measurement);
    }

    progress.step("Results");
    report::print_table(&measurements);
    println!();
    report::print_against_floor(&measurements, &floor);
    drop(server);
    progress.done();

    let failed: Vec<&str> = measurements
        .iter()
        .filter(|m| m.wrk.errors() > 0)
        .map(|m| m.scenario)
        .collect();
    if !failed.is_empty() {
        eprintln!(
            "\n\x1b[1;31mscenarios with errors:\x1b[0m {}",
            failed.join(", ")
        );
        return Ok(false);
    }
    Ok(true)
}

/// Drives `target` with `scenario` under wrk, then reads the server's peak memory.
fn measure(
    scenario: &Scenario,
    target: &Target,
    scratch: &Path,
    settings: &Settings,
    progress: &mut Progress,
) -> Result<Measurement> {
    let request = (scenario.request)(target);
    let load = wrk::Load {
        connections: scenario.connections.resolve(settings.connections),
        duration: settings.duration.clone(),
    };
    let what = format!("{} {}", request.method, request.path);
    progress.step(&format!(
        "{}: {what} on {} for {}, {} connections (wrk, 1 thread; the server has the other cores)",
        scenario.name, target.name, load.duration, load.connections
    ));
    let report = wrk::run(&target.base_url, &request, &load, scratch)?;
    Ok(Measurement {
        target: target.name.clone(),
        scenario: scenario.name,
        request: what,
        connections: load.connections,
        wrk: report,
        peak_rss_bytes: target.peak_rss_bytes()?,
        hashes_a_password: scenario.hashes_a_password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_count_is_one_or_more() {
        assert_eq!(parse_connections("4").unwrap(), 4);
        assert!(parse_connections("0").is_err());
        assert!(parse_connections("many").is_err());
    }

    #[test]
    fn a_missing_dist_is_explained() {
        let empty = tempfile::tempdir().unwrap();
        let error = transfer::measure(empty.path()).err().unwrap().to_string();
        assert!(error.contains("make web"), "{error}");
    }

    #[test]
    fn connections_are_capped_for_cpu_bound_scenarios() {
        let sign_in = scenario::all()
            .into_iter()
            .find(|s| s.hashes_a_password)
            .unwrap();
        assert_eq!(sign_in.connections.resolve(32), 4);
        assert_eq!(sign_in.connections.resolve(2), 2);
    }
}
