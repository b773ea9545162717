//! The results: one row per scenario and target, printed as one table at the end.

use crate::hash_floor::HashFloor;
use crate::wrk;

pub struct Measurement {
    pub target: String,
    pub scenario: &'static str,
    /// `GET /api/v1/health`
    pub request: String,
    pub connections: u32,
    pub wrk: wrk::Report,
    /// The server's peak resident memory after this scenario (the same server runs them all,
    /// so it only grows).
    pub peak_rss_bytes: u64,
    pub hashes_a_password: bool,
}

impl Measurement {
    /// One line right after a run, before the whole table.
    pub fn print_summary(&self) {
        println!(
            "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, server peak RSS {:.1} MB",
            self.wrk.requests_per_sec,
            ms(self.wrk.p50),
            ms(self.wrk.p99),
            self.wrk.errors(),
            mb(self.peak_rss_bytes)
        );
    }
}

pub fn print_table(measurements: &[Measurement]) {
    println!(
        "{:<10} {:<8} {:<24} {:>5} {:>10} {:>8} {:>8} {:>7} {:>12}",
        "scenario",
        "server",
        "request",
        "conns",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "peak RSS MB"
    );
    for m in measurements {
        println!(
            "{:<10} {:<8} {:<24} {:>5} {:>10.0} {:>8.2} {:>8.2} {:>7} {:>12.1}",
            m.scenario,
            m.target,
            m.request,
            m.connections,
            m.wrk.requests_per_sec,
            ms(m.wrk.p50),
            ms(m.wrk.p99),
            m.wrk.errors(),
            mb(m.peak_rss_bytes)
        );
    }
    println!("errors: answers of 400 or more plus socket errors; 1 MB = 1,000,000 bytes.");
}

/// Sign-ins per second against what argon2id allows on this machine.
pub fn print_against_floor(measurements: &[Measurement], floor: &HashFloor) {
    for m in measurements.iter().filter(|m| m.hashes_a_password) {
        let share = m.wrk.requests_per_sec / floor.machine() * 100.0;
        println!(
            "{} {}: {:.1} sign-ins/s measured = {:.0}% of {} cores × {:.1}/s (one hash {:.1} ms)",
            m.target,
            m.scenario,
            m.wrk.requests_per_sec,
            share,
            floor.cores,
            floor.per_core(),
            ms(floor.one_hash)
        );
    }
    println!(
        "  (wrk and the server share these cores, so 100% is out of reach: the gap left is the"
    );
    println!("  load generator's share plus the server's work around the hash.)");
}

fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
