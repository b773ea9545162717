//! Roster alone: what its Prometheus metrics cost. Two fresh servers, each on its own demo of
//! the same size seeded as [`roster::start`] seeds one (no invitees: only the Owner's requests
//! run): one as `roster serve` runs in the other steps, metrics off (nothing recorded), the
//! other with `--metrics-listen` (every request counted and timed by its route, every SQL
//! statement timed from sqlx's events). "session" and "invite 1", exactly as the compared
//! operations send them, run on both under the same wrk load, alternating the two round after
//! round (which one goes first too), after an unrecorded warm-up round. Then one scrape of
//! `/metrics` on the metrics listener: its time, its size, and whether it counted anything.
//!
//! `BENCH_METRICS=0` skips it. The rounds are `BENCH_ROUNDS`, at least [`MIN_ROUNDS`]: a few
//! percent is within a run's noise, so each side's figure is a median.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::api::Api;
use crate::progress::Progress;
use crate::report::{self, Measurement, Summary};
use crate::roster::{self, Roster};
use crate::scenario::Operation;

/// What metrics may cost each operation's throughput.
pub const BUDGET_SHARE: f64 = 0.05;
/// The operations measured with and without.
const OPERATIONS: [Operation; 2] = [Operation::Session, Operation::CreateInvitation];
/// At least this many recorded rounds on each server: one round of the session run moved by
/// up to 9 % either way, about twice the budget.
const MIN_ROUNDS: usize = 5;
/// The two servers, as the runs and the table name them.
const OFF: &str = "roster, metrics off";
const ON: &str = "roster, metrics on";
/// A family every scrape of a server that answered requests holds samples of.
const REQUESTS_COUNTED: &str = "roster_http_request_duration_seconds_count";
/// The statement timings' family (a sample only once sqlx reported a statement).
const STATEMENTS_TIMED: &str = "roster_db_query_duration_seconds_count";

/// Whether the step runs (`BENCH_METRICS=0` skips it).
pub fn wanted() -> bool {
    std::env::var("BENCH_METRICS").map_or(true, |value| value != "0")
}

/// Both servers' runs, and the scrape.
pub struct MetricsCost {
    rounds: usize,
    measurements: Vec<Measurement>,
    scrape: Scrape,
}

/// One `GET /metrics` after the runs.
struct Scrape {
    took: Duration,
    bytes: usize,
    lines: usize,
    /// Answers to the session request that the server counted (all rounds and warm-up, and
    /// the setup's few).
    sessions_counted: u64,
    statements_timed: bool,
}

/// Starts the two servers, runs the operations on both in turn, scrapes, and stops them.
pub fn measure(
    progress: &mut Progress,
    api: &Api,
    settings: &crate::Settings,
) -> Result<MetricsCost> {
    // `roster serve` reads these too: inherited, they would turn metrics on in the server
    // meant to run without.
    for name in ["ROSTER_METRICS_LISTEN", "ROSTER_METRICS_TOKEN"] {
        if std::env::var_os(name).is_some() {
            bail!(
                "{name} is set: the server measured without metrics would have them; unset it (or BENCH_METRICS=0)"
            );
        }
    }
    let metrics_address = format!("127.0.0.1:{}", roster::free_port()?);
    let mut off = roster::start(&settings.root, api, settings.people, 0)
        .context("starting the server without metrics")?;
    off.target.name = OFF;
    let mut on = roster::start_with_flags(
        &settings.root,
        api,
        settings.people,
        0,
        &["--metrics-listen".to_owned(), metrics_address.clone()],
    )
    .context("starting the server with metrics")?;
    on.target.name = ON;
    for roster in [&off, &on] {
        println!(
            "{} serves {} (pid {})",
            roster.target.name, roster.target.base_url, roster.target.pid
        );
    }
    println!("{ON}: /metrics at http://{metrics_address}/metrics");

    let rounds = settings.rounds.max(MIN_ROUNDS);
    let mut measurements = Vec::new();
    for operation in OPERATIONS {
        for round in 0..=rounds {
            // Each goes first every other round: the first of a pair runs on a machine that
            // has just been idle, the second right after the other's run and its emails.
            let servers: [&mut Roster; 2] = if round % 2 == 1 {
                [&mut off, &mut on]
            } else {
                [&mut on, &mut off]
            };
            for roster in servers {
                let run = crate::compare(
                    progress,
                    api,
                    settings,
                    operation,
                    round,
                    &mut roster.target,
                    roster.server.dir(),
                )
                .with_context(|| format!("{} on {}", operation.name(), roster.target.name))?;
                if round > 0 {
                    measurements.push(run);
                }
            }
        }
    }

    let url = format!("http://{metrics_address}/metrics");
    let started = Instant::now();
    let reply = api.get(&url).with_context(|| format!("scraping {url}"))?;
    let took = started.elapsed();
    if reply.status != 200 {
        bail!("{url} answered {}: {}", reply.status, reply.body);
    }
    if !reply.body.contains(REQUESTS_COUNTED) {
        bail!(
            "{url} has no {REQUESTS_COUNTED} after the runs: the server with metrics on counted no request, so the comparison measured nothing; it answered:\n{}",
            reply.body
        );
    }
    let session_path = on.target.session.path.clone();
    let scrape = Scrape {
        took,
        bytes: reply.body.len(),
        lines: reply.body.lines().count(),
        sessions_counted: counted(&reply.body, &session_path),
        statements_timed: reply.body.contains(STATEMENTS_TIMED),
    };
    drop(on);
    drop(off);
    Ok(MetricsCost {
        rounds,
        measurements,
        scrape,
    })
}

/// The successful answers `route` had, summed over its methods, from a scrape's
/// `roster_http_request_duration_seconds_count{method="…",route="…",status="2xx"} N` lines.
fn counted(scrape: &str, route: &str) -> u64 {
    let route_label = format!("route=\"{route}\"");
    scrape
        .lines()
        .filter(|line| line.starts_with(&format!("{REQUESTS_COUNTED}{{")))
        .filter(|line| line.contains(&route_label) && line.contains("status=\"2xx\""))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|count| count as u64)
        .sum()
}

/// One operation on both servers, summed up.
struct Cost {
    operation: Operation,
    off: Summary,
    on: Summary,
    off_cpu: Duration,
    on_cpu: Duration,
}

impl Cost {
    /// The throughput metrics take away, as a share of it without (negative: faster with).
    fn share(&self) -> f64 {
        1.0 - self.on.requests_per_sec / self.off.requests_per_sec
    }

    /// The server CPU each request took more with metrics, as a share of it without
    /// (negative: less). What the budget is read on: wrk shares the machine's two cores with
    /// the server, so throughput moved by up to 13 % between rounds of the same server, while
    /// the server's own CPU per request moved far less.
    fn cpu_share(&self) -> f64 {
        self.on_cpu.as_secs_f64() / self.off_cpu.as_secs_f64() - 1.0
    }

    fn errors(&self) -> u64 {
        self.off.errors + self.on.errors
    }
}

/// The median over `target`'s rounds of `operation` of the server's CPU per request.
fn cpu_per_request(measurements: &[Measurement], operation: &str, target: &str) -> Duration {
    let each: Vec<f64> = measurements
        .iter()
        .filter(|m| m.scenario == operation && m.target == target && m.wrk.requests > 0)
        .map(|m| m.server_cpu.as_secs_f64() / m.wrk.requests as f64)
        .collect();
    if each.is_empty() {
        return Duration::ZERO;
    }
    let median = report::median(&each);
    Duration::from_secs_f64(median)
}

impl MetricsCost {
    fn costs(&self) -> Vec<Cost> {
        OPERATIONS
            .iter()
            .filter_map(|&operation| {
                Some(Cost {
                    operation,
                    off: report::summarize(&self.measurements, operation.name(), OFF)?,
                    on: report::summarize(&self.measurements, operation.name(), ON)?,
                    off_cpu: cpu_per_request(&self.measurements, operation.name(), OFF),
                    on_cpu: cpu_per_request(&self.measurements, operation.name(), ON),
                })
            })
            .collect()
    }

    /// The table: each operation without and with metrics, and the difference.
    pub fn print(&self) {
        println!(
            "{:<12} {:>5} {:>10} {:>10} {:>8} {:>11} {:>11} {:>8} {:>11} {:>11} {:>9} {:>9} {:>7}",
            "operation",
            "conns",
            "off req/s",
            "on req/s",
            "change",
            "off µs/req",
            "on µs/req",
            "change",
            "off p99 ms",
            "on p99 ms",
            "off MB",
            "on MB",
            "errors"
        );
        for cost in self.costs() {
            println!(
                "{:<12} {:>5} {:>10.0} {:>10.0} {:>7.1}% {:>11.1} {:>11.1} {:>7.1}% {:>11.2} {:>11.2} {:>9.1} {:>9.1} {:>7}",
                cost.operation.name(),
                cost.off.connections,
                cost.off.requests_per_sec,
                cost.on.requests_per_sec,
                -cost.share() * 100.0,
                cost.off_cpu.as_secs_f64() * 1e6,
                cost.on_cpu.as_secs_f64() * 1e6,
                cost.cpu_share() * 100.0,
                cost.off.p99.as_secs_f64() * 1e3,
                cost.on.p99.as_secs_f64() * 1e3,
                cost.off.peak_rss_bytes as f64 / 1e6,
                cost.on.peak_rss_bytes as f64 / 1e6,
                cost.errors()
            );
        }
        println!(
            "metrics: two fresh servers on demos of the same size, one with --metrics-listen (on), one without (off); medians of {} rounds each, alternating, after a warm-up; µs/req: the server's CPU (user and system) per request; change: on against off; MB: peak RSS during the runs.",
            self.rounds
        );
        let scrape = &self.scrape;
        println!(
            "metrics: one scrape of /metrics after the runs took {:.1} ms and answered {} bytes ({} lines); it counted {} answers to the session request; statement timings {}",
            scrape.took.as_secs_f64() * 1e3,
            scrape.bytes,
            scrape.lines,
            scrape.sessions_counted,
            if scrape.statements_timed {
                "present"
            } else {
                "MISSING (no roster_db_query_duration_seconds sample)"
            }
        );
    }

    /// One budget line per operation.
    pub fn print_budgets(&self) {
        for cost in self.costs() {
            let errors = match cost.errors() {
                0 => String::new(),
                n => format!("; {n} answers ≥ 400 or socket errors"),
            };
            report::verdict(
                cost.cpu_share() <= BUDGET_SHARE && cost.errors() == 0,
                &format!(
                    "{}: metrics cost {:+.1}% of the server's CPU per request ({:.1} µs on vs {:.1} off; budget ≤ {:.0}%); throughput {:+.1}% ({:.0} req/s on vs {:.0} off){errors}",
                    cost.operation.name(),
                    cost.cpu_share() * 100.0,
                    cost.on_cpu.as_secs_f64() * 1e6,
                    cost.off_cpu.as_secs_f64() * 1e6,
                    BUDGET_SHARE * 100.0,
                    -cost.share() * 100.0,
                    cost.on.requests_per_sec,
                    cost.off.requests_per_sec,
                ),
            );
        }
    }

    /// The runs that had errors, for the exit status.
    pub fn failed_runs(&self) -> Vec<String> {
        self.measurements
            .iter()
            .filter(|m| m.wrk.errors() > 0)
            .map(|m| format!("{} on {} (round {})", m.scenario, m.target, m.round))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successful_answers_are_read_from_a_scrape() {
        let scrape = "\
# TYPE roster_http_request_duration_seconds histogram
roster_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/session\",status=\"2xx\"} 1200
roster_http_request_duration_seconds_count{method=\"DELETE\",route=\"/api/v1/session\",status=\"2xx\"} 3
roster_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/session\",status=\"4xx\"} 7
roster_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/session/other\",status=\"2xx\"} 9
roster_http_request_duration_seconds_sum{method=\"GET\",route=\"/api/v1/session\",status=\"2xx\"} 1200
";
        assert_eq!(counted(scrape, "/api/v1/session"), 1203);
        assert_eq!(counted(scrape, "/api/v1/health"), 0);
    }
}
