//! The argon2id floor: a correct sign-in verifies one password hash, which takes a core for
//! tens of milliseconds, so no server on this machine can sign people in faster than
//! `cores / hash time`. Measured here on the runner's own thread with the server's own code
//! and parameters (m=19 MiB, t=2, p=1), while the server is idle.

use std::time::Duration;

use roster_backend::bench_support::time_one_hash;

pub struct HashFloor {
    /// The median time of one hash.
    pub one_hash: Duration,
    pub samples: usize,
    /// What the machine offers (`available_parallelism`).
    pub cores: usize,
}

impl HashFloor {
    pub fn measure(samples: usize) -> HashFloor {
        // The first hash also pays for allocating its 19 MiB.
        let _ = time_one_hash();
        let mut times: Vec<Duration> = (0..samples).map(|_| time_one_hash()).collect();
        times.sort();
        HashFloor {
            one_hash: times[times.len() / 2],
            samples,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Sign-ins per second one core can verify.
    pub fn per_core(&self) -> f64 {
        1.0 / self.one_hash.as_secs_f64()
    }

    /// Sign-ins per second with every core hashing and nothing else running.
    pub fn machine(&self) -> f64 {
        self.per_core() * self.cores as f64
    }

    pub fn print(&self) {
        println!(
            "one argon2id hash:   {:>7.1} ms (median of {})",
            self.one_hash.as_secs_f64() * 1e3,
            self.samples
        );
        println!("floor per core:      {:>7.1} sign-ins/s", self.per_core());
        println!(
            "best possible:       {:>7.1} sign-ins/s ({} cores)",
            self.machine(),
            self.cores
        );
    }
}
