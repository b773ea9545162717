//! The scenarios: each is one kind of request that wrk repeats against a target.
//!
//! To add one, append to [`all`]: a name, the request built from the target (its address and
//! its owner's credentials are there), and how many connections suit it. A scenario that needs
//! data first (a page of 50 among 10,000 people) gets a preparation step before its load.

use crate::target::Target;
use crate::wrk::Request;

pub struct Scenario {
    /// Short and stable: the results table's first column.
    pub name: &'static str,
    pub connections: Connections,
    /// Whether argon2id bounds it, so the results compare it with the hash floor.
    pub hashes_a_password: bool,
    pub request: fn(&Target) -> Request,
}

#[derive(Debug, Clone, Copy)]
pub enum Connections {
    /// `BENCH_CONNECTIONS` (default 32).
    Configured,
    /// At most this many: a CPU-bound request only queues behind more, which adds latency
    /// and no throughput.
    AtMost(u32),
}

impl Connections {
    pub fn resolve(self, configured: u32) -> u32 {
        match self {
            Connections::Configured => configured,
            Connections::AtMost(n) => n.min(configured),
        }
    }
}

pub fn all() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "health",
            connections: Connections::Configured,
            hashes_a_password: false,
            request: |_| Request::get("/api/v1/health"),
        },
        Scenario {
            // The cost of any authenticated request: one session lookup and one user lookup.
            name: "session",
            connections: Connections::Configured,
            hashes_a_password: false,
            request: |target| Request::get("/api/v1/session").with_headers(&target.auth.session),
        },
        Scenario {
            // Only correct passwords: failures are throttled, so they would measure the 429s.
            name: "sign-in",
            connections: Connections::AtMost(4),
            hashes_a_password: true,
            request: |target| target.auth.sign_in.clone(),
        },
    ]
}
