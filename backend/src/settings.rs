//! Everything a running server is configured with, whatever it came from (flags, environment,
//! or a test building one directly).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the embedded SQLite database lives unless told otherwise.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/roster.db";

#[derive(Debug, Clone)]
pub struct Settings {
    /// The address to listen on; port 0 picks a free one (tests).
    pub listen: SocketAddr,
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub database_url: String,
    /// Upper bound of pooled database connections (readers, for SQLite).
    pub database_max_connections: u32,
    /// The folder holding the built SPA (Trunk's `dist/`).
    pub web_dir: PathBuf,
}

impl Settings {
    /// Settings for a server on a free loopback port with the given database, as tests and
    /// benchmarks use it.
    pub fn on_free_port(database_url: impl Into<String>, web_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            database_max_connections: 8,
            web_dir: web_dir.into(),
        }
    }
}
