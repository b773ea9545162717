//! Email: a durable outbox, a delivery worker, and the transports (SMTP or the development
//! mailbox).
//!
//! A change that causes an email calls [`enqueue`] inside its own transaction, so the email
//! exists exactly when the change does. After commit it calls [`Mailer::wake`] so this
//! replica's worker delivers at once; every replica's worker also polls, which covers other
//! replicas' mail and retries. The outbox row names what to send ([`Mail`]); the worker renders
//! it from the database at delivery time, minting any link token then, so no usable secret is
//! stored in the outbox and a revoked invitation is simply not sent.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rand::RngCore as _;
use roster_shared::time::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::db;

pub(crate) mod dev_mailbox;
pub(crate) mod templates;
pub(crate) mod transport;
pub(crate) mod worker;

pub(crate) use transport::Transport;

/// What an outbox row asks to send. Stored as JSON; add variants, never rename them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Mail {
    /// "Email delivery works" to a person, on request.
    Test { user_id: i64 },
    /// An invitation (or a fresh one for someone invited before), with an accept link.
    Invitation { invitation_id: i64, reinvite: bool },
    /// A link to confirm a new address, sent to that address.
    EmailChangeConfirmation { change_id: i64 },
    /// A note to the old address that a change was asked for.
    EmailChangeNotice { change_id: i64, old_email: String },
    /// Someone already in an organisation was given access to more accounts.
    AccessGranted {
        user_id: i64,
        root_id: i64,
        accounts: Vec<i64>,
        granter: String,
    },
    /// Someone got the person's password right but failed the second sign-in step so often
    /// that it locked.
    SecondStepLocked { user_id: i64, failures: i64 },
    /// A link to choose a new password ("Forgot password?").
    PasswordReset { reset_id: i64 },
    /// A webhook endpoint failed for days and was turned off: to each Owner of its
    /// organisation.
    WebhookDisabled { endpoint_id: i64, user_id: i64 },
    /// The password was changed; the other devices were signed out.
    PasswordChanged {
        user_id: i64,
        #[serde(default)]
        how: PasswordChange,
    },
}

/// How a password was changed, which the notice tells the person (and what to do if it was not
/// them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PasswordChange {
    /// With a link from a "Forgot password?" email: whoever did it reads the person's mail.
    #[default]
    ResetLink,
    /// Signed in, on Sign-in & Security, with the current password.
    SignedIn,
}

/// Delivery policy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// Wait before the first retry; each next wait is three times longer (capped at an hour).
    pub(crate) retry_base: Duration,
    /// Attempts before a message is marked failed.
    pub(crate) max_attempts: u32,
    /// How often idle workers look for due messages.
    pub(crate) poll_every: Duration,
    /// How long a claimed message is reserved for the worker that took it.
    pub(crate) lease: Duration,
}

impl Policy {
    /// When to try again after `attempts` failed attempts, or `None` to give up.
    pub(crate) fn retry_at(&self, attempts: u32, now: Timestamp) -> Option<Timestamp> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 3u64.saturating_pow(attempts.saturating_sub(1));
        let wait = self
            .retry_base
            .saturating_mul(u32::try_from(factor).unwrap_or(u32::MAX))
            .min(Duration::from_secs(3600));
        Some(now.plus_millis(wait.as_millis() as i64))
    }
}

/// The handle the rest of the server uses: which transport, and the worker's wake-up call.
#[derive(Clone)]
pub(crate) struct Mailer {
    pub(crate) transport: Arc<Transport>,
    pub(crate) policy: Policy,
    wake: Arc<Notify>,
}

impl Mailer {
    pub(crate) fn new(transport: Transport, policy: Policy) -> Self {
        Mailer {
            transport: Arc::new(transport),
            policy,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Tells this replica's worker that mail was committed.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.wake.notified()
    }
}

/// `mail` for `recipient`, ready to queue (serialized, with its own Message-ID).
pub(crate) fn prepare(
    mail: &Mail,
    recipient: &str,
    invitation_id: Option<i64>,
    now: Timestamp,
) -> anyhow::Result<db::outbox::NewMail> {
    Ok(db::outbox::NewMail {
        payload: serde_json::to_string(mail).context("cannot serialize mail")?,
        recipient: recipient.to_owned(),
        invitation_id,
        message_id: message_id(),
        now,
    })
}

/// Queues one mail that goes with no other change, and wakes this replica's worker.
pub(crate) async fn send_alone(
    state: &crate::state::AppState,
    mail: &Mail,
    recipient: &str,
    now: Timestamp,
) -> Result<(), crate::error::ApiError> {
    let mut tx = state.db().writer().begin().await?;
    enqueue(&mut tx, mail, recipient, None, now).await?;
    tx.commit().await?;
    state.mailer().wake();
    Ok(())
}

/// Queues "email delivery works" to the signed-in person; answers where it goes and how.
pub(crate) async fn send_test(
    state: &crate::state::AppState,
    user: &db::users::UserRow,
) -> Result<roster_shared::api::TestMailQueued, crate::error::ApiError> {
    let test = Mail::Test { user_id: user.id };
    send_alone(state, &test, &user.email, crate::clock::now()).await?;
    Ok(roster_shared::api::TestMailQueued {
        to: roster_shared::email::EmailAddress::parse(&user.email)
            .map_err(crate::error::ApiError::internal)?,
        transport: state.mailer().transport.describe(),
    })
}

/// Queues `mail` for `recipient` in the caller's transaction.
pub(crate) async fn enqueue(
    conn: &mut sqlx::AnyConnection,
    mail: &Mail,
    recipient: &str,
    invitation_id: Option<i64>,
    now: Timestamp,
) -> anyhow::Result<i64> {
    let new = prepare(mail, recipient, invitation_id, now)?;
    Ok(db::outbox::insert(&mut *conn, &new).await?)
}

/// Queues `mail(owner)` to every Owner of top-level account `root_id`.
pub(crate) async fn enqueue_to_owners(
    conn: &mut sqlx::AnyConnection,
    root_id: i64,
    mail: impl Fn(i64) -> Mail,
    now: Timestamp,
) -> anyhow::Result<()> {
    for (user_id, email) in db::accounts::owners(&mut *conn, root_id).await? {
        enqueue(conn, &mail(user_id), &email, None, now).await?;
    }
    Ok(())
}

/// A globally unique Message-ID, kept across retries.
fn message_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("<{}@roster>", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_stop() {
        let policy = Policy {
            retry_base: Duration::from_secs(10),
            max_attempts: 8,
            poll_every: Duration::from_secs(2),
            lease: Duration::from_secs(30),
        };
        let now = Timestamp::from_millis(0);
        let waits: Vec<i64> = (1..8)
            .map(|attempt| policy.retry_at(attempt, now).unwrap().millis() / 1000)
            .collect();
        assert_eq!(waits, [10, 30, 90, 270, 810, 2430, 3600]);
        assert_eq!(policy.retry_at(8, now), None);
    }

    #[test]
    fn payloads_are_tagged_json() {
        let json = serde_json::to_string(&Mail::Test { user_id: 7 }).unwrap();
        assert_eq!(json, r#"{"kind":"test","user_id":7}"#);
        assert_eq!(
            serde_json::from_str::<Mail>(&json).unwrap(),
            Mail::Test { user_id: 7 }
        );
    }
}
