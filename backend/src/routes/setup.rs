//! First-run setup: the first top-level account and its Owner.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use roster_shared::api::ErrorCode;
use roster_shared::api::{SetupRequest, SetupStatus};
use roster_shared::password::NewPassword;
use roster_shared::role::Role;

use crate::auth::session::ClientInfo;
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::error::{ApiError, AppJson};
use crate::routes::session::start_session;
use crate::state::AppState;

/// Whether setup is still needed, and the plans to choose from.
#[utoipa::path(
    get,
    path = "/api/v1/setup",
    tag = "setup",
    responses((status = 200, body = SetupStatus))
)]
pub(crate) async fn status(
    State(state): State<AppState>,
) -> Result<AppJson<SetupStatus>, ApiError> {
    let required = db::users::count(state.db().reader()).await? == 0;
    Ok(AppJson(SetupStatus {
        required,
        plans: state.plans().all().iter().map(|p| p.info()).collect(),
    }))
}

/// Creates the first top-level account and its Owner, and signs the Owner in. Works once,
/// with a token from a setup link the server printed.
#[utoipa::path(
    post,
    path = "/api/v1/setup",
    tag = "setup",
    request_body = SetupRequest,
    responses(
        (status = 200, description = "Created; the Owner is signed in", body = roster_shared::api::SignInOutcome),
        (status = 403, description = "The setup link is not valid", body = roster_shared::api::ErrorBody),
        (status = 409, description = "Roster is already set up", body = roster_shared::api::ErrorBody),
        (status = 422, description = "A field is not valid", body = roster_shared::api::ErrorBody),
    )
)]
pub(crate) async fn run(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(request): AppJson<SetupRequest>,
) -> Result<Response, ApiError> {
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
    let plan = state.plans().get(&request.plan).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            "plan: choose one of the plans offered",
        )
        .with_fields(vec![roster_shared::api::FieldError {
            field: "plan".into(),
            message: "choose one of the plans offered".into(),
        }])
    })?;
    NewPassword::parse_for(request.password.expose(), request.email.as_str()).map_err(|error| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            format!("password: {error}"),
        )
        .with_fields(vec![roster_shared::api::FieldError {
            field: "password".into(),
            message: error.to_string(),
        }])
    })?;
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
    start_session(&state, &client, &user, now).await
}
