//! The HTTP API over real connections, each test against a server with a fresh database,
//! once on SQLite and once on PostgreSQL.

mod backup;
mod bulk;
mod crash;
mod edge;
mod foundation;
mod hardening;
mod identity;
mod import;
mod invitation_integrity;
mod mail;
mod matrix;
mod memory;
mod operations;
mod paging;
mod passkeys;
mod password_reset;
mod profile;
mod profile_live;
mod replicas;
mod scim;
mod seats;
mod sign_in_guard;
mod soak;
mod sso;
mod stoppable;
mod sub_accounts;
mod team;
mod tokens;
mod webhooks;

/// Not a test: the body of a server in its own process (see `roster_tests::process`).
#[test]
#[ignore = "run by the crash tests as a child process"]
fn child_server() {
    roster_tests::process::serve_if_child();
}
