//! Roster's server: a slim JSON API over sqlx, the mail outbox, and the built SPA, in one
//! process.
//!
//! # Layout
//! - [`cli`]: the `roster` command line (`roster serve`, …) and its flags and environment.
//! - [`backup`]: `roster backup` and `roster restore` (SQLite).
//! - [`operator`]: what the operator does without the web app (new organisations, the demo).
//! - [`settings`]: everything a running server is configured with.
//! - [`startup`]: builds the application from settings and serves it on a listener it is given.
//! - `state`: the handles every request can reach (database, settings, plans, hasher).
//! - `auth`: passwords, sessions and CSRF, throttling, devices, two-factor codes; signing in,
//!   password resets and one's own identity as use cases.
//! - `plans`: the plans on offer (built in, or from the operator's file).
//! - `billing`: the boundary seat purchases and removals go through (a ledger by default).
//! - `clock`: the one place that reads the time.
//! - `setup`: the first-run link, and creating the first account and its Owner with it.
//! - `events`: live events for browsers, across replicas (PostgreSQL LISTEN/NOTIFY).
//! - `maintenance`: periodic clean-up (expired sessions).
//! - `mail`: the outbox, its delivery worker, templates, the SMTP / development transports,
//!   and reading the development mailbox.
//! - `db`: the one repository layer; the same SQL runs on SQLite and PostgreSQL, with a
//!   migration folder per engine.
//! - `error`: the one error type, rendered as `{ code, message, fields? }`.
//! - `routes`: one module per area of the `/api/v1` surface (HTTP in, HTTP out).
//! - `scim`: SCIM 2.0 provisioning at `/scim/v2` for identity providers.
//! - `sso`: single sign-on with OpenID Connect, one identity provider per organisation.
//! - `team`: organisations, people, invitations, access and the audit log: the rules applied.
//! - `openapi`: the API document generated from the routes, served at `/api/openapi.json`.
//! - `spa`: serves the built single-page app with the right caching and security headers.
//! - `telemetry`: structured logs through `tracing`.

pub mod backup;
pub mod cli;
pub mod operator;
pub mod serve;
pub mod settings;
pub mod startup;

mod auth;
mod billing;

/// Measurements `make bench` takes of the server's parts (not used by the server itself).
pub mod bench_support {
    pub use crate::auth::password::time_one_hash;
}
mod clock;
mod db;
mod error;
mod events;
#[doc(hidden)]
pub mod fuzzing;
mod health;
mod mail;
mod maintenance;
mod metrics;
mod openapi;
mod plans;
mod routes;
mod scim;
mod setup;
mod slots;
mod spa;
mod sso;
mod state;
mod team;
mod telemetry;
mod webhooks;
