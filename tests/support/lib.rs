//! What the end-to-end suites share: a real server on a free port with a fresh database
//! (a new SQLite file, or a new PostgreSQL schema), typed request helpers, and a headless
//! Chromium driven over WebDriver.
//!
//! # Layout
//! - [`app`]: [`app::TestApp`], one running server per test, and the [`engines!`] macro that
//!   runs a test once per database engine; [`app::TestApp::signed_in_organisation`] is the
//!   fixture most tests start from (and `Browser::signed_in_as_owner` its browser).
//! - [`client`]: [`client::ApiClient`], one browser's cookie jar and CSRF token.
//! - [`browser`]: [`browser::Browser`], ChromeDriver + Chromium for one test.
//! - [`mailbox`]: the development mailbox, read per address and subject.
//! - [`wait`]: [`wait::eventually`] and [`wait::settled`], the only way a test waits: polling
//!   with a deadline for what happens in the background, never a fixed sleep.

pub mod app;
pub mod browser;
pub mod client;
pub mod dns;
pub mod mailbox;
pub mod oidc;
pub mod passkey;
pub mod process;
pub mod scim_tester;
pub mod smtp;
pub mod sse;
pub mod team;
pub mod totp;
pub mod wait;
pub mod webhooks;

/// Where `scripts/install-tools.sh` put the tools the tests run beside Roster (`$ROSTER_TOOLS`,
/// by default `~/.local/share/roster-tools`): the Python venv, npm packages.
pub fn tools_dir() -> std::path::PathBuf {
    std::env::var_os("ROSTER_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                .join(".local/share/roster-tools")
        })
}

pub use app::{Engine, MEMBER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, TestApp};
pub use client::{ApiClient, expect_error, expect_json};
pub use wait::{eventually, settled};
