//! Acting on many people at once from the Users list: removing access, setting a role on one
//! account, or sending invitations again, for the rows picked or every match of the list's
//! filters.
//!
//! Each person goes through the same rules and code as the single action (`people`), so a
//! selection can never do more than its rows one by one; someone the actor may not change is
//! skipped with the reason, the rest go on. Each person gets one audit entry naming the
//! operation. The replica that accepts the operation works through it in batches and records
//! its progress in the database after each, so every replica answers "how far is it".
//!
//! A replica that stops mid-way (a restart, a crash) stops renewing the operation's lease;
//! maintenance on any replica then marks it interrupted. Work is never resumed without the
//! person who asked for it: what was done stays done, and the rest can be selected again.

use roster_shared::api::ErrorCode;
use std::time::Duration;

use axum::http::StatusCode;
use roster_shared::access::UserId;
use roster_shared::api::{BulkAction, BulkOperation, BulkRequest, BulkSelection, BulkSkip};
use roster_shared::bulk::MOST_PEOPLE;
use roster_shared::email::EmailAddress;
use roster_shared::time::{MINUTE_MS, Timestamp};

use crate::auth::principal::Principal;
use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::context::{Actor, Context};
use crate::team::people::{self, ListFilter, Recorded};

/// People per batch: progress moves often enough to watch, and each batch is one read of the
/// actor's rights and one message to the organisation's browsers.
const BATCH: i64 = 25;
/// How long an operation is the accepting replica's without a word from it.
const LEASE_MS: i64 = MINUTE_MS;
/// The skips whose reasons are kept and shown (all of them are counted).
const SKIPS_KEPT: usize = 200;

fn no_such_operation() -> ApiError {
    ApiError::not_found("There is no such bulk operation here.")
}

/// Checks the request, fixes whom it acts on, and starts it in the background.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn start(
    state: &AppState,
    principal: &Principal,
    actor: &Actor,
    ctx: &Context,
    request: BulkRequest,
) -> Result<BulkOperation, ApiError> {
    ctx.require_manage()?;
    if let BulkAction::SetRole { account, role } = request.action {
        // The same check as granting it by hand: in scope, not archived, grantable.
        crate::team::invite::validate_grants(ctx, &[(vec![account], role)])?;
    }
    let now = clock::now();
    let people: Vec<i64> = match &request.selection {
        BulkSelection::People { ids } => ids.as_slice().iter().map(|id| id.0).collect(),
        BulkSelection::Matching {
            q,
            status,
            role,
            inactive,
        } => {
            let filter = ListFilter::new(ctx, q.as_deref(), *status, *role, *inactive);
            let limit = i64::try_from(MOST_PEOPLE).unwrap_or(i64::MAX) + 1;
            let ids = db::people::people_ids(state.db().reader(), &filter.at(now), limit).await?;
            if ids.is_empty() {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::NothingSelected,
                    "No one matches this search and these filters any more.",
                ));
            }
            if ids.len() > MOST_PEOPLE {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::SelectionTooLarge,
                    format!(
                        "More than {MOST_PEOPLE} people match; narrow the search or filters and act on them in parts."
                    ),
                ));
            }
            ids
        }
    };
    let action = serde_json::to_string(&request.action).map_err(ApiError::internal)?;
    let mut tx = state.db().writer().begin().await?;
    let id = db::bulk::insert(
        &mut tx,
        ctx.root(),
        ctx.account,
        actor.user_id,
        &action,
        &people,
        now,
        now.plus_millis(LEASE_MS),
    )
    .await?;
    tx.commit().await?;
    tokio::spawn(work(
        state.clone(),
        principal.clone(),
        actor.clone(),
        ctx.account,
        id,
        request.action,
        people.len(),
    ));
    Ok(BulkOperation {
        id,
        action: request.action,
        total: people.len() as u64,
        done: 0,
        skipped_count: 0,
        skipped: Vec::new(),
        started_at: now,
        finished_at: None,
        interrupted: false,
    })
}

/// Where operation `id` of this account stands.
pub(crate) async fn status(
    state: &AppState,
    ctx: &Context,
    id: i64,
) -> Result<BulkOperation, ApiError> {
    ctx.require_manage()?;
    let row = db::bulk::find(state.db().reader(), ctx.root(), id)
        .await?
        .filter(|row| row.account_id == ctx.account)
        .ok_or_else(no_such_operation)?;
    Ok(BulkOperation {
        id: row.id,
        action: serde_json::from_str(&row.action).map_err(ApiError::internal)?,
        total: u64::try_from(row.total).unwrap_or(0),
        done: u64::try_from(row.done).unwrap_or(0),
        skipped_count: u64::try_from(row.skipped_count).unwrap_or(0),
        skipped: serde_json::from_str(&row.skipped).map_err(ApiError::internal)?,
        started_at: Timestamp::from_millis(row.started_at),
        finished_at: row.finished_at.map(Timestamp::from_millis),
        interrupted: row.interrupted != 0,
    })
}

/// Works through operation `id`, batch by batch, each person as their single action would.
async fn work(
    state: AppState,
    principal: Principal,
    actor: Actor,
    account: i64,
    id: i64,
    action: BulkAction,
    total: usize,
) {
    let operation = format!("bulk operation {id} ({})", people_count(total));
    let mut done: i64 = 0;
    let mut skipped_count: i64 = 0;
    let mut skipped: Vec<BulkSkip> = Vec::new();
    let interrupted = loop {
        let batch = match db::bulk::people(state.db().reader(), id, done, BATCH).await {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(%error, operation = id, "bulk operation stopped");
                break true;
            }
        };
        if batch.is_empty() {
            break false;
        }
        // The actor's rights as they are now: someone demoted half-way changes no one after.
        let ctx = match Context::load(&state, &principal, account).await {
            Ok(ctx) if ctx.require_manage().is_ok() => ctx,
            _ => break true,
        };
        let mut changed = Vec::new();
        for user in batch {
            let result = match action {
                BulkAction::Remove => {
                    people::remove_in_bulk(&state, &actor, &ctx, user, &operation)
                        .await
                        .map(|_| ())
                }
                BulkAction::SetRole { account, role } => {
                    people::set_role_in_bulk(&state, &actor, &ctx, user, account, role, &operation)
                        .await
                        .map(|_| ())
                }
                BulkAction::Resend => {
                    people::resend_with(&state, &actor, &ctx, user, Recorded::InBulk(&operation))
                        .await
                        .map(|_| ())
                }
            };
            match result {
                Ok(()) => changed.push(user),
                Err(error) => {
                    skipped_count += 1;
                    if skipped.len() < SKIPS_KEPT {
                        skipped.push(skip(&state, &ctx, user, &error).await);
                    }
                }
            }
            done += 1;
        }
        let skipped_json = serde_json::to_string(&skipped).unwrap_or_else(|_| "[]".into());
        let recorded = db::bulk::progress(
            state.db().writer(),
            id,
            done,
            skipped_count,
            &skipped_json,
            clock::now().plus_millis(LEASE_MS),
        )
        .await;
        if let Err(error) = recorded {
            tracing::warn!(%error, operation = id, "bulk operation stopped");
            break true;
        }
        if !changed.is_empty() {
            let people: &[i64] = if action == BulkAction::Resend {
                &[]
            } else {
                &changed
            };
            crate::team::announce(&state, ctx.root(), people).await;
        }
        // Other requests get their turn between batches.
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    if let Err(error) = db::bulk::finish(state.db().writer(), id, clock::now(), interrupted).await {
        tracing::warn!(%error, operation = id, "could not record the end of a bulk operation");
    }
}

/// Why `user` was left as they were, naming them only if the actor may see them.
async fn skip(state: &AppState, ctx: &Context, user: i64, error: &ApiError) -> BulkSkip {
    let (status, code, message) = error.parts();
    let email = if status == StatusCode::NOT_FOUND {
        None
    } else {
        db::people::person(state.db(), ctx.root(), user, clock::now())
            .await
            .ok()
            .flatten()
            .and_then(|row| EmailAddress::parse(&row.email).ok())
    };
    BulkSkip {
        user: UserId(user),
        email,
        code,
        message: message.to_owned(),
    }
}

fn people_count(n: usize) -> String {
    if n == 1 {
        "1 person".to_owned()
    } else {
        format!("{n} people")
    }
}
