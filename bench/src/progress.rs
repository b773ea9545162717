//! Step headings on stderr, in the style of `scripts/lib.sh`: a newcomer sees what runs now and
//! how long the last step took, while the figures themselves go to stdout.

use std::time::Instant;

#[derive(Default)]
pub struct Progress {
    started: Option<Instant>,
}

impl Progress {
    /// Closes the current step (printing its duration) and announces the next one.
    pub fn step(&mut self, title: &str) {
        self.done();
        self.started = Some(Instant::now());
        eprintln!("\n\x1b[1;34m==>\x1b[0m \x1b[1m{title}\x1b[0m");
    }

    /// Closes the current step, if any.
    pub fn done(&mut self) {
        if let Some(started) = self.started.take() {
            eprintln!("\x1b[2m   ({}s)\x1b[0m", started.elapsed().as_secs());
        }
    }
}
