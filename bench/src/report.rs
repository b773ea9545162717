//! The results: a line after each run, then one table (each operation's rounds summed up per
//! server, with Roster/rival ratios) and the budget lines, PASS or FAIL.

use std::time::Duration;

use crate::hash_floor::HashFloor;
use crate::roster::BulkInvitation;
use crate::scenario::Operation;
use crate::wrk;

/// Roster's memory budget: its peak resident set over the whole benchmark.
pub const ROSTER_RSS_BUDGET_BYTES: u64 = 50_000_000;
/// Compared operations: Roster's throughput at least this many times the rival's…
pub const THROUGHPUT_FACTOR: f64 = 5.0;
/// …and its p99 at most this share of the rival's.
pub const P99_SHARE: f64 = 1.0 / 5.0;
/// Sign-in: at least this share of what one core can hash.
pub const SIGN_IN_FLOOR_SHARE: f64 = 0.9;

pub struct Measurement {
    pub target: &'static str,
    pub scenario: &'static str,
    /// 1-based; Roster-only scenarios run once.
    pub round: usize,
    pub connections: u32,
    pub wrk: wrk::Report,
    /// The server's peak resident memory after this run (the same server runs them all, so
    /// it only grows).
    pub peak_rss_bytes: u64,
    /// CPU time (user and system) the server process used during the run.
    pub server_cpu: Duration,
    /// The run needed more single-use requests than were seeded.
    pub pool_exhausted: bool,
    /// How long Roster's outbox took to empty after the run (the emails of its invitations).
    pub mail_drained: Option<Duration>,
}

impl Measurement {
    /// One line right after a run, before the whole table.
    pub fn print_summary(&self) {
        let mut line = format!(
            "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} requests, {} answers ≥ 400, {} socket errors, server peak RSS {:.1} MB",
            self.wrk.requests_per_sec,
            ms(self.wrk.p50),
            ms(self.wrk.p99),
            self.wrk.requests,
            self.wrk.non_2xx_3xx,
            self.wrk.socket_errors,
            mb(self.peak_rss_bytes)
        );
        if let Some(drained) = self.mail_drained {
            line += &format!(
                "; its emails were delivered {:.1} s later",
                drained.as_secs_f64()
            );
        }
        if self.pool_exhausted {
            line += "; RAN OUT of seeded invitations (raise BENCH_INVITEES)";
        }
        println!("{line}");
    }
}

/// One server's rounds of one scenario, summed up: the median of each figure.
pub struct Summary {
    pub scenario: &'static str,
    pub target: &'static str,
    pub rounds: usize,
    pub connections: u32,
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub errors: u64,
    pub peak_rss_bytes: u64,
    pub pool_exhausted: bool,
}

pub fn summarize(measurements: &[Measurement], scenario: &str, target: &str) -> Option<Summary> {
    let runs: Vec<&Measurement> = measurements
        .iter()
        .filter(|m| m.scenario == scenario && m.target == target)
        .collect();
    let first = runs.first()?;
    let rps: Vec<f64> = runs.iter().map(|m| m.wrk.requests_per_sec).collect();
    let p50: Vec<f64> = runs.iter().map(|m| m.wrk.p50.as_secs_f64()).collect();
    let p99: Vec<f64> = runs.iter().map(|m| m.wrk.p99.as_secs_f64()).collect();
    Some(Summary {
        scenario: first.scenario,
        target: first.target,
        rounds: runs.len(),
        connections: first.connections,
        requests_per_sec: median(&rps),
        p50: Duration::from_secs_f64(median(&p50)),
        p99: Duration::from_secs_f64(median(&p99)),
        errors: runs.iter().map(|m| m.wrk.errors()).sum(),
        peak_rss_bytes: runs.iter().map(|m| m.peak_rss_bytes).max().unwrap_or(0),
        pool_exhausted: runs.iter().any(|m| m.pool_exhausted),
    })
}

pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.is_empty() {
        0.0
    } else if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    }
}

const HEADER: [&str; 9] = [
    "operation",
    "server",
    "rounds",
    "conns",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "peak RSS MB",
];

fn print_row(cells: [String; 9]) {
    println!(
        "{:<12} {:<12} {:>6} {:>5} {:>10} {:>9} {:>9} {:>7} {:>12}",
        cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8]
    );
}

fn summary_row(s: &Summary) {
    print_row([
        s.scenario.to_owned(),
        s.target.to_owned(),
        s.rounds.to_string(),
        s.connections.to_string(),
        format!("{:.0}", s.requests_per_sec),
        format!("{:.2}", ms(s.p50)),
        format!("{:.2}", ms(s.p99)),
        if s.pool_exhausted {
            format!("{}*", s.errors)
        } else {
            s.errors.to_string()
        },
        format!("{:.1}", mb(s.peak_rss_bytes)),
    ]);
}

/// Roster's own scenarios, then each compared operation: Roster, the rival, and the ratio.
pub fn print_table(solo: &[Summary], compared: &[(Operation, Summary, Option<Summary>)]) {
    print_row(HEADER.map(str::to_owned));
    solo.iter().for_each(summary_row);
    for (_, roster, rival) in compared {
        summary_row(roster);
        if let Some(rival) = rival {
            summary_row(rival);
            print_row([
                String::new(),
                "roster/rival".to_owned(),
                String::new(),
                String::new(),
                format!("{:.2}×", roster.requests_per_sec / rival.requests_per_sec),
                format!("{:.3}×", ratio(roster.p50, rival.p50)),
                format!("{:.3}×", ratio(roster.p99, rival.p99)),
                String::new(),
                format!(
                    "{:.2}×",
                    roster.peak_rss_bytes as f64 / rival.peak_rss_bytes as f64
                ),
            ]);
        }
    }
    println!(
        "rounds: runs of each operation, alternating Roster and the rival; figures are medians of the rounds."
    );
    println!(
        "errors: answers of 400 or more plus socket errors (* = ran out of seeded invitations)."
    );
    println!(
        "peak RSS: the server's resident high-water mark during the operation's runs (reset before each run; memory held from before stays counted); 1 MB = 1,000,000 bytes."
    );
}

pub fn print_bulk(bulk: &BulkInvitation) {
    println!(
        "one invitation of {} addresses (Roster): the request took {:.0} ms; all {} emails were in the dev mailbox after {:.0} ms; server peak RSS {:.1} MB",
        bulk.addresses,
        ms(bulk.request),
        bulk.addresses,
        ms(bulk.delivered),
        mb(bulk.peak_rss_bytes)
    );
}

/// A PASS or FAIL line: misses are printed like passes, never hidden.
pub(crate) fn verdict(pass: bool, text: &str) {
    let word = if pass {
        "\x1b[32mPASS\x1b[0m"
    } else {
        "\x1b[1;31mFAIL\x1b[0m"
    };
    println!("{word}  {text}");
}

/// The budget lines: transfer size, each compared operation, sign-in against the floor, and
/// Roster's memory.
pub fn print_budgets(
    transfer: Option<(u64, u64)>,
    compared: &[(Operation, Summary, Option<Summary>)],
    rival_missing: Option<&str>,
    floor: &HashFloor,
    roster_peak_rss_seeding: u64,
    roster_peak_rss_bulk: u64,
) {
    if let Some((brotli, budget)) = transfer {
        verdict(
            brotli <= budget,
            &format!(
                "web app first visit: {:.1} KB brotli (budget {} KB)",
                brotli as f64 / 1000.0,
                budget / 1000
            ),
        );
    }
    for (operation, roster, rival) in compared {
        if operation.hashes_a_password() {
            let share = roster.requests_per_sec / floor.per_core();
            verdict(
                share >= SIGN_IN_FLOOR_SHARE,
                &format!(
                    "{}: Roster {:.1}/s = {:.0}% of one core's argon2id floor {:.1}/s (target ≥ {:.0}%)",
                    operation.name(),
                    roster.requests_per_sec,
                    share * 100.0,
                    floor.per_core(),
                    SIGN_IN_FLOOR_SHARE * 100.0
                ),
            );
            continue;
        }
        let Some(rival) = rival else {
            println!(
                "SKIP  {}: no rival figures ({})",
                operation.name(),
                rival_missing.unwrap_or("not measured")
            );
            continue;
        };
        let (throughput_factor, p99_share) = operation
            .target_against_rival()
            .unwrap_or((THROUGHPUT_FACTOR, P99_SHARE));
        let times = roster.requests_per_sec / rival.requests_per_sec;
        verdict(
            times >= throughput_factor,
            &format!(
                "{}: Roster's throughput {:.2}× the rival's ({:.0} vs {:.0} req/s; target ≥ {:.0}×)",
                operation.name(),
                times,
                roster.requests_per_sec,
                rival.requests_per_sec,
                throughput_factor
            ),
        );
        let share = ratio(roster.p99, rival.p99);
        verdict(
            share <= p99_share,
            &format!(
                "{}: Roster's p99 {:.3}× the rival's ({:.2} vs {:.2} ms; target ≤ {:.2}×)",
                operation.name(),
                share,
                ms(roster.p99),
                ms(rival.p99),
                p99_share
            ),
        );
    }
    // Per operation: each run's own high-water mark (see `target::reset_peak_rss`).
    let worst = compared
        .iter()
        .map(|(operation, roster, _)| (operation.name(), roster.peak_rss_bytes))
        .max_by_key(|(_, bytes)| *bytes);
    if let Some((name, peak)) = worst {
        verdict(
            peak <= ROSTER_RSS_BUDGET_BYTES,
            &format!(
                "Roster's peak RSS under each compared operation: at most {:.1} MB, under {name} (budget {:.0} MB; the 1,000-address invitation {:.1} MB; seeding before the runs {:.1} MB)",
                mb(peak),
                mb(ROSTER_RSS_BUDGET_BYTES),
                mb(roster_peak_rss_bulk),
                mb(roster_peak_rss_seeding)
            ),
        );
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(target: &'static str, rps: f64, p99_ms: u64) -> Measurement {
        Measurement {
            target,
            scenario: "session",
            round: 1,
            connections: 32,
            wrk: wrk::Report {
                requests: 10,
                requests_per_sec: rps,
                p50: Duration::from_millis(1),
                p99: Duration::from_millis(p99_ms),
                non_2xx_3xx: 1,
                socket_errors: 0,
            },
            peak_rss_bytes: 1000,
            server_cpu: Duration::ZERO,
            pool_exhausted: false,
            mail_drained: None,
        }
    }

    #[test]
    fn rounds_are_summed_up_by_their_median() {
        let runs = [
            run("roster", 100.0, 4),
            run("rival", 10.0, 40),
            run("roster", 300.0, 2),
            run("roster", 200.0, 3),
        ];
        let roster = summarize(&runs, "session", "roster").unwrap();
        assert_eq!(roster.rounds, 3);
        assert_eq!(roster.requests_per_sec, 200.0);
        assert_eq!(roster.p99, Duration::from_millis(3));
        assert_eq!(roster.errors, 3);
        assert!(summarize(&runs, "list 50", "roster").is_none());
    }

    #[test]
    fn an_even_count_takes_the_middle_pair() {
        assert_eq!(median(&[1.0, 4.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
