//! Roster's server: a slim JSON API over sqlx, the mail outbox, and the built SPA, in one
//! process.
//!
//! # Layout
//! - [`cli`]: the `roster` command line (`roster serve`, …) and its flags and environment.
//! - [`settings`]: everything a running server is configured with.
//! - [`startup`]: builds the application from settings and serves it on a listener it is given.
//! - `state`: the handles every request can reach (database, settings).
//! - `db`: the one repository layer; the same SQL runs on SQLite and PostgreSQL, with a
//!   migration folder per engine.
//! - `error`: the one error type, rendered as `{ code, message, fields? }`.
//! - `routes`: one module per area of the `/api/v1` surface.
//! - `openapi`: the API document generated from the routes, served at `/api/openapi.json`.
//! - `spa`: serves the built single-page app with the right caching and security headers.
//! - `telemetry`: structured logs through `tracing`.

pub mod cli;
pub mod settings;
pub mod startup;

mod db;
mod error;
mod openapi;
mod routes;
mod spa;
mod state;
mod telemetry;
