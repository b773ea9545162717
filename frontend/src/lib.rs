//! Roster's single-page app: Leptos, rendered on the client from WebAssembly.
//!
//! # Layout
//! - [`app`]: the application shell (header, main area) and the routes.
//! - [`api`]: the one typed client of the server's JSON API, over the `shared` types.
//! - [`session`]: who is signed in on this browser, shared by every screen.
//! - [`accounts`]: the accounts the signed-in person can open, and the account in the address.
//! - [`live`]: the server's live event stream (SSE): refreshes screens and notifies.
//! - [`link_token`]: the token of a mailed link (`#token=…`), for the screens links open.
//! - [`drafts`]: unsent forms kept while the person looks elsewhere (New User, Import CSV).
//! - [`remote`]: `Remote<T>`, server data that loads again when what it depends on changes.
//! - [`components`]: reusable pieces (fields, dialogs and confirmations, the ⋮ menu, the
//!   account switcher, the email chips, the account tree picker, the role select, the country
//!   picker, the pager, the sign-in guard).
//! - [`pages`]: one module per screen.
//! - [`screens`]: the routes whose code loads on demand (a chunk of its own in `make web`).
//! - [`unsaved`]: asking before a page with unsaved changes is left.
//! - [`url`]: the one percent-encoder, and the sign-in address that comes back to a page.
//! - [`webauthn`]: the browser's passkey prompts, with the server's JSON in and out.
//!
//! Forms check their input with the same `roster-shared` parsers the server decides with, so
//! a mistake is explained while typing; the server still checks everything again.

pub mod accounts;
pub mod api;
pub mod app;
pub mod components;
pub mod drafts;
pub mod link_token;
pub mod live;
pub mod locale;
pub mod pages;
pub mod remote;
pub mod screens;
pub mod session;
pub mod unsaved;
pub mod url;
pub mod webauthn;

/// Mounts the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
