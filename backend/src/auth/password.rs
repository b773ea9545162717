//! Password hashing with argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1).
//!
//! A hash takes tens of milliseconds of CPU and 19 MiB of memory, so it runs on the blocking
//! pool (async requests keep flowing) behind a semaphore of one permit per core: a burst of
//! sign-ins queues instead of allocating gigabytes.

use std::sync::{Arc, LazyLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

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

#[derive(Clone)]
pub(crate) struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub(crate) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    pub(crate) async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown person, or no
    /// password set) it still spends the time of one verification and answers no.
    pub(crate) async fn verify(
        &self,
        password: &str,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await?;
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || match stored {
            Some(stored) => verify_now(&password, &stored),
            None => {
                let _ = verify_now(&password, &DECOY_HASH);
                false
            }
        })
        .await?;
        Ok(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let hasher = Hasher::new();
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
