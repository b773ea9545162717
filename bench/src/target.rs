//! A server under test, as the scenarios see it: where it answers, which process to watch,
//! and how to act as its owner. Roster is one target; a rival product started by another
//! script would be a second one, and each scenario would run against both in turn.

use std::fs;

use anyhow::{Context as _, Result};

use crate::wrk::Request;

pub struct Target {
    /// Shown in the results, e.g. `roster`.
    pub name: String,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The server process, whose memory is reported.
    pub pid: u32,
    pub auth: Auth,
}

/// How requests are made as the owner of the target's first account, in its own terms.
pub struct Auth {
    /// Headers that make any request the owner's (Roster: the session cookie).
    pub session: Vec<(String, String)>,
    /// What a state-changing request adds to `session` (Roster: the CSRF token).
    #[expect(dead_code, reason = "for the scenarios that change data (invitations)")]
    pub write: Vec<(String, String)>,
    /// A request that signs the owner in afresh with email and password.
    pub sign_in: Request,
}

impl Target {
    /// The most memory the server has held so far (`VmHWM`, its resident set's high-water
    /// mark), in bytes.
    pub fn peak_rss_bytes(&self) -> Result<u64> {
        let path = format!("/proc/{}/status", self.pid);
        let status = fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        peak_rss_from_status(&status).with_context(|| format!("no VmHWM line in {path}"))
    }
}

fn peak_rss_from_status(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    // "   23456 kB": the kernel's kB are KiB.
    let kib: u64 = line.split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_high_water_mark_is_read_from_proc_status() {
        let status =
            "Name:\troster\nVmPeak:\t  900000 kB\nVmHWM:\t   23456 kB\nVmRSS:\t   20000 kB\n";
        assert_eq!(peak_rss_from_status(status), Some(23456 * 1024));
        assert_eq!(peak_rss_from_status("Name:\troster\n"), None);
    }

    #[test]
    fn our_own_process_has_a_peak() {
        let me = Target {
            name: "self".to_owned(),
            base_url: String::new(),
            pid: std::process::id(),
            auth: Auth {
                session: Vec::new(),
                write: Vec::new(),
                sign_in: Request::get("/"),
            },
        };
        assert!(me.peak_rss_bytes().unwrap() > 0);
    }
}
