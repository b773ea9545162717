//! What is measured: the operations both products offer (run A/B, Roster then the rival, round
//! after round), and Roster's own scenarios.
//!
//! To add a compared operation, add a variant to [`Operation`] and its request to
//! [`crate::target::Target`]; each product builds it in its own API.

use std::path::Path;

use anyhow::{Result, bail};

use crate::target::{ROUND, Target};
use crate::wrk::{Report, Request};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    SignIn,
    Session,
    List,
    DeepPage,
    CreateInvitation,
    AcceptInvitation,
}

impl Operation {
    pub const ALL: [Operation; 6] = [
        Operation::SignIn,
        Operation::Session,
        Operation::List,
        Operation::DeepPage,
        Operation::CreateInvitation,
        Operation::AcceptInvitation,
    ];

    /// Short and stable: the results table's first column.
    pub fn name(self) -> &'static str {
        match self {
            Operation::SignIn => "sign-in",
            Operation::Session => "session",
            Operation::List => "list 50",
            Operation::DeepPage => "page at depth",
            Operation::CreateInvitation => "invite 1",
            Operation::AcceptInvitation => "accept 1",
        }
    }

    pub fn connections(self) -> Connections {
        match self {
            // Only correct passwords: failures are throttled, so they would measure the 429s.
            Operation::SignIn => Connections::AtMost(4),
            _ => Connections::Configured,
        }
    }

    /// What Roster must reach against the rival: (throughput factor, p99 share), or `None`
    /// for the common targets. A page at a random depth must not cost more than the first.
    pub fn target_against_rival(self) -> Option<(f64, f64)> {
        (self == Operation::DeepPage).then_some((10.0, 0.1))
    }

    /// Whether a password hash bounds it, so the results compare it with the hash floor
    /// instead of the rival.
    pub fn hashes_a_password(self) -> bool {
        self == Operation::SignIn
    }

    /// The request of round `round` on `target`; a pool's remaining lines go to a file in
    /// `scratch`.
    pub fn request(self, target: &Target, round: usize, scratch: &Path) -> Result<Request> {
        Ok(match self {
            Operation::SignIn => target.sign_in.clone(),
            Operation::Session => target.session.clone(),
            Operation::List => target.list.clone(),
            Operation::DeepPage => target.deep_page.clone(),
            Operation::CreateInvitation => {
                let mut request = target.create_invitation.clone();
                request.body = request
                    .body
                    .map(|body| body.replace(ROUND, &format!("r{round}")));
                request
            }
            Operation::AcceptInvitation => {
                let remaining = target.accept.remaining();
                if remaining.is_empty() {
                    bail!(
                        "no invitations left to accept on {} (BENCH_INVITEES sets how many are seeded)",
                        target.name
                    );
                }
                let file = scratch.join(format!("accept-{}-{round}.txt", target.name));
                std::fs::write(&file, remaining.join("\n") + "\n")?;
                let mut request = target.accept.request.clone();
                request.pool = Some(file);
                request
            }
        })
    }

    /// After a run: marks what it used of a pool. wrk counts answers; requests in flight when
    /// it stopped may have been accepted too, so one per connection is skipped as well.
    /// `true` when the run needed more than the pool held (its last requests reused lines,
    /// and failed for that reason).
    pub fn after_run(self, target: &mut Target, report: &Report, connections: u32) -> bool {
        if self != Operation::AcceptInvitation {
            return false;
        }
        let available = target.accept.remaining().len() as u64;
        target.accept.used += (report.requests + u64::from(connections)) as usize;
        report.requests > available
    }
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

/// Roster alone: requests the rival has no counterpart for.
pub struct Solo {
    pub name: &'static str,
    pub request: Request,
}
