//! First run: while the database has no one in it, each start prints a one-time link that
//! creates the first top-level account and its Owner.
//!
//! Each start adds a token (stored hashed) instead of replacing the last one, so a link
//! printed before a restart keeps working after it; all of them are deleted when one is used.

use axum::http::StatusCode;
use roster_shared::api::{ErrorCode, SetupRequest, SignInMethod};
use roster_shared::password::NewPassword;
use roster_shared::role::Role;

use crate::auth::session::ClientInfo;
use crate::auth::sign_in::{self, Started};
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// Whether no one has set Roster up yet.
pub(crate) async fn required(state: &AppState) -> sqlx::Result<bool> {
    Ok(db::users::count(state.db().reader()).await? == 0)
}

pub(crate) async fn link_if_needed(state: &AppState) -> anyhow::Result<Option<String>> {
    if !required(state).await? {
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

/// Creates the first top-level account and its Owner, and signs the Owner in on this device.
/// Works once, with a token from a printed setup link.
#[tracing::instrument(skip_all)]
pub(crate) async fn create_first(
    state: &AppState,
    client: &ClientInfo,
    request: &SetupRequest,
) -> Result<Started, ApiError> {
    let already = || {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::AlreadySetUp,
            "Roster is already set up. Sign in instead.",
        )
    };
    let db = state.db();
    if db::users::count(db.reader()).await? > 0 {
        return Err(already());
    }
    let plan = state
        .plans()
        .get(&request.plan)
        .ok_or_else(|| ApiError::invalid_field("plan", "choose one of the plans offered"))?;
    NewPassword::parse_for(request.password.expose(), request.email.as_str())
        .map_err(|error| ApiError::invalid_field("password", error.to_string()))?;
    let password_hash = state.hasher().hash(request.password.expose()).await?;
    let now = clock::now();
    let mut tx = db.writer().begin().await?;
    db::identity::lock_instance(&mut tx).await?;
    if db::users::count(&mut *tx).await? > 0 {
        return Err(already());
    }
    if !db::identity::use_setup_token(&mut tx, &token::hash(&request.token)).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::InvalidSetupLink,
            "This setup link is not valid. Use the link the server printed when it started.",
        ));
    }
    let account =
        db::accounts::insert_top_level(&mut tx, &request.account_name, &plan.key, now).await?;
    let user_id = db::users::insert(
        &mut *tx,
        &request.email,
        Some(&request.owner_name),
        Some(&password_hash),
        now,
    )
    .await?;
    db::accounts::insert_membership(&mut *tx, user_id, account, Role::Owner, now).await?;
    db::team::insert_member(
        &mut *tx,
        db::team::NewMember {
            root_id: account,
            user_id,
            name_key: &request.owner_name.as_str().to_lowercase(),
            email_key: &request.email.key(),
            accepted_at: Some(now),
            invitation: None,
            now,
        },
    )
    .await?;
    db::users::set_last_account(&mut *tx, user_id, account).await?;
    tx.commit().await?;
    tracing::info!(account, "first account created");
    let user = db::users::find(db.reader(), user_id)
        .await?
        .ok_or_else(|| ApiError::internal("the new Owner vanished"))?;
    sign_in::start(state, client, &user, SignInMethod::Password, now).await
}
