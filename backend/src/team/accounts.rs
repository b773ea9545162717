//! The account switcher's tree, and sub-account management.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use roster_shared::access::{self, Membership};
use roster_shared::account::{AccountId, TreeError};
use roster_shared::api::AccountSummary;
use roster_shared::name::AccountName;

use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::audit;
use crate::team::context::{Actor, Context, Organisation, sentence};

/// Every account `user_id` can open, each organisation in tree order.
pub(crate) async fn accessible(
    state: &AppState,
    user_id: i64,
) -> Result<Vec<AccountSummary>, ApiError> {
    let mut by_root: BTreeMap<i64, Vec<Membership>> = BTreeMap::new();
    for m in db::accounts::memberships_of(state.db().reader(), user_id).await? {
        by_root.entry(m.root_id).or_default().push(Membership {
            account: AccountId(m.account_id),
            role: m.role(),
        });
    }
    let mut out = Vec::new();
    for (root, memberships) in by_root {
        let org = Organisation::load(state, root).await?;
        let open = org.tree.accessible(&memberships);
        for (id, _) in org.scope_with_depth(root) {
            if !open.contains(&AccountId(id)) {
                continue;
            }
            out.push(summary(&org, &memberships, id)?);
        }
    }
    Ok(out)
}

fn summary(
    org: &Organisation,
    memberships: &[Membership],
    id: i64,
) -> Result<AccountSummary, ApiError> {
    let account = AccountId(id);
    Ok(AccountSummary {
        id: account,
        parent: org.tree.parent(account),
        root: AccountId(org.root.id),
        name: org.account_name(id),
        depth: u8::try_from(org.tree.depth(account).map_err(ApiError::internal)? - 1)
            .unwrap_or(u8::MAX),
        role: access::effective_role(&org.tree, memberships, account)
            .unwrap_or(roster_shared::role::Role::Reporting),
        archived: org.tree.is_archived(account),
    })
}

fn tree_error(error: TreeError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "account_rule",
        sentence(&error.to_string()),
    )
}

pub(crate) async fn create_sub_account(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    name: &AccountName,
) -> Result<AccountSummary, ApiError> {
    ctx.require_manage()?;
    ctx.org
        .tree
        .check_can_add_under(AccountId(ctx.account))
        .map_err(tree_error)?;
    let now = clock::now();
    let parent = db::accounts::find(state.db().reader(), ctx.account)
        .await?
        .ok_or_else(crate::team::context::no_such_account)?;
    let mut tx = state.db().writer().begin().await?;
    let id = db::accounts::insert_sub_account(&mut *tx, &parent, name, now).await?;
    audit::record(
        &mut tx,
        ctx.root(),
        Some((id, name.as_str())),
        Some(actor),
        "account.created",
        &format!(
            "{} created the sub-account {name} under {}",
            actor.name, parent.name
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let org = Organisation::load(state, ctx.root()).await?;
    summary(&org, &ctx.actor_memberships, id)
}

pub(crate) async fn rename(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    name: &AccountName,
) -> Result<AccountSummary, ApiError> {
    ctx.require_manage()?;
    let now = clock::now();
    let old = ctx.org.name(ctx.account).to_owned();
    let mut tx = state.db().writer().begin().await?;
    db::accounts::rename(&mut *tx, ctx.account, name).await?;
    audit::record(
        &mut tx,
        ctx.root(),
        Some((ctx.account, name.as_str())),
        Some(actor),
        "account.renamed",
        &format!("{} renamed {old} to {name}", actor.name),
        now,
    )
    .await?;
    tx.commit().await?;
    let org = Organisation::load(state, ctx.root()).await?;
    summary(&org, &ctx.actor_memberships, ctx.account)
}

pub(crate) async fn archive(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
) -> Result<(), ApiError> {
    ctx.require_manage()?;
    ctx.org
        .tree
        .check_can_archive(AccountId(ctx.account))
        .map_err(tree_error)?;
    let now = clock::now();
    let name = ctx.org.name(ctx.account).to_owned();
    let mut tx = state.db().writer().begin().await?;
    db::accounts::archive(&mut *tx, ctx.account, now).await?;
    audit::record(
        &mut tx,
        ctx.root(),
        Some((ctx.account, &name)),
        Some(actor),
        "account.archived",
        &format!("{} archived {name}", actor.name),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
