//! Sign-in with a passkey, on Roster alone: the demo's Owner adds a passkey (the software
//! authenticator of the test suites), then `CONCURRENCY` clients sign in with it over and over
//! for a while, each sign-in two requests (a challenge, then the signed answer). Compared with
//! the password sign-in under wrk: a passkey costs a signature check where a password costs an
//! argon2id hash.
//!
//! The answers carry the signature counter 0, as synced passkeys do: signed concurrently, a
//! moving counter would reach the server out of order and be taken for a cloned key.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::json;

#[path = "../../tests/support/passkey.rs"]
#[allow(dead_code)]
mod soft;

use crate::api::Api;

/// Clients signing in at once (each waits for its answer before the next sign-in).
const CONCURRENCY: usize = 16;
/// User present and verified: the flags of a passkey unlocked by fingerprint or PIN.
const UP_UV: u8 = 0x05;

pub struct PasskeySignIns {
    pub count: usize,
    pub elapsed: Duration,
    /// Latencies of whole sign-ins (both requests), sorted.
    latencies: Vec<Duration>,
}

impl PasskeySignIns {
    pub fn per_second(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }

    pub fn print(&self) {
        println!(
            "passkey sign-in:     {:>7.1} sign-ins/s ({} in {:.1} s, {CONCURRENCY} clients; p50 {:.2} ms, p99 {:.2} ms)",
            self.per_second(),
            self.count,
            self.elapsed.as_secs_f64(),
            self.percentile(0.5).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
        );
    }
}

/// Adds a passkey for the person signed in with `owner` (their `password`), then signs in with
/// it for `duration`.
pub fn measure(
    api: &Api,
    base_url: &str,
    owner: &[(String, String)],
    password: &str,
    duration: Duration,
) -> Result<PasskeySignIns> {
    // The page's origin for passkeys: the server's port under localhost.
    let origin = base_url.replace("127.0.0.1", "localhost");
    let mut passkey = soft::SoftPasskey::new();
    let started = api.post_json_as(
        &format!("{base_url}/api/v1/me/passkeys/registration"),
        owner,
        &json!({ "password": password }),
    )?;
    if started.status != 200 {
        bail!(
            "starting a passkey answered {}: {}",
            started.status,
            started.body
        );
    }
    let ceremony = started.json()?;
    let credential = passkey.register(&ceremony["options"], &origin);
    let added = api.post_json_as(
        &format!("{base_url}/api/v1/me/passkeys"),
        owner,
        &json!({ "ceremony": ceremony["ceremony"], "name": "Bench", "credential": credential }),
    )?;
    if added.status != 201 {
        bail!("adding a passkey answered {}: {}", added.status, added.body);
    }

    let client = api.client();
    let passkey = &passkey;
    let origin = origin.as_str();
    let begin = Instant::now();
    let deadline = begin + duration;
    let runs = api.block_on(futures_util::future::join_all((0..CONCURRENCY).map(
        |_| async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let one = Instant::now();
                let challenge: serde_json::Value = client
                    .post(format!("{base_url}/api/v1/sign-in/passkey/challenge"))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let answer = passkey.assert(&challenge["options"], origin, UP_UV);
                let reply = client
                    .post(format!("{base_url}/api/v1/sign-in/passkey"))
                    .json(&json!({ "ceremony": challenge["ceremony"], "credential": answer }))
                    .send()
                    .await?;
                if reply.status() != 200 {
                    bail!(
                        "a passkey sign-in answered {}: {}",
                        reply.status(),
                        reply.text().await.unwrap_or_default()
                    );
                }
                latencies.push(one.elapsed());
            }
            Ok(latencies)
        },
    )));
    let elapsed = begin.elapsed();
    let mut latencies = Vec::new();
    for run in runs {
        latencies.extend(run.context("passkey sign-ins")?);
    }
    latencies.sort();
    if latencies.is_empty() {
        bail!("no passkey sign-in finished in {duration:?}");
    }
    Ok(PasskeySignIns {
        count: latencies.len(),
        elapsed,
        latencies,
    })
}
