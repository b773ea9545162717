//! A server under test, as the operations see it: where it answers, which process to watch,
//! and each measured operation as a request in that product's own API. Roster and the rival
//! each build one; the runner then drives both the same way.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};

use crate::api::Api;
use crate::wrk::Request;

/// Placeholder in [`Target::create_invitation`]'s body for the round, so that no two runs
/// invite the same address.
pub const ROUND: &str = "__R__";

pub struct Target {
    /// Shown in the results: `roster` or `rival`.
    pub name: &'static str,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The server process, whose memory is reported.
    pub pid: u32,
    /// The owner signs in afresh with email and password.
    pub sign_in: Request,
    /// Who is signed in (the owner's session cookie).
    pub session: Request,
    /// The first page of 50 people of the 10,000-person organisation.
    pub list: Request,
    /// A page of 50 at a depth picked at random (uniformly) over the whole list: Roster by the
    /// cursors of every page (walked once), the rival by offset.
    pub deep_page: Request,
    /// The owner invites one new address: the body holds [`ROUND`] and
    /// [`crate::wrk::NUMBER`].
    pub create_invitation: Request,
    /// A signed-in invitee accepts their own invitation, once each.
    pub accept: Pool,
    /// Roster's SQLite file, to wait for its outbox between runs (the rival has no outbox:
    /// its invitation "email" is a no-op).
    pub outbox_db: Option<PathBuf>,
}

/// Requests that can each be sent once: [`Request::pool`] is set per run to the lines not
/// used yet.
pub struct Pool {
    pub request: Request,
    pub lines: Vec<String>,
    /// Lines handed to earlier runs (sent, or possibly in flight when wrk stopped).
    pub used: usize,
}

impl Pool {
    pub fn remaining(&self) -> &[String] {
        &self.lines[self.used.min(self.lines.len())..]
    }
}

impl Target {
    /// Fetches the list page once: how many people it holds, of how many in all (Roster's
    /// `people`/`total`, better-auth's `members`/`total`), to show both list the same data.
    pub fn list_page(&self, api: &Api) -> Result<(usize, u64)> {
        let url = format!("{}{}", self.base_url, self.list.path);
        let reply = api.get_as(&url, &self.list.headers)?;
        if reply.status != 200 {
            bail!("{url} answered {}: {}", reply.status, reply.body);
        }
        let body = reply.json()?;
        let rows = body["people"]
            .as_array()
            .or_else(|| body["members"].as_array())
            .with_context(|| format!("no list in {}", reply.body))?;
        Ok((rows.len(), body["total"].as_u64().unwrap_or(0)))
    }

    /// The most memory the server has held so far (`VmHWM`, its resident set's high-water
    /// mark), in bytes.
    pub fn peak_rss_bytes(&self) -> Result<u64> {
        peak_rss_bytes(self.pid)
    }

    /// CPU time the server process has used so far (user and system).
    pub fn cpu_time(&self) -> Result<std::time::Duration> {
        let path = format!("/proc/{}/stat", self.pid);
        let stat = fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        cpu_time_from_stat(&stat).with_context(|| format!("no utime and stime in {path}"))
    }

    /// See [`reset_peak_rss`].
    pub fn reset_peak_rss(&self) -> Result<()> {
        reset_peak_rss(self.pid)
    }
}

/// Starts a new high-water mark at the server's current resident size (Linux: writing 5 to
/// `/proc/<pid>/clear_refs`), so the next [`peak_rss_bytes`] is the peak of what ran since.
/// Memory the server still holds from earlier work stays counted: it is resident now.
pub fn reset_peak_rss(pid: u32) -> Result<()> {
    let path = format!("/proc/{pid}/clear_refs");
    fs::write(&path, "5").with_context(|| format!("writing 5 to {path}"))
}

pub fn peak_rss_bytes(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    peak_rss_from_status(&status).with_context(|| format!("no VmHWM line in {path}"))
}

/// utime and stime, the 14th and 15th fields of `/proc/<pid>/stat`, counted after the
/// command's name in parentheses (which may hold spaces). Linux counts them in USER_HZ, 100 a
/// second on every architecture it exposes to programs.
fn cpu_time_from_stat(stat: &str) -> Option<std::time::Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(std::time::Duration::from_millis((utime + stime) * 10))
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
    fn cpu_time_is_read_after_the_command_name() {
        // A name with a space and a parenthesis, then fields 3 to 15: utime 250, stime 50.
        let stat = "4242 (ros ter)) S 1 4242 4242 0 -1 4194560 10 0 0 0 250 50 0 0 20 0 9";
        assert_eq!(
            cpu_time_from_stat(stat),
            Some(std::time::Duration::from_secs(3))
        );
        assert_eq!(cpu_time_from_stat("4242 (roster) S"), None);
    }

    #[test]
    fn our_own_process_has_a_peak() {
        assert!(peak_rss_bytes(std::process::id()).unwrap() > 0);
    }

    #[test]
    fn a_reset_peak_starts_again_from_the_current_size() {
        let me = std::process::id();
        // 64 MiB touched, then freed: the peak keeps it until the reset.
        let touched = vec![1u8; 64 << 20];
        assert_eq!(touched.iter().map(|&b| u64::from(b)).sum::<u64>(), 64 << 20);
        drop(touched);
        let before = peak_rss_bytes(me).unwrap();
        reset_peak_rss(me).unwrap();
        let after = peak_rss_bytes(me).unwrap();
        assert!(
            after + (32 << 20) < before,
            "peak {before} bytes, after the reset {after} bytes"
        );
    }

    #[test]
    fn a_pool_hands_out_what_is_left() {
        let mut pool = Pool {
            request: Request::get("/"),
            lines: vec!["a".into(), "b".into(), "c".into()],
            used: 0,
        };
        assert_eq!(pool.remaining().len(), 3);
        pool.used = 2;
        assert_eq!(pool.remaining(), ["c".to_owned()]);
        pool.used = 10;
        assert!(pool.remaining().is_empty());
    }
}
