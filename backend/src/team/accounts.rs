//! The account switcher's tree, and sub-account management.

use crate::webhooks::events as webhooks;
use roster_shared::api::ErrorCode;
use roster_shared::audit::AuditAction;
use roster_shared::webhook::{AccountData, AccountRenamedData, EventAccount, WebhookEventType};
use std::collections::{BTreeMap, HashSet};

use axum::http::StatusCode;
use roster_shared::access::{self, Membership};
use roster_shared::account::{AccountId, TreeError};
use roster_shared::api::AccountSummary;
use roster_shared::name::AccountName;

use crate::auth::principal::Principal;
use crate::auth::session::CurrentSession;
use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context, Organisation, sentence};

/// Every account `user_id` can open, each organisation in tree order.
pub(crate) async fn accessible(
    state: &AppState,
    user_id: i64,
) -> Result<Vec<AccountSummary>, ApiError> {
    let mut out = Vec::new();
    for (org, memberships) in organisations_of(state, user_id).await? {
        let open = org.tree.accessible(&memberships);
        for (id, _) in org.scope_with_depth(org.root.id) {
            if !open.contains(&AccountId(id)) {
                continue;
            }
            out.push(summary(&org, &memberships, id)?);
        }
    }
    Ok(out)
}

/// Remembers the account the person works in, where they land after signing in: only one
/// they can open.
pub(crate) async fn remember_last(
    state: &AppState,
    session: &CurrentSession,
    account_id: i64,
) -> Result<(), ApiError> {
    Context::load(state, &Principal::Person(session.clone()), account_id).await?;
    db::users::set_last_account(state.db().writer(), session.user(), account_id).await?;
    Ok(())
}

/// Whom live events for `user_id` come from: the organisations they belong to, and every
/// account they can open.
pub(crate) struct Reach {
    pub(crate) organisations: HashSet<i64>,
    pub(crate) accounts: HashSet<i64>,
}

pub(crate) async fn reach(state: &AppState, user_id: i64) -> Result<Reach, ApiError> {
    let mut reach = Reach {
        organisations: HashSet::new(),
        accounts: HashSet::new(),
    };
    for (org, memberships) in organisations_of(state, user_id).await? {
        reach.organisations.insert(org.root.id);
        reach.accounts.extend(
            org.tree
                .accessible(&memberships)
                .into_iter()
                .map(|account| account.0),
        );
    }
    Ok(reach)
}

/// Each organisation `user_id` has access in, with their memberships there.
async fn organisations_of(
    state: &AppState,
    user_id: i64,
) -> Result<Vec<(Organisation, Vec<Membership>)>, ApiError> {
    let mut by_root: BTreeMap<i64, Vec<Membership>> = BTreeMap::new();
    for m in db::accounts::memberships_of(state.db().reader(), user_id).await? {
        by_root.entry(m.root_id).or_default().push(Membership {
            account: AccountId(m.account_id),
            role: m.role,
        });
    }
    let mut out = Vec::with_capacity(by_root.len());
    for (root, memberships) in by_root {
        out.push((Organisation::load(state, root).await?, memberships));
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
        ErrorCode::AccountRule,
        sentence(&error.to_string()),
    )
}

/// Refuses `name` for a sub-account of `parent` (other than `except`) when an active sibling
/// already reads the same (see `AccountName::sibling_key`): chips, emails and the switcher would
/// not tell them apart. Archived siblings do not count, so a retired name can be used again;
/// restoring one is refused instead while its name is taken. Runs inside the writing
/// transaction, after `serialize_organisation`, so two requests cannot both find it free.
async fn check_name_free(
    conn: &mut sqlx::AnyConnection,
    parent: &db::accounts::AccountRow,
    name: &AccountName,
    except: Option<i64>,
) -> Result<(), ApiError> {
    let key = name.sibling_key();
    let taken = db::accounts::sub_accounts(&mut *conn, parent.id)
        .await?
        .into_iter()
        .filter(|s| s.archived_at.is_none() && Some(s.id) != except)
        .filter_map(|s| AccountName::parse(&s.name).ok())
        .find(|s| s.sibling_key() == key);
    match taken {
        None => Ok(()),
        Some(existing) => {
            let message = existing.taken_under(&parent.name);
            Err(
                ApiError::new(StatusCode::CONFLICT, ErrorCode::NameTaken, message.clone())
                    .with_fields(vec![roster_shared::api::FieldError {
                        field: "name".to_owned(),
                        message,
                    }]),
            )
        }
    }
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
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
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), ctx.root()).await?;
    check_name_free(&mut tx, &parent, name, None).await?;
    let id = db::accounts::insert_sub_account(&mut *tx, &parent, name, now).await?;
    ctx.record_on(
        &mut tx,
        Some((id, name.as_str())),
        actor,
        AuditAction::AccountCreated,
        &format!(
            "{} created the sub-account {name} under {}",
            actor.name, parent.name
        ),
        now,
    )
    .await?;
    let created = account_event(
        WebhookEventType::AccountCreated,
        id,
        name.as_str(),
        Some(parent.id),
        None,
    )?;
    let emitted = webhooks::emit(&mut tx, ctx.root(), Some(actor), vec![created], now).await?;
    tx.commit().await?;
    emitted.wake(state);
    let org = Organisation::load(state, ctx.root()).await?;
    summary(&org, &ctx.actor_memberships, id)
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn rename(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    name: &AccountName,
) -> Result<AccountSummary, ApiError> {
    ctx.require_manage()?;
    let now = clock::now();
    let old = ctx.org.name(ctx.account).to_owned();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), ctx.root()).await?;
    if let Some(parent) = ctx.org.tree.parent(AccountId(ctx.account)) {
        let parent = db::accounts::find(&mut *tx, parent.0)
            .await?
            .ok_or_else(crate::team::context::no_such_account)?;
        check_name_free(&mut tx, &parent, name, Some(ctx.account)).await?;
    }
    db::accounts::rename(&mut *tx, ctx.account, name).await?;
    ctx.record_on(
        &mut tx,
        Some((ctx.account, name.as_str())),
        actor,
        AuditAction::AccountRenamed,
        &format!("{} renamed {old} to {name}", actor.name),
        now,
    )
    .await?;
    let parent = ctx.org.tree.parent(AccountId(ctx.account)).map(|p| p.0);
    let renamed = account_event(
        WebhookEventType::AccountRenamed,
        ctx.account,
        name.as_str(),
        parent,
        Some(&old),
    )?;
    let emitted = webhooks::emit(&mut tx, ctx.root(), Some(actor), vec![renamed], now).await?;
    tx.commit().await?;
    emitted.wake(state);
    let org = Organisation::load(state, ctx.root()).await?;
    summary(&org, &ctx.actor_memberships, ctx.account)
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
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
    ctx.record_on(
        &mut tx,
        Some((ctx.account, &name)),
        actor,
        AuditAction::AccountArchived,
        &format!("{} archived {name}", actor.name),
        now,
    )
    .await?;
    let parent = ctx.org.tree.parent(AccountId(ctx.account)).map(|p| p.0);
    let archived = account_event(
        WebhookEventType::AccountArchived,
        ctx.account,
        &name,
        parent,
        None,
    )?;
    let emitted = webhooks::emit(&mut tx, ctx.root(), Some(actor), vec![archived], now).await?;
    tx.commit().await?;
    emitted.wake(state);
    Ok(())
}

/// Brings an archived sub-account back, under the same permission as archiving it. Refused
/// while its parent is archived (restore the parent first) or while an active sibling reads as
/// the same name.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn restore(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
) -> Result<(), ApiError> {
    ctx.require_manage()?;
    let account = AccountId(ctx.account);
    ctx.org
        .tree
        .check_can_restore(account)
        .map_err(|e| match e {
            TreeError::ParentArchived => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::AccountRule,
                format!(
                    "{} is archived: restore it first.",
                    ctx.org
                        .tree
                        .parent(account)
                        .map_or("The parent account", |p| ctx.org.name(p.0))
                ),
            ),
            other => tree_error(other),
        })?;
    let now = clock::now();
    let name = ctx.org.name(ctx.account).to_owned();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), ctx.root()).await?;
    if let Some(parent) = ctx.org.tree.parent(account) {
        let parent = db::accounts::find(&mut *tx, parent.0)
            .await?
            .ok_or_else(crate::team::context::no_such_account)?;
        let parsed = AccountName::parse(&name).map_err(ApiError::internal)?;
        check_name_free(&mut tx, &parent, &parsed, Some(ctx.account)).await?;
    }
    db::accounts::restore(&mut *tx, ctx.account).await?;
    ctx.record_on(
        &mut tx,
        Some((ctx.account, &name)),
        actor,
        AuditAction::AccountRestored,
        &format!("{} restored {name}", actor.name),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `account.created`, `account.renamed` (with the name it had) or `account.archived`.
fn account_event(
    event_type: WebhookEventType,
    id: i64,
    name: &str,
    parent: Option<i64>,
    previous_name: Option<&str>,
) -> Result<webhooks::Event, ApiError> {
    let account = EventAccount {
        id: AccountId(id),
        name: name.to_owned(),
        parent: parent.map(AccountId),
    };
    match previous_name {
        Some(previous) => webhooks::Event::new(
            event_type,
            Some(id),
            &AccountRenamedData {
                account,
                previous_name: previous.to_owned(),
            },
        ),
        None => webhooks::Event::new(event_type, Some(id), &AccountData { account }),
    }
}
