//! The Users list, one person, editing and removing their access, and re-inviting.

use crate::webhooks::events as webhooks;
use roster_shared::api::ErrorCode;
use roster_shared::audit::AuditAction;
use roster_shared::webhook::WebhookEventType;
use std::collections::BTreeMap;

use axum::http::StatusCode;
use roster_shared::access::{self, MembershipChange, TargetMembership, UserId};
use roster_shared::account::AccountId;
use roster_shared::api::{
    AccessAssignment, AccessChange, AccessChanges, AccessEntry, AccessUpdate, EditableAccess,
    EmailDelivery, Inactivity, InvitationInfo, InvitationLink, PeoplePage, PeopleQuery,
    PersonDetail, PersonRow,
};
use roster_shared::country::CountryCode;
use roster_shared::invitation::{INVITATION_VALIDITY_MS, PersonStatus};
use roster_shared::name::PersonName;
use roster_shared::phone::PhoneNumber;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;

use crate::auth::token;
use crate::clock;
use crate::db;
use crate::db::people::{AccessRow, PersonListRow, Seek};
use crate::error::ApiError;
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::team::context::{Actor, Context, forbidden};
use crate::team::cursor::Cursor;
use crate::team::invite::{address_of, not_enough_seats, seat_plan};

fn no_such_person() -> ApiError {
    ApiError::not_found("There is no such person in this account.")
}

fn delivery(status: &str, attempts: i64) -> EmailDelivery {
    match status {
        "sent" | "skipped" => EmailDelivery::Sent,
        "failed" => EmailDelivery::Failed,
        _ if attempts > 0 => EmailDelivery::Retrying,
        _ => EmailDelivery::Queued,
    }
}

fn invitation_info(row: &PersonListRow) -> Option<InvitationInfo> {
    let id = row.invitation_id?;
    Some(InvitationInfo {
        id,
        sent_at: Timestamp::from_millis(row.invitation_sent_at.unwrap_or_default()),
        expires_at: Timestamp::from_millis(row.invitation_expires_at.unwrap_or_default()),
        email: row
            .delivery()
            .map_or(EmailDelivery::Queued, |(status, attempts)| {
                delivery(status, attempts)
            }),
    })
}

/// One role as the list of `ctx.account` shows it: `inherited` when it is held on an account
/// above (it covers the listed account, and is changed up there).
fn access_entry(ctx: &Context, row: &AccessRow) -> AccessEntry {
    AccessEntry {
        account: AccountId(row.account_id),
        account_name: ctx.org.account_name(row.account_id),
        role: row.role,
        pending: row.pending == 1,
        inherited: !ctx
            .org
            .tree
            .is_within(AccountId(row.account_id), AccountId(ctx.account))
            .unwrap_or(false),
    }
}

/// The Users list's search and filters for an account, as the repository reads them: the
/// list, its CSV export and "select every match" all read the same people.
pub(crate) struct ListFilter {
    root_id: i64,
    /// The organisation's people, as its context was read.
    people: i64,
    /// The accounts whose people are listed (`None`: the whole organisation).
    reach: Option<Vec<i64>>,
    search: Option<String>,
    status: Option<PersonStatus>,
    role: Option<Role>,
    inactive: Option<Inactivity>,
}

impl ListFilter {
    pub(crate) fn new(
        ctx: &Context,
        q: Option<&str>,
        status: Option<PersonStatus>,
        role: Option<Role>,
        inactive: Option<Inactivity>,
    ) -> ListFilter {
        ListFilter {
            root_id: ctx.root(),
            people: ctx.people,
            // A sub-account's list also holds the people whose role above covers it.
            reach: (ctx.account != ctx.root()).then(|| ctx.org.reach(ctx.account)),
            search: q
                .map(|q| {
                    q.trim()
                        .to_lowercase()
                        .chars()
                        .take(100)
                        .collect::<String>()
                })
                .filter(|q| !q.is_empty()),
            status,
            role,
            inactive,
        }
    }

    pub(crate) fn at(&self, now: Timestamp) -> db::people::PeopleFilter<'_> {
        db::people::PeopleFilter {
            root_id: self.root_id,
            people: self.people,
            accounts: self.reach.as_deref(),
            search: self.search.as_deref(),
            status: self.status,
            role: self.role,
            signed_in_before: self.inactive.map(|i| i.signed_in_before(now)),
            now,
        }
    }
}

#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn list(
    state: &AppState,
    ctx: &Context,
    query: PeopleQuery,
) -> Result<PeoplePage, ApiError> {
    ctx.require_manage()?;
    let list_filter = ListFilter::new(
        ctx,
        query.q.as_deref(),
        query.status,
        query.role,
        query.inactive,
    );
    let filter = list_filter.at(clock::now());
    let per_page = query.per_page.unwrap_or(50).clamp(1, 200);
    let sort = query.sort.unwrap_or_default();
    let order = query.order.unwrap_or_default();
    let cursor = Cursor::decode(query.cursor.as_deref().unwrap_or_default(), sort, order)?;
    let plan = db::people::Plan::decide(state.db(), &filter).await?;
    let (total, slice) = db::people::people_total_and_page(
        state.db(),
        &filter,
        &plan,
        sort,
        order,
        &cursor.seek,
        usize::try_from(per_page).unwrap_or(50),
    )
    .await?;
    let start = if slice.restarted {
        0
    } else {
        match cursor.seek {
            Seek::Before(_) => cursor
                .start
                .saturating_sub(u64::try_from(slice.rows.len()).unwrap_or(0)),
            Seek::First | Seek::After(_) => cursor.start,
        }
    };
    let rows = slice.rows;
    let shown = u64::try_from(rows.len()).unwrap_or(0);
    let next = rows.last().filter(|_| slice.more_after).map(|row| {
        Cursor {
            seek: Seek::After(db::people::key_of(row, sort, order)),
            start: start + shown,
        }
        .encode(sort, order)
    });
    let previous = rows.first().filter(|_| slice.more_before).map(|row| {
        Cursor {
            seek: Seek::Before(db::people::key_of(row, sort, order)),
            start,
        }
        .encode(sort, order)
    });
    let people = person_rows(ctx, &rows)?;
    Ok(PeoplePage {
        people,
        total: u64::try_from(total.count).unwrap_or(0),
        total_at_least: total.at_least,
        start,
        per_page,
        next,
        previous,
    })
}

/// The list's rows of `rows`: each with their access on the account and its sub-accounts, and
/// their open invitation's state.
pub(crate) fn person_rows(
    ctx: &Context,
    rows: &[PersonListRow],
) -> Result<Vec<PersonRow>, ApiError> {
    let reach = ctx.org.reach(ctx.account);
    rows.iter()
        .map(|row| {
            let mut entries: Vec<AccessEntry> = row
                .access()
                .filter(|access| reach.contains(&access.account_id))
                .map(|access| access_entry(ctx, &access))
                .collect();
            // Tree order, so "Acme · Support" reads top-down (inherited roles first).
            entries.sort_by_key(|e| reach.iter().position(|a| *a == e.account.0));
            Ok(PersonRow {
                id: UserId(row.user_id),
                name: row
                    .name
                    .as_deref()
                    .map(PersonName::parse)
                    .transpose()
                    .map_err(ApiError::internal)?,
                email: address_of(&row.email)?,
                status: row.status,
                access: entries,
                last_sign_in_at: row.last_sign_in_at.map(Timestamp::from_millis),
                invitation: invitation_info(row),
            })
        })
        .collect()
}

/// A person's access within the scope (account → (role, pending)), and the roles they hold
/// above it that cover it.
async fn scoped_access(
    state: &AppState,
    ctx: &Context,
    user_id: i64,
) -> Result<(BTreeMap<i64, (Role, bool)>, Vec<AccessEntry>), ApiError> {
    let scope = ctx.org.scope(ctx.account);
    let above = ctx.org.above(ctx.account);
    let mut held = BTreeMap::new();
    let mut inherited = Vec::new();
    for row in db::people::access_of(state.db().reader(), ctx.root(), &[user_id]).await? {
        if scope.contains(&row.account_id) {
            held.insert(row.account_id, (row.role, row.pending == 1));
        } else if above.contains(&row.account_id) {
            inherited.push(access_entry(ctx, &row));
        }
    }
    inherited.sort_by_key(|e| above.iter().position(|a| *a == e.account.0));
    Ok((held, inherited))
}

/// The person as the list shows them, if they are on this account's list (with access in its
/// scope, or a role above it that covers it).
async fn person_in_scope(
    state: &AppState,
    ctx: &Context,
    user_id: i64,
) -> Result<(PersonListRow, BTreeMap<i64, (Role, bool)>, Vec<AccessEntry>), ApiError> {
    let row = db::people::person(state.db(), ctx.root(), user_id, clock::now())
        .await?
        .ok_or_else(no_such_person)?;
    let (access, inherited) = scoped_access(state, ctx, user_id).await?;
    if access.is_empty() && inherited.is_empty() && ctx.account != ctx.root() {
        return Err(no_such_person());
    }
    Ok((row, access, inherited))
}

async fn target(
    state: &AppState,
    user_id: i64,
    account: i64,
    role: Role,
) -> Result<TargetMembership, ApiError> {
    let owners = if role == Role::Owner {
        db::accounts::owner_count(state.db().reader(), account).await?
    } else {
        0
    };
    Ok(TargetMembership {
        user: UserId(user_id),
        membership: access::Membership {
            account: AccountId(account),
            role,
        },
        owners_on_account: usize::try_from(owners).unwrap_or(0),
    })
}

pub(crate) async fn detail(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
) -> Result<PersonDetail, ApiError> {
    ctx.require_manage()?;
    let (row, access_map, inherited) = person_in_scope(state, ctx, user_id).await?;
    // Their contact details are theirs: the organisation sees them once they have accepted.
    let (mobile, country) = if row.accepted_at.is_some() {
        let user = db::users::find(state.db().reader(), user_id)
            .await?
            .ok_or_else(no_such_person)?;
        (
            user.mobile
                .as_deref()
                .and_then(|m| PhoneNumber::from_e164(m).ok()),
            user.country
                .as_deref()
                .and_then(|c| CountryCode::parse(c).ok()),
        )
    } else {
        (None, None)
    };
    let mut access = Vec::new();
    for (account, (role, pending)) in &access_map {
        let target = target(state, user_id, *account, *role).await?;
        let changeable = |change| {
            access::check_change(
                &ctx.org.tree,
                actor.id(),
                &ctx.actor_memberships,
                target,
                change,
            )
            .is_ok()
        };
        let roles = Role::ALL
            .into_iter()
            .filter(|r| *r == *role || changeable(MembershipChange::SetRole(*r)))
            .collect::<Vec<_>>();
        let editable = roles.len() > 1 || changeable(MembershipChange::SetRole(*role));
        access.push(EditableAccess {
            account: AccountId(*account),
            account_name: ctx.org.account_name(*account),
            role: *role,
            pending: *pending,
            roles: if editable { roles } else { Vec::new() },
            removable: changeable(MembershipChange::Remove),
        });
    }
    let scope = ctx.org.scope(ctx.account);
    access.sort_by_key(|a| scope.iter().position(|id| *id == a.account.0));
    let grantable = if user_id == actor.user_id {
        Vec::new()
    } else {
        ctx.grantable_accounts()
            .into_iter()
            .filter(|g| !access_map.contains_key(&g.id.0) && !g.roles.is_empty())
            .collect()
    };
    Ok(PersonDetail {
        id: UserId(user_id),
        name: row
            .name
            .as_deref()
            .map(PersonName::parse)
            .transpose()
            .map_err(ApiError::internal)?,
        email: address_of(&row.email)?,
        mobile,
        country,
        status: row.status,
        last_sign_in_at: row.last_sign_in_at.map(Timestamp::from_millis),
        invitation: invitation_info(&row),
        access,
        inherited,
        grantable,
        is_self: user_id == actor.user_id,
    })
}

/// How a change of someone's access is written in the audit log.
#[derive(Clone, Copy)]
pub(crate) enum Recorded<'a> {
    /// One entry per account changed, and the organisation's browsers told at once (an edit
    /// of one person).
    EachChange,
    /// One entry for the person, naming the bulk operation it is part of ("bulk operation 12
    /// of 500 people"); the operation tells the browsers once per batch.
    InBulk(&'a str),
}

/// Applies the person's complete access within the scope, all at once.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn update_access(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
    update: AccessUpdate,
) -> Result<AccessChanges, ApiError> {
    update_access_with(state, actor, ctx, user_id, update, Recorded::EachChange).await
}

/// One person of a bulk operation: their role on `account` becomes `role` (added where they
/// had none there), everything else they hold in the scope unchanged.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn set_role_in_bulk(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
    account: AccountId,
    role: Role,
    operation: &str,
) -> Result<AccessChanges, ApiError> {
    let (current, _) = scoped_access(state, ctx, user_id).await?;
    let mut access: Vec<AccessAssignment> = current
        .iter()
        .filter(|(id, _)| **id != account.0)
        .map(|(id, (held, _))| AccessAssignment {
            account: AccountId(*id),
            role: *held,
        })
        .collect();
    access.push(AccessAssignment { account, role });
    let update = AccessUpdate { access };
    update_access_with(
        state,
        actor,
        ctx,
        user_id,
        update,
        Recorded::InBulk(operation),
    )
    .await
}

/// One person of a bulk removal: as "Remove from this account".
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn remove_in_bulk(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
    operation: &str,
) -> Result<AccessChanges, ApiError> {
    let update = AccessUpdate { access: Vec::new() };
    update_access_with(
        state,
        actor,
        ctx,
        user_id,
        update,
        Recorded::InBulk(operation),
    )
    .await
}

async fn update_access_with(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
    update: AccessUpdate,
    recorded: Recorded<'_>,
) -> Result<AccessChanges, ApiError> {
    ctx.require_manage()?;
    let (row, current, inherited) = person_in_scope(state, ctx, user_id).await?;
    let desired_list: Vec<(Vec<AccountId>, Role)> = update
        .access
        .iter()
        .map(|a| (vec![a.account], a.role))
        .collect();
    let desired = if desired_list.is_empty() {
        BTreeMap::new()
    } else {
        // Same checks as inviting: in scope, not archived, once each, grantable.
        crate::team::invite::validate_grants(ctx, &desired_list)?
    };
    // Nothing of theirs here to remove: their role above covers this account.
    if current.is_empty()
        && desired.is_empty()
        && let Some(above) = inherited.first()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::AccessInherited,
            format!(
                "Their access here comes from their {} role on {}: change it on the Users list of {}.",
                above.role.label(),
                above.account_name,
                above.account_name
            ),
        ));
    }
    let mut changes = Vec::new();
    for (account, role) in &desired {
        match current.get(account) {
            Some((held, _)) if held == role => {}
            Some((held, _)) => {
                let target = target(state, user_id, *account, *held).await?;
                access::check_change(
                    &ctx.org.tree,
                    actor.id(),
                    &ctx.actor_memberships,
                    target,
                    MembershipChange::SetRole(*role),
                )
                .map_err(forbidden)?;
                changes.push((*account, Some(*held), Some(*role)));
            }
            None => {
                if user_id == actor.user_id {
                    return Err(forbidden(access::AccessError::OwnAccess));
                }
                changes.push((*account, None, Some(*role)));
            }
        }
    }
    for (account, (held, _)) in &current {
        if !desired.contains_key(account) {
            let target = target(state, user_id, *account, *held).await?;
            access::check_change(
                &ctx.org.tree,
                actor.id(),
                &ctx.actor_memberships,
                target,
                MembershipChange::Remove,
            )
            .map_err(forbidden)?;
            changes.push((*account, Some(*held), None));
        }
    }
    apply(state, actor, ctx, user_id, &row, changes, recorded).await
}

async fn apply(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
    row: &PersonListRow,
    changes: Vec<(i64, Option<Role>, Option<Role>)>,
    recorded: Recorded<'_>,
) -> Result<AccessChanges, ApiError> {
    let now = clock::now();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), ctx.root()).await?;
    let member = db::team::member(&mut *tx, ctx.root(), user_id)
        .await?
        .ok_or_else(no_such_person)?;
    let pending_invitation = member
        .accepted_at
        .is_none()
        .then_some(member.invitation_id)
        .flatten();
    let mut removed_from_organisation = false;
    // In bulk: what changed, for the person's one entry ("Support (Admin → Basic)").
    let mut described = Vec::new();
    for (account, from, to) in &changes {
        match (pending_invitation, to) {
            (Some(invitation), Some(role)) => {
                db::team::set_grant(&mut *tx, invitation, *account, *role).await?
            }
            (Some(invitation), None) => {
                db::team::delete_grant(&mut *tx, invitation, *account).await?
            }
            (None, Some(role)) => {
                db::accounts::upsert_membership(&mut *tx, user_id, *account, *role, now).await?
            }
            (None, None) => db::accounts::delete_membership(&mut *tx, user_id, *account).await?,
        }
        // Last-Owner safety under concurrency: re-count inside the transaction.
        if *from == Some(Role::Owner)
            && *to != Some(Role::Owner)
            && ctx.org.tree.parent(AccountId(*account)).is_none()
            && db::accounts::owner_count(&mut *tx, *account).await? == 0
        {
            return Err(forbidden(access::AccessError::LastOwner));
        }
        let who = row.name.as_deref().unwrap_or(&row.email);
        let name = ctx.org.name(*account);
        let (action, summary) = match (from, to) {
            (None, Some(role)) => (
                AuditAction::AccessGranted,
                format!("{} gave {who} {} on {name}", actor.name, role.label()),
            ),
            (Some(from), Some(to)) => (
                AuditAction::AccessChanged,
                format!(
                    "{} changed {who}'s role on {name} from {} to {}",
                    actor.name,
                    from.label(),
                    to.label()
                ),
            ),
            (Some(from), None) => (
                AuditAction::AccessRemoved,
                format!(
                    "{} removed {who}'s access ({}) to {name}",
                    actor.name,
                    from.label()
                ),
            ),
            (None, None) => continue,
        };
        match recorded {
            Recorded::EachChange => {
                ctx.record_on(
                    &mut tx,
                    Some((*account, name)),
                    actor,
                    action,
                    &summary,
                    now,
                )
                .await?
            }
            Recorded::InBulk(_) => described.push(match (from, to) {
                (None, Some(role)) => format!("{name} (added as {})", role.label()),
                (Some(from), Some(to)) => {
                    format!("{name} ({} → {})", from.label(), to.label())
                }
                (Some(from), None) => format!("{name} ({} removed)", from.label()),
                (None, None) => continue,
            }),
        }
    }
    // Nothing left in the organisation: the person leaves it and frees their seat.
    let left = match pending_invitation {
        Some(invitation) => db::team::grants(&mut *tx, invitation).await?.len() as i64,
        None => db::team::memberships_in_organisation(&mut *tx, ctx.root(), user_id).await?,
    };
    if left == 0 {
        if let Some(invitation) = pending_invitation {
            db::team::mark_revoked(&mut tx, invitation, now).await?;
        }
        db::team::delete_member(&mut *tx, ctx.root(), user_id).await?;
        removed_from_organisation = true;
    }
    if let Recorded::InBulk(operation) = recorded
        && !described.is_empty()
    {
        let who = row.name.as_deref().unwrap_or(&row.email);
        let left_note = if removed_from_organisation {
            format!(
                "; {} left {} and their seat is free",
                row.email,
                ctx.org.name(ctx.root())
            )
        } else {
            String::new()
        };
        ctx.record_here(
            &mut tx,
            actor,
            AuditAction::AccessChangedInBulk,
            &format!(
                "{} changed {who}'s access in {operation}: {}{left_note}",
                actor.name,
                described.join(", ")
            ),
            now,
        )
        .await?;
    } else if removed_from_organisation {
        ctx.record_on(
            &mut tx,
            None,
            actor,
            AuditAction::PersonRemoved,
            &format!(
                "{} removed {} from {}",
                actor.name,
                row.email,
                ctx.org.name(ctx.root())
            ),
            now,
        )
        .await?;
    }
    // Until they accept, the organisation knows only the invited address.
    let person = || webhooks::person(user_id, &row.email, row.name.as_deref());
    let mut events = vec![webhooks::access_changed(ctx.account, person(), &changes)?];
    if removed_from_organisation {
        events.push(webhooks::about(
            WebhookEventType::PersonRemoved,
            Some(ctx.account),
            person(),
        )?);
    }
    let emitted = webhooks::emit(&mut tx, ctx.root(), Some(actor), events, now).await?;
    tx.commit().await?;
    emitted.wake(state);
    if let Recorded::EachChange = recorded {
        crate::team::announce(state, ctx.root(), &[user_id]).await;
    }
    Ok(AccessChanges {
        changes: changes
            .into_iter()
            .map(|(account, from, to)| AccessChange {
                account: AccountId(account),
                account_name: ctx.org.account_name(account),
                from,
                to,
            })
            .collect(),
        removed_from_organisation,
    })
}

/// "Remove from this account": all their access to this account and its sub-accounts.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn remove(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
) -> Result<AccessChanges, ApiError> {
    update_access(
        state,
        actor,
        ctx,
        user_id,
        AccessUpdate { access: Vec::new() },
    )
    .await
}

/// The open invitation of a person in scope (refusing people who accepted), if the actor may
/// act on it as a whole: copying its link, sending it again or withdrawing it hands on (or
/// takes back) every grant it offers, including the ones outside the actor's scope.
async fn open_invitation(
    state: &AppState,
    ctx: &Context,
    user_id: i64,
) -> Result<(PersonListRow, i64), ApiError> {
    ctx.require_manage()?;
    let (row, _, _) = person_in_scope(state, ctx, user_id).await?;
    let invitation = match row.invitation_id {
        Some(id) if row.status != PersonStatus::Active => id,
        _ => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::NotInvited,
                "This person has already accepted; there is no invitation to act on.",
            ));
        }
    };
    let offered = offered_access(state.db().reader(), invitation).await?;
    access::check_invitation_action(&ctx.org.tree, &ctx.actor_memberships, &offered)
        .map_err(forbidden)?;
    Ok((row, invitation))
}

/// Everything an invitation offers, on any account.
pub(crate) async fn offered_access<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    invitation: i64,
) -> Result<Vec<access::Membership>, ApiError> {
    Ok(db::team::grants(db, invitation)
        .await?
        .into_iter()
        .map(|grant| access::Membership {
            account: AccountId(grant.account_id),
            role: grant.role,
        })
        .collect())
}

/// Resend (pending) or re-invite (expired): a fresh 14-day window and a new email.
pub(crate) async fn resend(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
) -> Result<InvitationInfo, ApiError> {
    resend_with(state, actor, ctx, user_id, Recorded::EachChange).await
}

/// [`resend`], as written in the audit log (one entry either way).
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn resend_with(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
    recorded: Recorded<'_>,
) -> Result<InvitationInfo, ApiError> {
    let (row, invitation) = open_invitation(state, ctx, user_id).await?;
    let now = clock::now();
    let expires_at = now.plus_millis(INVITATION_VALIDITY_MS);
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    let root = db::accounts::lock_organisation(&mut tx, db.dialect(), ctx.root())
        .await?
        .ok_or_else(crate::team::context::no_such_account)?;
    let member = db::team::member(&mut *tx, ctx.root(), user_id)
        .await?
        .ok_or_else(no_such_person)?;
    if !member.holds_seat(now) {
        seat_plan(state, &mut tx, &root, now)
            .await?
            .check_invite(1)
            .map_err(not_enough_seats)?;
    }
    db::team::reissue(
        &mut tx,
        invitation,
        Some(actor.user_id),
        Some(&actor.name),
        now,
        expires_at,
    )
    .await?;
    db::team::set_member_invitation(&mut *tx, ctx.root(), user_id, invitation, expires_at).await?;
    // The address it was made for (what `row.email` is until they accept), never the
    // identity's address of today: that may have been changed by whoever holds it.
    mail::enqueue(
        &mut tx,
        &Mail::Invitation {
            invitation_id: invitation,
            reinvite: true,
        },
        &row.email,
        Some(invitation),
        now,
    )
    .await?;
    ctx.record_here(
        &mut tx,
        actor,
        AuditAction::InvitationResent,
        &match recorded {
            Recorded::EachChange => format!("{} sent {} a new invitation", actor.name, row.email),
            Recorded::InBulk(operation) => format!(
                "{} sent {} a new invitation in {operation}",
                actor.name, row.email
            ),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    state.mailer().wake();
    if let Recorded::EachChange = recorded {
        crate::team::announce(state, ctx.root(), &[]).await;
    }
    Ok(InvitationInfo {
        id: invitation,
        sent_at: now,
        expires_at,
        email: EmailDelivery::Queued,
    })
}

/// A new link for a pending invitation, to share by other means; valid like the emailed one.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn link(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
) -> Result<InvitationLink, ApiError> {
    let (row, invitation) = open_invitation(state, ctx, user_id).await?;
    if row.status == PersonStatus::Expired {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::InvitationExpired,
            "This invitation has expired. Re-invite the person to get a new link.",
        ));
    }
    let now = clock::now();
    let (link_token, hash) = token::new_token();
    let mut tx = state.db().writer().begin().await?;
    // A copied link proves nothing about the mailbox: it cannot create the invited identity's
    // password (see team::accept).
    db::team::insert_token(
        &mut *tx,
        invitation,
        &hash,
        db::team::LinkOrigin::Copied,
        now,
    )
    .await?;
    ctx.record_here(
        &mut tx,
        actor,
        AuditAction::InvitationLinkCopied,
        &format!("{} copied an invitation link for {}", actor.name, row.email),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(InvitationLink {
        url: format!(
            "{}/invitations/accept#token={link_token}",
            state.public_url()
        ),
        expires_at: Timestamp::from_millis(row.invitation_expires_at.unwrap_or_default()),
    })
}

/// Withdraws an invitation: its links stop working and the seat is free.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn revoke(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    user_id: i64,
) -> Result<(), ApiError> {
    let (row, invitation) = open_invitation(state, ctx, user_id).await?;
    let now = clock::now();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), ctx.root()).await?;
    db::team::mark_revoked(&mut tx, invitation, now).await?;
    db::team::delete_member(&mut *tx, ctx.root(), user_id).await?;
    ctx.record_here(
        &mut tx,
        actor,
        AuditAction::InvitationRevoked,
        &format!("{} withdrew the invitation of {}", actor.name, row.email),
        now,
    )
    .await?;
    let withdrawn = webhooks::about(
        WebhookEventType::InvitationWithdrawn,
        Some(ctx.account),
        webhooks::person(user_id, &row.email, None),
    )?;
    let emitted = webhooks::emit(&mut tx, ctx.root(), Some(actor), vec![withdrawn], now).await?;
    tx.commit().await?;
    emitted.wake(state);
    crate::team::announce(state, ctx.root(), &[]).await;
    Ok(())
}
