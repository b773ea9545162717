//! Delivers the outbox: claims due messages, renders each from the database, sends it, and
//! records the outcome (sent, retry later with back-off, failed, or skipped).

use roster_shared::time::{MINUTE_MS, Timestamp};

use crate::auth::{throttle, token};
use crate::clock;
use crate::db;
use crate::db::outbox::MailedLink;
use crate::mail::templates::{self, Rendered};
use crate::mail::transport::Outgoing;
use crate::mail::{Mail, Mailer, Transport};
use crate::metrics::MailOutcome;
use crate::state::AppState;

const BATCH: i64 = 20;

pub(crate) async fn run(state: AppState) {
    let mailer = state.mailer().clone();
    let workers = state.workers();
    let _running = workers.start(&workers.mail);
    loop {
        workers.turn(&workers.mail);
        let delivered = match deliver_due(&state, &mailer).await {
            Ok(count) => count,
            Err(error) => {
                tracing::warn!(%error, "mail worker: cannot read the outbox");
                0
            }
        };
        if delivered == 0 {
            tokio::select! {
                () = mailer.notified() => {}
                () = tokio::time::sleep(mailer.policy.poll_every) => {}
            }
        }
    }
}

/// Delivers one batch; returns how many messages it handled.
///
/// The writer is taken a fixed number of times per batch rather than several times per
/// message, because every invitation's transaction waits for it: one transaction stores the
/// links of the whole batch before any message leaves by SMTP; the development mailbox stores
/// the links, its copies and their "sent" marks in one.
pub(crate) async fn deliver_due(state: &AppState, mailer: &Mailer) -> anyhow::Result<usize> {
    let now = clock::now();
    let lease_until = now.plus_millis(mailer.policy.lease.as_millis() as i64);
    let claimed = db::outbox::claim(state.db().writer(), now, lease_until, BATCH).await?;
    let mut ready: Vec<(&db::outbox::Claimed, Rendered)> = Vec::with_capacity(claimed.len());
    let mut links = Vec::new();
    for item in &claimed {
        let mail: Mail = match serde_json::from_str(&item.payload) {
            Ok(mail) => mail,
            Err(error) => {
                tracing::error!(outbox = item.id, %error, "undecodable outbox row");
                db::outbox::mark_failed(state.db().writer(), item.id, "undecodable payload", None)
                    .await?;
                continue;
            }
        };
        match render(state, &mail).await {
            Ok(Some((rendered, link))) => {
                links.extend(link);
                ready.push((item, rendered));
            }
            Ok(None) => db::outbox::mark_skipped(state.db().writer(), item.id).await?,
            Err(error) => {
                let reason = format!("rendering: {error:#}");
                record_failure(state, mailer, item.id, item.attempts, &reason).await?;
            }
        }
    }
    if ready.is_empty() {
        return Ok(claimed.len());
    }
    match &*mailer.transport {
        Transport::DevMailbox { from } => {
            let from = from.to_string();
            if let Err(error) = to_dev_mailbox(state, &from, &links, &ready).await {
                let reason = format!("development mailbox: {error}");
                for (item, _) in &ready {
                    record_failure(state, mailer, item.id, item.attempts, &reason).await?;
                }
            }
        }
        Transport::Smtp(smtp) => {
            if let Err(error) = store_links(state, &links).await {
                let reason = format!("storing the links: {error:#}");
                for (item, _) in &ready {
                    record_failure(state, mailer, item.id, item.attempts, &reason).await?;
                }
                return Ok(claimed.len());
            }
            for (item, rendered) in &ready {
                let outgoing = Outgoing {
                    to: &item.recipient,
                    message_id: &item.message_id,
                    rendered,
                };
                match smtp.send(outgoing).await {
                    Ok(()) => {
                        db::outbox::mark_sent(state.db().writer(), item.id, clock::now()).await?;
                        state.metrics().mail_delivery(MailOutcome::Sent);
                        tracing::info!(outbox = item.id, to = %item.recipient, subject = %rendered.subject, "mail sent");
                    }
                    Err(reason) => {
                        record_failure(state, mailer, item.id, item.attempts, &reason).await?
                    }
                }
            }
        }
    }
    Ok(claimed.len())
}

/// Stores the links' hashes in one transaction, before any message of the batch leaves.
async fn store_links(state: &AppState, links: &[MailedLink]) -> sqlx::Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::outbox::store_links(&mut tx, db.dialect(), links, clock::now()).await?;
    tx.commit().await
}

/// Stores the batch's links and its copies in the development mailbox, and marks it sent, in
/// one transaction (one trip to the writer on SQLite): each message is there exactly once,
/// with a link that works, or not at all and retried.
async fn to_dev_mailbox(
    state: &AppState,
    from: &str,
    links: &[MailedLink],
    ready: &[(&db::outbox::Claimed, Rendered)],
) -> sqlx::Result<()> {
    let now = clock::now();
    let messages: Vec<db::outbox::NewDevMessage<'_>> = ready
        .iter()
        .map(|(item, rendered)| db::outbox::NewDevMessage {
            outbox_id: item.id,
            recipient: &item.recipient,
            sender: from,
            subject: &rendered.subject,
            text_body: &rendered.text,
            html_body: &rendered.html,
            message_id: &item.message_id,
            now,
        })
        .collect();
    let db = state.db();
    let mut tx = db.writer().begin().await?;
    db::outbox::deliver_to_dev_mailbox(&mut tx, db.dialect(), links, &messages, now).await?;
    tx.commit().await?;
    for (item, rendered) in ready {
        state.metrics().mail_delivery(MailOutcome::Sent);
        tracing::info!(outbox = item.id, to = %item.recipient, subject = %rendered.subject, "mail kept in the development mailbox");
    }
    Ok(())
}

async fn record_failure(
    state: &AppState,
    mailer: &Mailer,
    id: i64,
    attempts: i64,
    reason: &str,
) -> anyhow::Result<()> {
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    let retry_at = mailer.policy.retry_at(attempts, clock::now());
    match retry_at {
        Some(at) => {
            tracing::warn!(outbox = id, attempts, retry_in_ms = at.millis() - clock::now().millis(), %reason, "mail delivery failed; will retry")
        }
        None => tracing::error!(outbox = id, attempts, %reason, "mail delivery failed; giving up"),
    }
    db::outbox::mark_failed(state.db().writer(), id, reason, retry_at).await?;
    state.metrics().mail_delivery(if retry_at.is_some() {
        MailOutcome::Retried
    } else {
        MailOutcome::Failed
    });
    Ok(())
}

/// The message for `mail` and the link it carries, or `None` when there is nothing to send any
/// more.
async fn render(
    state: &AppState,
    mail: &Mail,
) -> anyhow::Result<Option<(Rendered, Option<MailedLink>)>> {
    let sign_in_url = format!("{}/sign-in", state.public_url());
    match mail {
        Mail::Invitation {
            invitation_id,
            reinvite,
        } => {
            let Some(db::team::InvitationToSend {
                invitation,
                organisation,
                grants,
            }) = db::team::invitation_to_send(state.db().reader(), *invitation_id).await?
            else {
                return Ok(None);
            };
            let now = clock::now();
            // Accepted, withdrawn or expired before it could be sent: nothing to send.
            if invitation.accepted_at.is_some()
                || invitation.revoked_at.is_some()
                || invitation.expires_at <= now.millis()
            {
                return Ok(None);
            }
            let grants: Vec<templates::Grant> = grants
                .into_iter()
                .map(|(account, role)| templates::Grant { account, role })
                .collect();
            // The link is minted now, so no usable token waits in the outbox.
            let (token, hash) = token::new_token();
            let accept_url = format!("{}/invitations/accept#token={token}", state.public_url());
            let inviter = invitation
                .inviter_name
                .as_deref()
                .unwrap_or("The Roster administrator");
            let rendered = templates::invitation(&templates::Invitation {
                inviter,
                organisation: &organisation,
                grants: &grants,
                sign_in_url: &sign_in_url,
                email: &invitation.email,
                accept_url: &accept_url,
                expires_at: Timestamp::from_millis(invitation.expires_at),
                reinvite: *reinvite,
            });
            let link = MailedLink::Invitation {
                invitation_id: invitation.id,
                hash,
            };
            Ok(Some((rendered, Some(link))))
        }
        Mail::EmailChangeConfirmation { change_id } => {
            let Some(change) = db::profile::email_change(state.db().reader(), *change_id).await?
            else {
                return Ok(None);
            };
            let now = clock::now();
            if change.confirmed_at.is_some()
                || change.cancelled_at.is_some()
                || change.expires_at <= now.millis()
            {
                return Ok(None);
            }
            let Some(user) = db::users::find(state.db().reader(), change.user_id).await? else {
                return Ok(None);
            };
            let (token, hash) = token::new_token();
            let confirm_url = format!("{}/email/confirm#token={token}", state.public_url());
            let rendered =
                templates::email_change_confirmation(&templates::EmailChangeConfirmation {
                    name: user.display_name(),
                    new_email: &change.new_email,
                    confirm_url: &confirm_url,
                    expires_at: Timestamp::from_millis(change.expires_at),
                });
            let link = MailedLink::EmailChange {
                change_id: change.id,
                hash,
            };
            Ok(Some((rendered, Some(link))))
        }
        Mail::EmailChangeNotice {
            change_id,
            old_email,
        } => {
            let Some(change) = db::profile::email_change(state.db().reader(), *change_id).await?
            else {
                return Ok(None);
            };
            let Some(user) = db::users::find(state.db().reader(), change.user_id).await? else {
                return Ok(None);
            };
            let rendered = templates::email_change_notice(&templates::EmailChangeNotice {
                name: user.display_name(),
                old_email,
                new_email: &change.new_email,
            });
            Ok(Some((rendered, None)))
        }
        Mail::AccessGranted {
            user_id,
            root_id,
            accounts,
            granter,
        } => {
            let Some(user) = db::users::find(state.db().reader(), *user_id).await? else {
                return Ok(None);
            };
            let held = db::accounts::memberships_of(state.db().reader(), *user_id).await?;
            let mut grants = Vec::new();
            for membership in held
                .iter()
                .filter(|m| m.root_id == *root_id && accounts.contains(&m.account_id))
            {
                let account =
                    db::accounts::find(state.db().reader(), membership.account_id).await?;
                grants.push(templates::Grant {
                    account: account.map(|a| a.name).unwrap_or_default(),
                    role: membership.role,
                });
            }
            // Removed again before the mail went out.
            if grants.is_empty() {
                return Ok(None);
            }
            let rendered = templates::access_granted(&templates::AccessGranted {
                granter,
                name: user.display_name(),
                grants: &grants,
                sign_in_url: &sign_in_url,
                email: &user.email,
            });
            Ok(Some((rendered, None)))
        }
        Mail::Test { user_id } => {
            let Some(user) = db::users::find(state.db().reader(), *user_id).await? else {
                return Ok(None);
            };
            let rendered = templates::test(&templates::Test {
                name: user.display_name(),
                transport: &state.mailer().transport.describe(),
            });
            Ok(Some((rendered, None)))
        }
        Mail::SecondStepLocked { user_id, failures } => {
            let Some(user) = db::users::find(state.db().reader(), *user_id).await? else {
                return Ok(None);
            };
            let rendered = templates::second_step_locked(&templates::SecondStepLocked {
                name: user.display_name(),
                failures: *failures,
                lock_minutes: throttle::SECOND_STEP_LOCK_MS / MINUTE_MS,
                sign_in_url: &sign_in_url,
            });
            Ok(Some((rendered, None)))
        }
        Mail::WebhookDisabled {
            endpoint_id,
            user_id,
        } => {
            let (Some(user), Some(endpoint)) = (
                db::users::find(state.db().reader(), *user_id).await?,
                db::webhooks::endpoint_by_id(state.db().reader(), *endpoint_id).await?,
            ) else {
                return Ok(None);
            };
            let Some(organisation) =
                db::accounts::find(state.db().reader(), endpoint.account_id).await?
            else {
                return Ok(None);
            };
            let settings_url = format!(
                "{}/accounts/{}/webhooks/{}",
                state.public_url(),
                endpoint.account_id,
                endpoint.id
            );
            let rendered = templates::webhook_disabled(&templates::WebhookDisabled {
                name: user.display_name(),
                organisation: &organisation.name,
                url: &endpoint.url,
                reason: endpoint.disabled_reason.as_deref().unwrap_or_default(),
                settings_url: &settings_url,
            });
            Ok(Some((rendered, None)))
        }
        Mail::PasswordReset { reset_id } => {
            let Some(reset) = db::password_resets::find(state.db().reader(), *reset_id).await?
            else {
                return Ok(None);
            };
            // Used, replaced by a newer request or expired before it could be sent.
            if !reset.is_open() || reset.expires_at <= clock::now().millis() {
                return Ok(None);
            }
            let Some(user) = db::users::find(state.db().reader(), reset.user_id).await? else {
                return Ok(None);
            };
            let (token, hash) = token::new_token();
            let reset_url = format!("{}/reset-password#token={token}", state.public_url());
            let rendered = templates::password_reset(&templates::PasswordReset {
                name: user.display_name(),
                email: &user.email,
                reset_url: &reset_url,
                expires_at: Timestamp::from_millis(reset.expires_at),
            });
            let link = MailedLink::PasswordReset {
                reset_id: reset.id,
                hash,
            };
            Ok(Some((rendered, Some(link))))
        }
        Mail::PasswordChanged { user_id, how } => {
            let Some(user) = db::users::find(state.db().reader(), *user_id).await? else {
                return Ok(None);
            };
            let rendered = templates::password_changed(&templates::PasswordChanged {
                name: user.display_name(),
                email: &user.email,
                forgot_url: &format!("{}/forgot-password", state.public_url()),
                how: *how,
            });
            Ok(Some((rendered, None)))
        }
    }
}
