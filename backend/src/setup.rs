//! First run: while the database has no one in it, each start prints a one-time link that
//! creates the first top-level account and its Owner.
//!
//! Each start adds a token (stored hashed) instead of replacing the last one, so a link
//! printed before a restart keeps working after it; all of them are deleted when one is used.

use crate::auth::token;
use crate::clock;
use crate::db;
use crate::state::AppState;

pub(crate) async fn link_if_needed(state: &AppState) -> anyhow::Result<Option<String>> {
    if db::users::count(state.db().reader()).await? > 0 {
        return Ok(None);
    }
    let (token, hash) = token::new_token();
    db::identity::insert_setup_token(state.db().writer(), &hash, clock::now()).await?;
    Ok(Some(format!("{}/setup#token={token}", state.public_url())))
}

/// Prints the link where a newcomer running `make run` looks: the terminal.
pub(crate) fn announce(link: &str) {
    tracing::info!("first run: open the setup link to create the first account");
    println!();
    println!(
        "  Roster has no accounts yet. Open this link to create the first account and its Owner:"
    );
    println!();
    println!("    {link}");
    println!();
    println!("  (The link works once; every start while no account exists prints a new one.)");
    println!();
}
