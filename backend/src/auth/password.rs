//! Password hashing with argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1).
//!
//! A hash takes tens of milliseconds of CPU and 19 MiB of memory, so it runs off the async
//! runtime, on dedicated hashing threads (see [`Hasher`]): requests keep flowing, and a burst
//! of sign-ins queues instead of allocating hundreds of megabytes.

use std::sync::{Arc, LazyLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the email is unknown, so a wrong email costs the same time as a
/// wrong password and timing tells nothing.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("decoy password").expect("hashing works"));

fn hash_now(password: &str) -> anyhow::Result<String> {
    // A fresh random salt per hash (from the OS).
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn verify_now(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The time of one password hash at the server's parameters, on this thread (for `make bench`:
/// the floor that sign-ins per second are measured against).
pub fn time_one_hash() -> std::time::Duration {
    let started = std::time::Instant::now();
    let _ = hash_now("a password of typical length");
    started.elapsed()
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashes on a few dedicated threads, one job at a time each.
///
/// Why not the blocking pool: each argon2id hash allocates 19 MiB, and the allocator keeps
/// freed memory per thread. Spread over the blocking pool's many threads that becomes
/// hundreds of megabytes under a sign-in burst; a fixed set of threads reuses its memory, so
/// the server stays near its idle size. Sign-ins queue for a thread instead.
#[derive(Clone)]
pub(crate) struct Hasher {
    jobs: std::sync::mpsc::Sender<Job>,
}

/// One hashing thread per four cores (at least one): sign-ins are rare next to other requests.
pub fn default_hash_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(4))
}

impl Hasher {
    pub(crate) fn new(threads: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for index in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("roster-hash-{index}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next job, not while running it.
                        let next = queue.lock().map(|q| q.recv());
                        match next {
                            Ok(Ok(job)) => job(),
                            // Every Hasher is gone (the server stopped): end the thread.
                            _ => break,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Hasher { jobs }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| anyhow::anyhow!("the password hashing threads stopped"))?;
        Ok(result.await?)
    }

    pub(crate) async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        self.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown person, or no
    /// password set) it still spends the time of one verification and answers no.
    pub(crate) async fn verify(
        &self,
        password: &str,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        let password = password.to_owned();
        self.run(move || match stored {
            Some(stored) => verify_now(&password, &stored),
            None => {
                let _ = verify_now(&password, &DECOY_HASH);
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let hasher = Hasher::new(1);
        let stored = hasher.hash("correct horse battery").await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(
            hasher
                .verify("correct horse battery", Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery", Some(stored))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("anything", None).await.unwrap());
        assert!(
            !hasher
                .verify("anything", Some("not a hash".into()))
                .await
                .unwrap()
        );
    }
}
