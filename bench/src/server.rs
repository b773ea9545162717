//! A server under test in its own process, which never outlives the runner.
//!
//! The guard kills the process (and removes its scratch folder) when dropped. That alone is
//! not enough: the release profile sets `panic = "abort"`, so no destructor runs on a panic.
//! A panic hook therefore stops every server still running before the runner aborts.
//! (Ctrl-C reaches the server by itself: it is in the terminal's foreground process group.)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once, Weak};

use anyhow::{Context as _, Result};
use tempfile::TempDir;

/// Servers still running, for the panic hook. Weak: a stopped server drops out by itself.
static RUNNING: Mutex<Vec<Weak<Mutex<Running>>>> = Mutex::new(Vec::new());
static PANIC_HOOK: Once = Once::new();

pub struct ServerProcess {
    pid: u32,
    dir: PathBuf,
    running: Arc<Mutex<Running>>,
}

struct Running {
    child: Child,
    /// Dropping it removes the folder.
    dir: Option<TempDir>,
}

impl Running {
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.dir.take();
    }
}

impl ServerProcess {
    /// Starts `command` with its stdout and stderr in `stdout.log` and `stderr.log` of `dir`
    /// (the server's scratch folder, for its database too).
    pub fn start(command: Command, dir: TempDir) -> Result<ServerProcess> {
        let mut command = on_one_core(command);
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                previous(info);
                stop_all_running();
            }));
        });
        let stdout = fs::File::create(dir.path().join("stdout.log"))?;
        let stderr = fs::File::create(dir.path().join("stderr.log"))?;
        let program = command.get_program().to_string_lossy().into_owned();
        let child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start {program}"))?;
        let pid = child.id();
        let path = dir.path().to_owned();
        let running = Arc::new(Mutex::new(Running {
            child,
            dir: Some(dir),
        }));
        let mut registry = RUNNING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        registry.retain(|server| server.strong_count() > 0);
        registry.push(Arc::downgrade(&running));
        drop(registry);
        Ok(ServerProcess {
            pid,
            dir: path,
            running,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The server's scratch folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Why the server did not start: how it exited (if it did) and the end of its stderr.
    pub fn failure(&self) -> String {
        let status = {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            running.child.try_wait().ok().flatten()
        };
        let text = fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "{}; its stderr ended with:\n{}",
            status.map_or("it is still running".to_owned(), |s| format!(
                "it exited ({s})"
            )),
            lines[lines.len().saturating_sub(20)..].join("\n")
        )
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .stop();
    }
}

/// From the panic hook: must not wait for a lock that the panicking code may hold.
fn stop_all_running() {
    let Ok(running) = RUNNING.try_lock() else {
        return;
    };
    for server in running.iter().filter_map(Weak::upgrade) {
        if let Ok(mut server) = server.try_lock() {
            server.stop();
        }
    }
}

/// `command` run on the machine's last core only (`taskset`), when there are two or more and
/// taskset is there: a server measured has one core, and wrk and the runner the others.
fn on_one_core(command: Command) -> Command {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let taskset = Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if cores < 2 || !taskset {
        return command;
    }
    let mut pinned = Command::new("taskset");
    pinned
        .arg("-c")
        .arg((cores - 1).to_string())
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        pinned.current_dir(dir);
    }
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => pinned.env(name, value),
            None => pinned.env_remove(name),
        };
    }
    pinned
}
