//! What an invitation link offers, and accepting it.
//!
//! A new person creates their profile (name, password, optionally a mobile number) and is
//! signed in. Someone whose address already has a Roster identity confirms while signed in as
//! that address. Either way the link is single-use: accepting deletes every link of the
//! invitation.
//!
//! A person's identity is theirs alone: only a link mailed to the invited address may create
//! its password. A link an admin copied works for someone who signs in to accept, but it
//! cannot make its holder the owner of an address they may not control (or lock out the one
//! who does): a new person is sent to the emailed invitation instead.

use axum::http::StatusCode;
use roster_shared::api::{AcceptInvitationRequest, InvitationView, OfferedAccess, SessionInfo};
use roster_shared::api::{ErrorCode, SignInMethod};
use roster_shared::audit::AuditAction;
use roster_shared::country::CountryCode;
use roster_shared::invitation::{InvitationError, InvitationWindow};
use roster_shared::name::PersonName;
use roster_shared::password::NewPassword;
use roster_shared::phone::PhoneNumber;
use roster_shared::time::Timestamp;

use crate::auth::session::{ClientInfo, CurrentSession};
use crate::auth::sign_in::{self, Started, session_info};
use crate::auth::token;
use crate::clock;
use crate::db;
use crate::db::team::{InvitationRow, LinkOrigin};
use crate::error::ApiError;
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::team::audit;
use crate::team::context::{Actor, sentence};
use crate::team::invite::address_of;
use crate::webhooks::events::{self as webhooks, Event};
use roster_shared::webhook::{InvitationAcceptedData, WebhookEventType};

/// A new person's profile, checked and with the password hashed: name, hash, mobile, country.
type NewProfile = (PersonName, String, Option<PhoneNumber>, Option<CountryCode>);

fn not_valid() -> ApiError {
    ApiError::not_found(
        "This invitation link is not valid any more. It may have been used already, replaced by a newer invitation, or withdrawn.",
    )
}

async fn by_token(state: &AppState, token: &str) -> Result<(InvitationRow, LinkOrigin), ApiError> {
    let (invitation, origin) =
        db::team::invitation_by_token(state.db().reader(), &token::hash(token))
            .await?
            .ok_or_else(not_valid)?;
    if invitation.revoked_at.is_some() {
        return Err(not_valid());
    }
    Ok((invitation, origin))
}

fn emailed_link_required(invitation: &InvitationRow) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::EmailedLinkRequired,
        format!(
            "This link was passed on to you, so it cannot set up a new Roster account for {}. Open the invitation emailed to that address to create your profile.",
            invitation.email
        ),
    )
}

fn window(invitation: &InvitationRow) -> InvitationWindow {
    InvitationWindow {
        sent_at: Timestamp::from_millis(invitation.sent_at),
        accepted_at: invitation.accepted_at.map(Timestamp::from_millis),
    }
}

/// How soon an invitation may be mailed again at its link holder's request.
const EMAIL_AGAIN_AFTER_MS: i64 = 10 * 60_000;

/// Mails the invitation to the address it was made for, at the request of someone holding a
/// copied link: the emailed link is the one that sets up a new person. At most one mail per
/// invitation every [`EMAIL_AGAIN_AFTER_MS`] (counting the ones admins send), so a link cannot
/// be used to flood the mailbox; the answer is the same either way.
pub(crate) async fn email_again(state: &AppState, token: &str) -> Result<(), ApiError> {
    let (invitation, _) = by_token(state, token).await?;
    let now = clock::now();
    acceptable(&invitation, now)?;
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    // Two requests at once must not both find the last mail old enough.
    db::accounts::serialize_organisation(&mut tx, db.dialect(), invitation.root_id).await?;
    let last = db::outbox::last_invitation_mail(&mut *tx, invitation.id).await?;
    if last.is_none_or(|at| now.millis() - at >= EMAIL_AGAIN_AFTER_MS) {
        mail::enqueue(
            &mut tx,
            &Mail::Invitation {
                invitation_id: invitation.id,
                reinvite: true,
            },
            &invitation.email,
            Some(invitation.id),
            now,
        )
        .await?;
        tx.commit().await?;
        state.mailer().wake();
    }
    Ok(())
}

/// Refuses an invitation that can no longer be accepted, with the reason.
fn acceptable(invitation: &InvitationRow, now: Timestamp) -> Result<(), ApiError> {
    window(invitation)
        .check_acceptable(now)
        .map_err(|error| match error {
            InvitationError::Expired { .. } => ApiError::new(
                StatusCode::GONE,
                ErrorCode::InvitationExpired,
                sentence(&error.to_string()),
            ),
            InvitationError::AlreadyAccepted => not_valid(),
        })
}

pub(crate) async fn inspect(state: &AppState, token: &str) -> Result<InvitationView, ApiError> {
    let (invitation, origin) = by_token(state, token).await?;
    let organisation = db::accounts::find(state.db().reader(), invitation.root_id)
        .await?
        .ok_or_else(not_valid)?;
    let mut access = Vec::new();
    for grant in db::team::grants(state.db().reader(), invitation.id).await? {
        if let Some(account) = db::accounts::find(state.db().reader(), grant.account_id).await? {
            access.push(OfferedAccess {
                account_name: roster_shared::name::AccountName::parse(&account.name)
                    .map_err(ApiError::internal)?,
                role: grant.role,
            });
        }
    }
    let user = db::users::find(state.db().reader(), invitation.user_id)
        .await?
        .ok_or_else(not_valid)?;
    Ok(InvitationView {
        email: address_of(&invitation.email)?,
        organisation: roster_shared::name::AccountName::parse(&organisation.name)
            .map_err(ApiError::internal)?,
        inviter: invitation.inviter_name.clone(),
        access,
        expires_at: Timestamp::from_millis(invitation.expires_at),
        status: window(&invitation).status(clock::now()),
        has_identity: user.password_hash.is_some(),
        emailed_link_required: user.password_hash.is_none() && origin == LinkOrigin::Copied,
        sso: db::sso::provider_for_domain(
            state.db().reader(),
            address_of(&invitation.email)?.domain(),
        )
        .await?
        .is_some_and(|provider| provider.account_id == invitation.root_id),
    })
}

/// Who is signed in once an invitation is accepted.
pub(crate) enum Accepted {
    /// The person who accepted, in the session they accepted from.
    SameSession(SessionInfo),
    /// A new session on this device.
    Started(Started),
}

#[tracing::instrument(skip_all)]
pub(crate) async fn accept(
    state: &AppState,
    client: &ClientInfo,
    session: Option<(CurrentSession, String)>,
    request: AcceptInvitationRequest,
) -> Result<Accepted, ApiError> {
    let (invitation, origin) = by_token(state, &request.token).await?;
    let now = clock::now();
    acceptable(&invitation, now)?;
    // Signed in as the invited person: their row came with the session.
    let user = match &session {
        Some((current, _)) if current.user() == invitation.user_id => current.signed_in.clone(),
        _ => db::users::find(state.db().reader(), invitation.user_id)
            .await?
            .ok_or_else(not_valid)?,
    };
    let has_identity = user.password_hash.is_some();

    // A new person's profile, checked before anything is written.
    let mut profile_hash = None;
    if has_identity {
        match &session {
            None => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::SignInToAccept,
                    format!(
                        "{} already has a Roster account. Sign in with it to accept this invitation.",
                        invitation.email
                    ),
                ));
            }
            Some((current, _)) if current.user() != user.id => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::WrongAccount,
                    format!(
                        "This invitation is for {}. Sign out, then sign in with that address to accept it.",
                        invitation.email
                    ),
                ));
            }
            Some(_) => {}
        }
    } else {
        if origin == LinkOrigin::Copied {
            return Err(emailed_link_required(&invitation));
        }
        let Some(profile) = &request.profile else {
            return Err(ApiError::invalid_field(
                "profile",
                "enter your name and choose a password",
            ));
        };
        NewPassword::parse_for(profile.password.expose(), &invitation.email)
            .map_err(|e| ApiError::invalid_field("profile.password", e.to_string()))?;
        let mobile = match profile
            .mobile
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            None => None,
            Some(mobile) => {
                let country = profile.country.ok_or_else(|| {
                    ApiError::invalid_field(
                        "profile.country",
                        "choose the country of the mobile number",
                    )
                })?;
                Some(
                    PhoneNumber::parse(mobile, country)
                        .map_err(|e| ApiError::invalid_field("profile.mobile", e.to_string()))?,
                )
            }
        };
        let hash = state.hasher().hash(profile.password.expose()).await?;
        profile_hash = Some((profile.name.clone(), hash, mobile, profile.country));
    }

    let name = profile_hash
        .as_ref()
        .map(|(name, ..)| name.to_string())
        .unwrap_or_else(|| user.display_name().to_owned());
    // What the organisation sorts and finds them by from now on: their name and their address.
    let keys = (name.to_lowercase(), address_of(&user.email)?.key());
    let actor = Actor {
        user_id: user.id,
        label: format!("{name} <{}>", invitation.email),
        name,
        ip: client.ip.clone(),
        kind: roster_shared::webhook::ActorKind::Person,
    };
    let opens = {
        let (state, invitation) = (state.clone(), invitation.clone());
        state
            .db()
            .clone()
            .on_writer_thread(async move {
                record_acceptance(&state, &invitation, &actor, profile_hash, keys, "", now).await
            })
            .await?
    };
    crate::team::announce(state, invitation.root_id, &[user.id]).await;

    match session {
        // Someone with an identity accepted while signed in as themselves: keep that session.
        // Their row was read above; only the account they open next changed.
        Some((current, token)) if has_identity && current.user() == user.id => {
            let user = db::users::UserRow {
                last_account_id: opens.or(user.last_account_id),
                ..user
            };
            Ok(Accepted::SameSession(session_info(&user, &token)?))
        }
        // A new person is signed in on this device (replacing whoever was), with the profile
        // just written.
        _ => {
            let user = db::users::find(state.db().reader(), user.id)
                .await?
                .ok_or_else(not_valid)?;
            Ok(Accepted::Started(
                sign_in::start(state, client, &user, SignInMethod::Password, now).await?,
            ))
        }
    }
}

/// Accepts `user`'s open invitation to organisation `root_id` once its identity provider has
/// vouched for their address (single sign-on): no link and no password are needed, since the
/// organisation's provider is who decides that address. A person without a name yet takes the
/// one the provider gave. Answers whether there was an invitation to accept.
pub(crate) async fn accept_through_provider(
    state: &AppState,
    client: &ClientInfo,
    user: &db::users::UserRow,
    root_id: i64,
    provider_name: Option<&PersonName>,
    now: Timestamp,
) -> Result<bool, ApiError> {
    let Some(invitation) = db::team::open_invitation_of(state.db().reader(), user.id, root_id)
        .await?
        .filter(|invitation| acceptable(invitation, now).is_ok())
    else {
        return Ok(false);
    };
    if let (None, Some(name)) = (&user.name, provider_name) {
        let mut conn = state.db().writer().acquire().await?;
        db::users::set_name(&mut conn, user.id, name).await?;
    }
    let name = user
        .name
        .clone()
        .or_else(|| provider_name.map(PersonName::to_string))
        .unwrap_or_else(|| user.email.clone());
    let keys = (name.to_lowercase(), address_of(&user.email)?.key());
    let actor = Actor {
        user_id: user.id,
        label: format!("{name} <{}>", invitation.email),
        name,
        ip: client.ip.clone(),
        kind: roster_shared::webhook::ActorKind::Person,
    };
    {
        let state = state.clone();
        state
            .db()
            .clone()
            .on_writer_thread(async move {
                let how = " through single sign-on";
                record_acceptance(&state, &invitation, &actor, None, keys, how, now).await
            })
            .await?;
    }
    crate::team::announce(state, root_id, &[user.id]).await;
    Ok(true)
}

/// The acceptance, in one transaction: the invitation marked accepted, the member row, the
/// offered access and the audit entry, then the new person's profile (if any). Returns the
/// account the person opens next.
async fn record_acceptance(
    state: &AppState,
    invitation: &InvitationRow,
    actor: &Actor,
    profile: Option<NewProfile>,
    keys: (String, String),
    // How it was accepted, for the audit entry (" through single sign-on"), or "".
    how: &str,
    now: Timestamp,
) -> Result<Option<i64>, ApiError> {
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::accounts::serialize_organisation(&mut tx, db.dialect(), invitation.root_id).await?;
    // The acceptance counts only if the invitation was still open (another tab may have
    // accepted it a moment ago): otherwise the transaction is dropped, keeping nothing.
    let summary = format!(
        "{} ({}) accepted the invitation{how}",
        actor.name, invitation.email
    );
    let accepted = db::invitations::accept(
        &mut tx,
        db.dialect(),
        db::invitations::Acceptance {
            invitation: invitation.id,
            sent_at: invitation.sent_at,
            root_id: invitation.root_id,
            user_id: actor.user_id,
            keys: (&keys.0, &keys.1),
            audit: audit::row(
                invitation.root_id,
                None,
                Some(actor),
                AuditAction::InvitationAccepted,
                &summary,
                now,
            ),
            now,
        },
    )
    .await?;
    let db::invitations::Accepted::Yes { opens } = accepted else {
        return Err(not_valid());
    };
    // The new person's profile, after the acceptance counted (a second tab with the same link
    // is told the link is used, not that the identity exists).
    if let Some((name, hash, mobile, country)) = &profile {
        let created = db::users::create_profile(
            &mut tx,
            actor.user_id,
            name,
            hash,
            mobile.as_ref().map(PhoneNumber::as_str),
            country.map(|c| c.as_str()),
        )
        .await?;
        // Another invitation to the same address was accepted a moment ago: the identity has
        // a password now, and only its owner (signed in) may accept.
        if !created {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::SignInToAccept,
                format!(
                    "{} already has a Roster account. Sign in with it to accept this invitation.",
                    invitation.email
                ),
            ));
        }
    }

    let access = db::team::grants(&mut *tx, invitation.id)
        .await?
        .into_iter()
        .map(|grant| (grant.account_id, grant.role))
        .collect();
    let accepted = Event::new(
        WebhookEventType::InvitationAccepted,
        Some(invitation.root_id),
        &InvitationAcceptedData {
            person: webhooks::person(actor.user_id, &invitation.email, Some(&actor.name)),
            access: webhooks::grants(&access),
        },
    )?;
    let emitted = webhooks::emit(
        &mut tx,
        invitation.root_id,
        Some(actor),
        vec![accepted],
        now,
    )
    .await?;
    tx.commit().await?;
    state.metrics().invitation_accepted();
    emitted.wake(state);
    Ok(opens)
}
