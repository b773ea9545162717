//! Inviting many people at once.
//!
//! For each address, within one transaction:
//! - someone new to the organisation gets an invitation (and so takes a seat);
//! - someone already invited (pending or expired) gets the invitation sent again, with a fresh
//!   14-day window and the access now chosen added to what it offered;
//! - someone already in the organisation is given the access directly, except on accounts
//!   they already have access to.
//!
//! Seats are counted after the organisation is locked, so two admins inviting for the last seat
//! at once cannot both succeed: either everything in a request happens or nothing does.

use roster_shared::api::ErrorCode;
use roster_shared::audit::AuditAction;
use std::collections::BTreeMap;

use axum::http::StatusCode;
use roster_shared::access::{self};
use roster_shared::account::AccountId;
use roster_shared::api::{FieldError, InviteRequest, InviteResult, NotInvited, NotInvitedReason};
use roster_shared::email::EmailAddress;
use roster_shared::invitation::INVITATION_VALIDITY_MS;
use roster_shared::invite_list::InviteList;
use roster_shared::role::Role;
use roster_shared::seats::SeatPlan;
use roster_shared::time::Timestamp;

use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::team::audit;
use crate::team::context::{Actor, Context, forbidden, sentence};
use crate::webhooks::events as webhooks;

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    let message = message.into();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidBody,
        sentence(&message),
    )
    .with_fields(vec![FieldError {
        field: field.into(),
        message,
    }])
}

/// Checks the requested grants against the scope and the actor's rights: account → role.
pub(crate) fn validate_grants(
    ctx: &Context,
    grants: &[(Vec<AccountId>, Role)],
) -> Result<BTreeMap<i64, Role>, ApiError> {
    let mut wanted = BTreeMap::new();
    for (accounts, role) in grants {
        for account in accounts {
            let within = ctx
                .org
                .tree
                .is_within(*account, AccountId(ctx.account))
                .unwrap_or(false);
            if !within {
                return Err(invalid(
                    "grants",
                    format!(
                        "account {account} is not {} or one of its sub-accounts",
                        ctx.org.name(ctx.account)
                    ),
                ));
            }
            if ctx.org.is_archived(account.0) {
                return Err(invalid(
                    "grants",
                    format!("{} is archived", ctx.org.name(account.0)),
                ));
            }
            if wanted.insert(account.0, *role).is_some() {
                return Err(invalid(
                    "grants",
                    format!(
                        "{} is chosen twice; give each account one role",
                        ctx.org.name(account.0)
                    ),
                ));
            }
            access::check_grant(&ctx.org.tree, &ctx.actor_memberships, *role, *account)
                .map_err(forbidden)?;
        }
    }
    if wanted.is_empty() {
        return Err(invalid("grants", "choose at least one account"));
    }
    Ok(wanted)
}

/// The seat situation of the organisation, counted inside `conn`'s transaction.
pub(crate) async fn seat_plan(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    root: &db::accounts::AccountRow,
    now: Timestamp,
) -> Result<SeatPlan, ApiError> {
    let used = db::team::used_seats(&mut *conn, root.id, now).await?;
    Ok(plan_of(state, root, used))
}

fn plan_of(state: &AppState, root: &db::accounts::AccountRow, used: i64) -> SeatPlan {
    SeatPlan {
        included: included_seats(state, root),
        extra: u32::try_from(root.extra_seats).unwrap_or(0),
        used: u32::try_from(used).unwrap_or(u32::MAX),
    }
}

pub(crate) fn included_seats(state: &AppState, root: &db::accounts::AccountRow) -> u32 {
    match root.plan.as_deref().and_then(|key| state.plans().get(key)) {
        Some(plan) => plan.included_seats,
        None => {
            tracing::warn!(account = root.id, plan = ?root.plan, "the organisation's plan is not in the plan configuration");
            0
        }
    }
}

pub(crate) fn not_enough_seats(error: roster_shared::seats::SeatError) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::NotEnoughSeats,
        sentence(&error.to_string()),
    )
}

pub(crate) async fn invite(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    request: InviteRequest,
) -> Result<InviteResult, ApiError> {
    ctx.require_manage()?;
    let grants: Vec<(Vec<AccountId>, Role)> = request
        .grants
        .iter()
        .map(|g| (g.accounts.clone(), g.role))
        .collect();
    let wanted = validate_grants(ctx, &grants)?;
    let list = InviteList::parse(&request.emails.join("\n"))
        .map_err(|e| invalid("emails", e.to_string()))?;
    let not_invited: Vec<NotInvited> = list
        .invalid
        .iter()
        .map(|entry| NotInvited {
            email: entry.text.clone(),
            reason: NotInvitedReason::Invalid,
            message: sentence(&entry.error.to_string()),
        })
        .chain(list.duplicates.iter().map(|address| NotInvited {
            email: address.to_string(),
            reason: NotInvitedReason::Duplicate,
            message: "Listed more than once; invited once.".into(),
        }))
        .collect();
    if list.addresses.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NoValidAddress,
            match not_invited.first() {
                Some(first) => format!(
                    "No address can be invited: {} — {}",
                    first.email, first.message
                ),
                None => "Enter at least one email address.".into(),
            },
        )
        .with_fields(vec![FieldError {
            field: "emails".into(),
            message: "no valid address".into(),
        }]));
    }

    let recipients: Vec<(EmailAddress, BTreeMap<i64, Role>)> = list
        .addresses
        .into_iter()
        .map(|a| (a, wanted.clone()))
        .collect();
    invite_recipients(state, actor, ctx, &recipients, not_invited).await
}

/// Invites each address with its own access, as one all-or-nothing batch.
#[tracing::instrument(skip_all, fields(account = ctx.account))]
pub(crate) async fn invite_recipients(
    state: &AppState,
    actor: &Actor,
    ctx: &Context,
    recipients: &[(EmailAddress, BTreeMap<i64, Role>)],
    mut not_invited: Vec<NotInvited>,
) -> Result<InviteResult, ApiError> {
    let now = clock::now();
    let expires_at = now.plus_millis(INVITATION_VALIDITY_MS);
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    let inviter = db::invitations::Inviter {
        root_id: ctx.root(),
        user_id: actor.user_id,
        name: &actor.name,
        sent_at: now,
        expires_at,
    };
    // Every address new to the organisation is invited at once, with the organisation locked
    // and its seats counted first; only addresses already in it are looked at one by one.
    let addresses: Vec<&EmailAddress> = recipients.iter().map(|(address, _)| address).collect();
    let opened = db::invitations::open(&mut tx, db.dialect(), &inviter, &addresses)
        .await?
        .ok_or_else(crate::team::context::no_such_account)?;
    let root = opened.root;
    let mut result = InviteResult {
        invited: Vec::new(),
        reinvited: Vec::new(),
        granted: Vec::new(),
        not_invited: Vec::new(),
        seats: plan_of(state, &root, opened.used_seats),
    };
    let round = Round {
        ctx,
        actor,
        root_id: root.id,
        now,
        expires_at,
    };
    let mut seats_needed = 0u32;
    let mut granted_users = Vec::new();
    let mut sent = Vec::new();
    let mut events = Vec::new();
    for ((address, wanted), invited) in recipients.iter().zip(opened.invited) {
        let invited_person = |user_id| {
            let person = webhooks::person(user_id, address.as_str(), None);
            webhooks::person_invited(ctx.account, person, wanted, expires_at)
        };
        if let Some(invited) = invited {
            seats_needed += 1;
            events.push(invited_person(invited.user)?);
            sent.push(round.new_invitation(invited, address, wanted)?);
            result.invited.push(address.clone());
            continue;
        }
        match round.already_in(&mut tx, address, wanted).await? {
            Outcome::Granted { user_id, granted } => {
                let changes: Vec<_> = granted.iter().map(|(a, r)| (*a, None, Some(*r))).collect();
                let person = webhooks::person(user_id, address.as_str(), None);
                events.push(webhooks::access_changed(ctx.account, person, &changes)?);
                granted_users.push(user_id);
                result.granted.push(address.clone());
            }
            Outcome::Reinvited {
                takes_seat,
                user_id,
            } => {
                seats_needed += u32::from(takes_seat);
                events.push(invited_person(user_id)?);
                result.reinvited.push(address.clone());
            }
            Outcome::Refused(refused) => result.not_invited.push(refused),
        }
    }
    db::invitations::record_sent(
        &mut tx,
        db.dialect(),
        &inviter,
        audit::row(
            root.id,
            Some((ctx.account, ctx.org.name(ctx.account))),
            Some(actor),
            AuditAction::InvitationSent,
            "",
            now,
        ),
        &sent,
    )
    .await?;
    result
        .seats
        .check_invite(seats_needed)
        .map_err(not_enough_seats)?;
    let emitted = webhooks::emit(&mut tx, root.id, Some(actor), events, now).await?;
    tx.commit().await?;
    state
        .metrics()
        .invitations_sent(result.invited.len() + result.reinvited.len());
    state.mailer().wake();
    emitted.wake(state);
    crate::team::announce(state, root.id, &granted_users).await;
    result.seats.used += seats_needed;
    result.not_invited.splice(0..0, not_invited.drain(..));
    Ok(result)
}

/// What one invitation round shares: who sends it, where, and when.
struct Round<'a> {
    ctx: &'a Context,
    actor: &'a Actor,
    root_id: i64,
    now: Timestamp,
    expires_at: Timestamp,
}

/// What became of an address already in the organisation.
enum Outcome {
    /// An accepted member, given the access they did not have yet (`granted`).
    Granted {
        user_id: i64,
        granted: BTreeMap<i64, Role>,
    },
    /// Invited before: the invitation sent again, with the access chosen now (taking a seat
    /// again if it had expired).
    Reinvited {
        takes_seat: bool,
        user_id: i64,
    },
    Refused(NotInvited),
}

impl Round<'_> {
    /// A new invitation's mail and audit sentence, recorded with the others at the end.
    fn new_invitation<'b>(
        &self,
        invited: db::invitations::NewlyInvited,
        address: &'b EmailAddress,
        wanted: &'b BTreeMap<i64, Role>,
    ) -> Result<db::invitations::Sent<'b>, ApiError> {
        let mail = Mail::Invitation {
            invitation_id: invited.invitation,
            reinvite: false,
        };
        Ok(db::invitations::Sent {
            invited,
            address,
            access: wanted,
            mail: mail::prepare(&mail, address.as_str(), Some(invited.invitation), self.now)?,
            summary: format!(
                "{} invited {address} ({})",
                self.actor.name,
                describe(self.ctx, wanted)
            ),
        })
    }

    /// An address whose person is in the organisation already: accepted, or invited before.
    async fn already_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        address: &EmailAddress,
        wanted: &BTreeMap<i64, Role>,
    ) -> Result<Outcome, ApiError> {
        let user = db::users::find_by_email(&mut *conn, &address.key())
            .await?
            .ok_or_else(|| ApiError::internal(format!("{address} is neither new nor known")))?;
        let member = db::team::member(&mut *conn, self.root_id, user.id)
            .await?
            .ok_or_else(|| {
                ApiError::internal(format!("{address} is in no organisation and not invited"))
            })?;
        if member.accepted_at.is_some() {
            self.grant_missing(conn, address, wanted, user.id).await
        } else {
            self.invite_again(conn, address, wanted, user.id, &member)
                .await
        }
    }

    /// Gives an accepted member the access they do not have yet, and tells them.
    async fn grant_missing(
        &self,
        conn: &mut sqlx::AnyConnection,
        address: &EmailAddress,
        wanted: &BTreeMap<i64, Role>,
        user_id: i64,
    ) -> Result<Outcome, ApiError> {
        let held: Vec<i64> = db::accounts::memberships_of(&mut *conn, user_id)
            .await?
            .into_iter()
            .filter(|m| m.root_id == self.root_id)
            .map(|m| m.account_id)
            .collect();
        let missing: BTreeMap<i64, Role> = wanted
            .iter()
            .filter(|(a, _)| !held.contains(a))
            .map(|(a, r)| (*a, *r))
            .collect();
        if missing.is_empty() {
            return Ok(Outcome::Refused(NotInvited {
                email: address.to_string(),
                reason: NotInvitedReason::AlreadyMember,
                message: "Already has access to the chosen accounts; change their role on their profile instead.".into(),
            }));
        }
        for (account, role) in &missing {
            db::accounts::upsert_membership(&mut *conn, user_id, *account, *role, self.now).await?;
        }
        let granted = Mail::AccessGranted {
            user_id,
            root_id: self.root_id,
            accounts: missing.keys().copied().collect(),
            granter: self.actor.name.clone(),
        };
        mail::enqueue(conn, &granted, address.as_str(), None, self.now).await?;
        let summary = format!(
            "{} gave {address} access ({})",
            self.actor.name,
            describe(self.ctx, &missing)
        );
        self.ctx
            .record_here(
                conn,
                self.actor,
                AuditAction::AccessGranted,
                &summary,
                self.now,
            )
            .await?;
        Ok(Outcome::Granted {
            user_id,
            granted: missing,
        })
    }

    /// Sends an open (or expired) invitation again, offering the access chosen now.
    async fn invite_again(
        &self,
        conn: &mut sqlx::AnyConnection,
        address: &EmailAddress,
        wanted: &BTreeMap<i64, Role>,
        user_id: i64,
        member: &db::team::MemberRow,
    ) -> Result<Outcome, ApiError> {
        let Some(invitation) = member.invitation_id else {
            return Err(ApiError::internal(format!(
                "member {user_id} of {} has neither invitation nor acceptance",
                self.root_id
            )));
        };
        // Sending it again sends everything it offers, and the access chosen now replaces what
        // it offered on those accounts: only someone who could have made every grant it holds
        // may do either.
        let held = crate::team::people::offered_access(&mut *conn, invitation).await?;
        if access::check_invitation_action(&self.ctx.org.tree, &self.ctx.actor_memberships, &held)
            .is_err()
        {
            return Ok(Outcome::Refused(NotInvited {
                email: address.to_string(),
                reason: NotInvitedReason::InvitationBeyondReach,
                message: "Already invited, with access you cannot grant; ask an Owner or an Admin who manages all of it to send it again.".into(),
            }));
        }
        let (actor, now, expires_at) = (self.actor, self.now, self.expires_at);
        db::team::reissue(
            conn,
            invitation,
            Some(actor.user_id),
            Some(&actor.name),
            now,
            expires_at,
        )
        .await?;
        for (account, role) in wanted {
            db::team::set_grant(&mut *conn, invitation, *account, *role).await?;
        }
        db::team::set_member_invitation(&mut *conn, self.root_id, user_id, invitation, expires_at)
            .await?;
        let again = Mail::Invitation {
            invitation_id: invitation,
            reinvite: true,
        };
        mail::enqueue(conn, &again, address.as_str(), Some(invitation), now).await?;
        let summary = format!(
            "{} invited {address} again ({})",
            actor.name,
            describe(self.ctx, wanted)
        );
        self.ctx
            .record_here(conn, actor, AuditAction::InvitationResent, &summary, now)
            .await?;
        Ok(Outcome::Reinvited {
            takes_seat: !member.holds_seat(now),
            user_id,
        })
    }
}

/// "Basic on Acme, Admin on Support" — for the audit log.
pub(crate) fn describe(ctx: &Context, access: &BTreeMap<i64, Role>) -> String {
    access
        .iter()
        .map(|(account, role)| format!("{} on {}", role.label(), ctx.org.name(*account)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The email address of a user row, parsed (stored addresses always parse).
pub(crate) fn address_of(email: &str) -> Result<EmailAddress, ApiError> {
    EmailAddress::parse(email).map_err(ApiError::internal)
}
