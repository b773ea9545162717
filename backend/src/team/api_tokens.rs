//! API tokens: created by Admins for an account (and its sub-accounts) with a highest role,
//! shown once, stored hashed, revocable.

use axum::http::StatusCode;
use roster_shared::access;
use roster_shared::account::AccountId;
use roster_shared::api::ErrorCode;
use roster_shared::api::{ApiTokenInfo, CreateApiTokenRequest, CreatedApiToken};
use roster_shared::audit::AuditAction;
use roster_shared::name::TokenName;
use roster_shared::time::Timestamp;

use crate::auth::principal::{Principal, TOKEN_PREFIX};
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::db::api_tokens::TokenRow;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context, forbidden};

async fn info(state: &AppState, ctx: &Context, row: TokenRow) -> Result<ApiTokenInfo, ApiError> {
    let creator = db::users::find(state.db().reader(), row.created_by).await?;
    Ok(ApiTokenInfo {
        id: row.id,
        name: TokenName::parse(&row.name).map_err(ApiError::internal)?,
        account: AccountId(row.account_id),
        account_name: ctx.org.account_name(row.account_id),
        max_role: row.max_role,
        prefix: row.prefix,
        created_by: creator.map(|u| u.display_name().to_owned()),
        created_at: Timestamp::from_millis(row.created_at),
        last_used_at: row.last_used_at.map(Timestamp::from_millis),
    })
}

pub(crate) async fn list(state: &AppState, ctx: &Context) -> Result<Vec<ApiTokenInfo>, ApiError> {
    ctx.require_manage()?;
    let rows =
        db::api_tokens::for_accounts(state.db().reader(), &ctx.org.scope(ctx.account)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(info(state, ctx, row).await?);
    }
    Ok(out)
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn create(
    state: &AppState,
    principal: &Principal,
    actor: &Actor,
    ctx: &Context,
    request: CreateApiTokenRequest,
) -> Result<CreatedApiToken, ApiError> {
    // Tokens are made by people, so each one traces back to someone accountable.
    principal.person()?;
    ctx.require_manage()?;
    access::check_grant(
        &ctx.org.tree,
        &ctx.actor_memberships,
        request.max_role,
        AccountId(ctx.account),
    )
    .map_err(forbidden)?;
    let (secret, _) = token::new_token();
    let secret = format!("{TOKEN_PREFIX}{secret}");
    let hash = token::hash(&secret);
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let now = clock::now();
    let mut tx = state.db().writer().begin().await?;
    let id = db::api_tokens::insert(
        &mut *tx,
        db::api_tokens::NewToken {
            root_id: ctx.root(),
            account_id: ctx.account,
            name: request.name.as_str(),
            token_hash: &hash,
            prefix: &prefix,
            max_role: request.max_role,
            created_by: actor.user_id,
            now,
        },
    )
    .await?;
    ctx.record_here(
        &mut tx,
        actor,
        AuditAction::ApiTokenCreated,
        &format!(
            "{} created the API token “{}” ({} on {})",
            actor.name,
            request.name,
            request.max_role.label(),
            ctx.org.name(ctx.account)
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let row = db::api_tokens::find(state.db().reader(), id)
        .await?
        .ok_or_else(|| ApiError::internal("the new token vanished"))?;
    Ok(CreatedApiToken {
        info: info(state, ctx, row).await?,
        token: secret,
    })
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn revoke(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    token_id: i64,
) -> Result<(), ApiError> {
    ctx.require_manage()?;
    let row = db::api_tokens::find(state.db().reader(), token_id)
        .await?
        .filter(|row| {
            row.revoked_at.is_none() && ctx.org.scope(ctx.account).contains(&row.account_id)
        })
        .ok_or_else(|| ApiError::not_found("There is no such API token."))?;
    if access::check_manage_users(
        &ctx.org.tree,
        &ctx.actor_memberships,
        AccountId(row.account_id),
    )
    .is_err()
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::NotAnAdmin,
            "Only Admins and Owners of its account can revoke this token.",
        ));
    }
    let now = clock::now();
    let mut tx = state.db().writer().begin().await?;
    db::api_tokens::revoke(&mut *tx, row.id, now).await?;
    ctx.record_on(
        &mut tx,
        Some((row.account_id, ctx.org.name(row.account_id))),
        actor,
        AuditAction::ApiTokenRevoked,
        &format!("{} revoked the API token “{}”", actor.name, row.name),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
