//! Password hashing with argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1).
//!
//! A hash takes tens of milliseconds of CPU and 19 MiB of memory, so it runs off the async
//! runtime, on dedicated hashing threads (see [`Hasher`]): requests keep flowing, and a burst
//! of sign-ins queues instead of allocating hundreds of megabytes.

use std::cell::RefCell;
use std::sync::LazyLock;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore as _;

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("OWASP's argon2id parameters are valid")
}

thread_local! {
    /// Argon2's working memory (19 MiB), kept by each thread that hashes while sign-ins keep
    /// coming (see [`release_memory`]). The crate's own `hash_password` asks the allocator
    /// for it on every call, and the allocator hands the freed pages back to the kernel: each
    /// hash then page-faulted 19 MiB back in (about twice the hash's own time on this
    /// machine) and the resident set grew with every thread that had ever hashed.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// What the working memory reserves: more than glibc's largest dynamic mmap threshold
/// (32 MiB on 64-bit, see mallopt(3)), so the allocation is always a mapping of its own,
/// which freeing unmaps. Smaller, it would come from the thread's arena after the first
/// release and stay resident there. Only the blocks a hash uses are ever touched, so the
/// reserve beyond them costs address space, not memory.
const RESERVED_BLOCKS: usize = 33 * 1024;

/// The raw argon2 output of `password` with `salt`, computed in this thread's memory.
fn compute(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let blocks = argon2.params().block_count();
    MEMORY.with_borrow_mut(|memory| {
        if memory.capacity() == 0 {
            *memory = Vec::with_capacity(blocks.max(RESERVED_BLOCKS));
        }
        if memory.len() < blocks {
            // Within the reserve this never moves the memory.
            memory.resize(blocks, Block::default());
        }
        // No need to clear it between hashes: argon2 writes every block before reading it.
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

/// Gives this thread's working memory back (when sign-ins have paused): an idle server
/// should not hold 19 MiB for the next one. The next hash maps it again, once.
fn release_memory() {
    MEMORY.with_borrow_mut(|memory| *memory = Vec::new());
}

/// How long a hashing thread keeps its working memory without a job.
const KEEP_MEMORY_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// Verified against when the email is unknown, so a wrong email costs the same time as a
/// wrong password and timing tells nothing.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("decoy password").expect("hashing works"));

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of `password` with a fresh
/// random salt from the OS.
fn hash_now(password: &str) -> anyhow::Result<String> {
    let params = params();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; argon2::RECOMMENDED_SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon2, password.as_bytes(), &salt, &mut out)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let phc = || -> Result<PasswordHash, argon2::password_hash::Error> {
        Ok(PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(Salt::new(&salt)?),
            hash: Some(Output::new(&out)?),
        })
    };
    Ok(phc()
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .to_string())
}

/// Whether `password` gives `stored` (a PHC string); a string that is not an argon2 hash
/// never matches.
fn verify_now(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    if compute(&argon2, password.as_bytes(), salt.as_ref(), &mut out).is_err() {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|computed| &computed == expected)
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
/// Why not the blocking pool: each argon2id hash needs 19 MiB. Spread over the blocking
/// pool's many threads that becomes hundreds of megabytes under a sign-in burst; a fixed set
/// of threads each keeps one working memory while sign-ins come (so a burst costs no page
/// faults) and gives it back after [`KEEP_MEMORY_FOR`] without one. Sign-ins queue for a
/// thread instead.
#[derive(Clone)]
pub(crate) struct Hasher {
    jobs: flume::Sender<Job>,
}

/// One hashing thread per four cores (at least one): sign-ins are rare next to other requests.
pub fn default_hash_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(4))
}

impl Hasher {
    pub(crate) fn new(threads: usize) -> Self {
        let (jobs, queue) = flume::unbounded::<Job>();
        for index in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("roster-hash-{index}"))
                .spawn(move || {
                    loop {
                        match queue.recv_timeout(KEEP_MEMORY_FOR) {
                            Ok(job) => job(),
                            // Sign-ins paused: give the memory back (a no-op when it is
                            // already given), then wait on.
                            Err(flume::RecvTimeoutError::Timeout) => release_memory(),
                            // Every Hasher is gone (the server stopped): end the thread.
                            Err(flume::RecvTimeoutError::Disconnected) => break,
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

    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher_both_ways() {
        // Ours, checked by the crate: the PHC string and the output are standard.
        let ours = hash_now("correct horse battery").unwrap();
        let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            standard
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(standard.verify_password(b"correct horse", &parsed).is_err());
        // The crate's, checked by ours: hashes stored before keep working.
        let theirs = standard
            .hash_password(b"correct horse battery")
            .unwrap()
            .to_string();
        assert!(verify_now("correct horse battery", &theirs));
        assert!(!verify_now("correct horse batter", &theirs));
    }

    #[test]
    fn reused_memory_gives_the_same_answers_across_parameters() {
        // A stored hash made with other (smaller, then larger) parameters verifies in the same
        // thread's memory, and a hash after it is still right: the memory is reused, not cleared.
        for memory_kib in [8 * 1024, 19 * 1024, 24 * 1024] {
            let other = Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(memory_kib, 1, 1, None).unwrap(),
            )
            .hash_password(b"another password")
            .unwrap()
            .to_string();
            assert!(verify_now("another password", &other), "m={memory_kib}");
            assert!(!verify_now("another passwore", &other), "m={memory_kib}");
        }
        let again = hash_now("after other parameters").unwrap();
        assert!(verify_now("after other parameters", &again));
        assert_ne!(
            hash_now("same").unwrap(),
            hash_now("same").unwrap(),
            "fresh salts"
        );
    }

    #[test]
    fn the_working_memory_is_reserved_once_and_given_back_on_release() {
        std::thread::spawn(|| {
            let stored = hash_now("kept between hashes").unwrap();
            let (capacity, first) = MEMORY.with_borrow(|m| (m.capacity(), m.as_ptr()));
            assert!(capacity >= RESERVED_BLOCKS, "{capacity}");
            assert!(verify_now("kept between hashes", &stored));
            assert_eq!(
                MEMORY.with_borrow(|m| m.as_ptr()),
                first,
                "the second hash reused the memory"
            );
            release_memory();
            assert_eq!(MEMORY.with_borrow(|m| m.capacity()), 0);
            assert!(
                verify_now("kept between hashes", &stored),
                "and maps it again"
            );
        })
        .join()
        .unwrap();
    }

    #[test]
    fn strings_that_are_not_argon2_hashes_never_match() {
        for stored in [
            "",
            "not a hash",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=7$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$scrypt$ln=15,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(!verify_now("anything", stored), "{stored}");
        }
    }

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
