//! Settings › Provisioning: the groups an identity provider pushed through SCIM, and what each
//! gives its members once an Owner of the top-level account maps it to one role on some
//! accounts. How access follows the groups is [`roster_shared::groups`]; it is applied through
//! [`people::update_access`], so seats, the access rules and the audit log work as for any
//! change of access, naming whoever caused it (the Owner who mapped, or the provider's token).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use roster_shared::access;
use roster_shared::account::AccountId;
use roster_shared::api::{
    AccessAssignment, AccessUpdate, ErrorCode, GroupGrant, GroupGrantOutcome, PushedGroup,
};
use roster_shared::audit::AuditAction;
use roster_shared::groups::{self, Access};

use crate::clock;
use crate::db;
use crate::db::scim::GroupGrantRow;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context};
use crate::team::people;

/// Provisioning belongs to the organisation: its top-level account.
fn require_top_level(ctx: &Context) -> Result<(), ApiError> {
    if ctx.account == ctx.root() {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "Provisioning is set on the top-level account, {}.",
            ctx.org.name(ctx.root())
        )))
    }
}

fn group_not_found() -> ApiError {
    ApiError::not_found("There is no such group.")
}

/// The pushed groups, with what each gives (Admins and Owners of the top-level account).
pub(crate) async fn list(state: &AppState, ctx: &Context) -> Result<Vec<PushedGroup>, ApiError> {
    require_top_level(ctx)?;
    ctx.require_manage()?;
    let reader = state.db().reader();
    let root = ctx.root();
    let mut grants = db::scim::group_grants(reader, root).await?;
    let counts = db::scim::member_counts(reader, root).await?;
    Ok(db::scim::groups(reader, root)
        .await?
        .into_iter()
        .map(|row| PushedGroup {
            id: row.id,
            members: counts.get(&row.id).copied().unwrap_or(0),
            grant: grants.remove(&row.id).map(grant_of),
            name: row.display_name,
            external_id: row.external_id,
        })
        .collect())
}

fn grant_of(row: GroupGrantRow) -> GroupGrant {
    GroupGrant {
        role: row.role,
        accounts: row.accounts.into_iter().map(AccountId).collect(),
    }
}

/// Makes group `group` give `grant` (or nothing) and brings its members' access in line.
#[tracing::instrument(skip_all, fields(account = ctx.account, group))]
pub(crate) async fn set_grant(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    group: i64,
    grant: Option<GroupGrant>,
) -> Result<GroupGrantOutcome, ApiError> {
    require_top_level(ctx)?;
    ctx.require_manage()?;
    let root = ctx.root();
    if !groups::chooses_access(access::effective_role(
        &ctx.org.tree,
        &ctx.actor_memberships,
        AccountId(root),
    )) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::NotAnOwner,
            format!(
                "Only Owners of {} can choose what a provider's group gives.",
                ctx.org.name(root)
            ),
        ));
    }
    let row = db::scim::group(state.db().reader(), root, group)
        .await?
        .ok_or_else(group_not_found)?;
    let grant = grant.map(|grant| checked(ctx, grant)).transpose()?;
    let members = db::scim::group_members(state.db().reader(), root, group).await?;
    let mut before = BTreeMap::new();
    for member in &members {
        before.insert(*member, given(state, root, *member, None).await?);
    }
    let now = clock::now();
    let mut tx = state.db().writer().begin().await?;
    db::scim::set_group_grant(&mut tx, group, grant.as_ref()).await?;
    let (action, summary) = match &grant {
        Some(grant) => (
            AuditAction::GroupMapped,
            format!(
                "{} made the provider's group “{}” give {} on {}",
                actor.name,
                row.display_name,
                grant.role.label(),
                grant
                    .accounts
                    .iter()
                    .map(|a| ctx.org.name(*a))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        None => (
            AuditAction::GroupUnmapped,
            format!(
                "{} made the provider's group “{}” give nothing",
                actor.name, row.display_name
            ),
        ),
    };
    ctx.record_here(&mut tx, actor, action, &summary, now)
        .await?;
    tx.commit().await?;
    let mut changed = 0;
    let mut refused = Vec::new();
    for member in members {
        let after = given(state, root, member, None).await?;
        match follow(state, actor, ctx, member, &before[&member], &after).await {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(error) => {
                let email = db::people::person(state.db(), root, member, now)
                    .await?
                    .map(|p| p.email)
                    .unwrap_or_default();
                refused.push(format!("{email}: {}", error.parts().2));
            }
        }
    }
    let group = list(state, ctx)
        .await?
        .into_iter()
        .find(|g| g.id == group)
        .ok_or_else(group_not_found)?;
    Ok(GroupGrantOutcome {
        group,
        changed,
        refused,
    })
}

/// A grant an Owner asked for, on accounts of the organisation that are open.
fn checked(ctx: &Context, grant: GroupGrant) -> Result<GroupGrantRow, ApiError> {
    Ok(GroupGrantRow {
        role: grant.role,
        accounts: ctx.chosen_accounts(
            &grant.accounts,
            "Choose at least one account the group gives access to.",
        )?,
    })
}

/// What the mapped groups `user` is a member of give them (as if group `except` were gone).
pub(crate) async fn given(
    state: &AppState,
    root: i64,
    user: i64,
    except: Option<i64>,
) -> Result<Access, ApiError> {
    let rows = db::scim::granted_to(state.db().reader(), root, user, except).await?;
    Ok(groups::given(
        rows.into_iter()
            .map(|(account, role)| (AccountId(account), role)),
    ))
}

/// Brings `user`'s access in line with their groups, which gave `before` and give `after`:
/// `true` when it changed. Someone not in the organisation (deactivated) is left alone.
pub(crate) async fn follow(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user: i64,
    before: &Access,
    after: &Access,
) -> Result<bool, ApiError> {
    if before == after {
        return Ok(false);
    }
    let root = ctx.root();
    if db::team::member(state.db().reader(), root, user)
        .await?
        .is_none()
    {
        return Ok(false);
    }
    let current: Access = db::people::access_of(state.db().reader(), root, &[user])
        .await?
        .into_iter()
        .map(|row| (AccountId(row.account_id), row.role))
        .collect();
    let next = groups::follow(&current, before, after, AccountId(root));
    if next == current {
        return Ok(false);
    }
    let update = AccessUpdate {
        access: next
            .into_iter()
            .map(|(account, role)| AccessAssignment { account, role })
            .collect(),
    };
    people::update_access(state, actor, ctx, user, update).await?;
    Ok(true)
}
