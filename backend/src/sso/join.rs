//! Just-in-time joining (off until an Owner turns it on): someone whose address is in a
//! verified domain, vouched for by the organisation's identity provider, but neither a member
//! nor invited, joins with the role (never Owner) and accounts the Owner chose.
//!
//! They take a seat like anyone invited: the organisation is serialised and its seats counted
//! in the transaction that adds them, so the last free seat goes to one person only. When none
//! is free they are turned away (and the audit log tells the Owners, who may buy more); nothing
//! of theirs is written.

use std::collections::BTreeMap;

use roster_shared::api::SsoFailure;
use roster_shared::audit::AuditAction;
use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;

use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::sso::Joining;
use crate::error::ApiError;
use crate::state::AppState;
use crate::team::audit;
use crate::team::context::{Actor, Organisation};
use crate::team::invite::seat_plan;

/// Who is joining, as the provider vouched for them.
pub(crate) struct Joiner {
    pub(crate) email: EmailAddress,
    /// The name the provider gave, for someone Roster has no name for yet.
    pub(crate) name: Option<PersonName>,
}

/// Lets `joiner` join organisation `root` if its Owners let people join without an
/// invitation and a seat is free: `Ok(Ok(()))` once they are a member.
#[tracing::instrument(skip_all, fields(account = root))]
pub(crate) async fn join(
    state: &AppState,
    client: &ClientInfo,
    root: i64,
    joiner: Joiner,
    now: Timestamp,
) -> Result<Result<(), SsoFailure>, ApiError> {
    let org = Organisation::load(state, root).await?;
    let (state, ip) = (state.clone(), client.ip.clone());
    let joined = state
        .db()
        .clone()
        .on_writer_thread({
            let state = state.clone();
            async move { join_now(&state, &org, &joiner, &ip, now).await }
        })
        .await?;
    if let Ok(user) = joined {
        tracing::info!(user, "joined through single sign-on without an invitation");
        crate::team::announce(&state, root, &[user]).await;
    }
    Ok(joined.map(|_| ()))
}

/// The joining itself, in one transaction: the person's member row and access, and the audit
/// entry. Answers who joined.
async fn join_now(
    state: &AppState,
    org: &Organisation,
    joiner: &Joiner,
    ip: &str,
    now: Timestamp,
) -> Result<Result<i64, SsoFailure>, ApiError> {
    let root = org.root.id;
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), root).await?;
    let Some(policy) = db::sso::join_policy(&mut tx, root).await? else {
        return Ok(Err(SsoFailure::NoAccess));
    };
    // An account archived since the Owner chose it is left out.
    let scope = org.scope(root);
    let access: BTreeMap<i64, Role> = policy
        .accounts
        .iter()
        .filter(|account| scope.contains(account) && !org.is_archived(**account))
        .map(|account| (*account, Role::from(policy.role)))
        .collect();
    let Some(&opens) = access.keys().next() else {
        return Ok(Err(SsoFailure::NoAccess));
    };

    let user = db::users::find_by_email(&mut *tx, &joiner.email.key()).await?;
    let (joining, takes_seat) = match &user {
        None => (Joining::Newcomer, true),
        Some(user) => match db::team::member(&mut *tx, root, user.id).await? {
            None => (Joining::Newcomer, true),
            // In already (another tab joined a moment ago).
            Some(member) if member.accepted_at.is_some() => return Ok(Ok(user.id)),
            Some(member) => (
                Joining::InvitedBefore {
                    invitation: member.invitation_id,
                },
                !member.holds_seat(now),
            ),
        },
    };
    let root_row = db::accounts::find(&mut *tx, root)
        .await?
        .ok_or_else(|| ApiError::internal(format!("organisation {root} is gone")))?;
    if takes_seat
        && seat_plan(state, &mut tx, &root_row, now)
            .await?
            .check_invite(1)
            .is_err()
    {
        drop(tx);
        let summary = format!(
            "{} signed in through single sign-on to join, but no seat is free: buy more seats to let them in",
            joiner.email
        );
        let record = audit::row(root, None, None, AuditAction::SsoJoinRefused, &summary, now);
        db::audit::insert(db.writer(), record).await?;
        return Ok(Err(SsoFailure::NoSeat));
    }

    let user_id = match &user {
        Some(user) => user.id,
        None => db::users::insert(&mut *tx, &joiner.email, joiner.name.as_ref(), None, now).await?,
    };
    let name = match (user.as_ref().and_then(|u| u.name.clone()), &joiner.name) {
        (Some(name), _) => name,
        (None, Some(given)) => given.to_string(),
        (None, None) => joiner.email.to_string(),
    };
    let keys = (name.to_lowercase(), joiner.email.key());
    db::sso::join_member(
        &mut tx,
        db::team::NewMember {
            root_id: root,
            user_id,
            name_key: &keys.0,
            email_key: &keys.1,
            accepted_at: Some(now),
            invitation: None,
            now,
        },
        joining,
    )
    .await?;
    // Someone Roster knew only by their address (invited here or elsewhere) takes the
    // provider's name, as when accepting an invitation through it.
    if let (Some(user), Some(given)) = (&user, &joiner.name)
        && user.name.is_none()
    {
        db::users::set_name(&mut tx, user_id, given).await?;
    }
    for (account, role) in &access {
        db::accounts::upsert_membership(&mut *tx, user_id, *account, *role, now).await?;
    }
    db::users::set_last_account(&mut *tx, user_id, opens).await?;
    let actor = Actor {
        user_id,
        label: format!("{name} <{}>", joiner.email),
        name,
        ip: ip.to_owned(),
        kind: roster_shared::webhook::ActorKind::Person,
    };
    let summary = format!(
        "{} ({}) joined through single sign-on, without an invitation ({})",
        actor.name,
        joiner.email,
        access
            .iter()
            .map(|(account, role)| format!("{} on {}", role.label(), org.name(*account)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let record = audit::row(
        root,
        None,
        Some(&actor),
        AuditAction::SsoJoined,
        &summary,
        now,
    );
    db::audit::insert(&mut *tx, record).await?;
    tx.commit().await?;
    Ok(Ok(user_id))
}
