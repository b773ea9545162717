//! Roster's vocabulary and rules, written once and compiled into both the backend (which
//! decides) and the single-page app (which explains, before a request is sent).
//!
//! Nothing here does I/O or reads a clock: time comes in as an argument, so every rule is a
//! pure function that a unit or property test can pin down.
//!
//! # Layout
//! - [`api`]: the JSON bodies that cross the wire between the SPA and the server, including
//!   the one error shape every failure uses.

pub mod api;
