//! Roster's single-page app: Leptos, rendered on the client from WebAssembly.
//!
//! # Layout
//! - [`app`]: the application shell (header, main area) and the routes.
//! - [`api`]: the one typed client of the server's JSON API, over the `shared` types.
//! - [`session`]: who is signed in on this browser, shared by every screen.
//! - [`components`]: reusable pieces (fields, dialogs, the user menu, the sign-in guard).
//! - [`pages`]: one module per screen.
//!
//! Forms check their input with the same `roster-shared` parsers the server decides with, so
//! a mistake is explained while typing; the server still checks everything again.

pub mod api;
pub mod app;
pub mod components;
pub mod pages;
pub mod session;

/// Mounts the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
