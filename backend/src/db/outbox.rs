//! The mail outbox: queued emails, their delivery attempts, and the development mailbox.

use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

use super::batch::{Batch, Sql};

/// A mail to queue: what to send (the serialized `Mail`), to whom, and its Message-ID.
#[derive(Debug, Clone)]
pub(crate) struct NewMail {
    pub(crate) payload: String,
    pub(crate) recipient: String,
    pub(crate) invitation_id: Option<i64>,
    pub(crate) message_id: String,
    pub(crate) now: Timestamp,
}

/// Queues one mail; answers its id.
pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    mail: &NewMail,
) -> sqlx::Result<i64> {
    let mut sql = Sql::default();
    write_insert(&mut sql, [mail]);
    sql.push(" RETURNING id");
    sql.fetch_value(db).await
}

/// The statement of [`insert`] (without its answer) for every one of `mails`, into `sql` (a
/// statement of a batch).
pub(super) fn write_insert<'q>(sql: &mut Sql<'q>, mails: impl IntoIterator<Item = &'q NewMail>) {
    sql.push(
        "INSERT INTO outbox (payload, recipient, invitation_id, message_id, created_at, \
         next_attempt_at) VALUES ",
    )
    .rows(mails, |row, mail| {
        row.bind(mail.payload.as_str())
            .bind(mail.recipient.as_str())
            .bind(mail.invitation_id)
            .bind(mail.message_id.as_str())
            .bind(mail.now.millis())
            .bind(mail.now.millis());
    });
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct Claimed {
    pub(crate) id: i64,
    pub(crate) payload: String,
    pub(crate) recipient: String,
    pub(crate) message_id: String,
    pub(crate) attempts: i64,
}

/// Takes up to `limit` due messages for delivery until `lease_until`. The conditions are
/// repeated outside the sub-select so that on PostgreSQL, where two replicas may pick the same
/// ids, the second update re-checks the row and skips it.
pub(crate) async fn claim<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    sqlx::query_as(
        "UPDATE outbox SET lease_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                      AND (lease_until IS NULL OR lease_until < $1) ORDER BY id LIMIT $3) \
           AND status = 'pending' AND (lease_until IS NULL OR lease_until < $1) \
         RETURNING id, payload, recipient, message_id, attempts",
    )
    .bind(now.millis())
    .bind(lease_until.millis())
    .bind(limit)
    .fetch_all(db)
    .await
}

pub(crate) async fn mark_sent<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $2, lease_until = NULL, last_error = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up on when `None`.
pub(crate) async fn mark_failed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    error: &str,
    retry_at: Option<Timestamp>,
) -> sqlx::Result<()> {
    let (status, next) = match retry_at {
        Some(at) => ("pending", at.millis()),
        None => ("failed", i64::MAX),
    };
    sqlx::query(
        "UPDATE outbox SET status = $2, next_attempt_at = $3, last_error = $4, lease_until = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(next)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Nothing to send any more (the invitation was revoked or accepted first).
pub(crate) async fn mark_skipped<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET status = 'skipped', lease_until = NULL WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct DevMessage {
    pub(crate) id: i64,
    pub(crate) recipient: String,
    pub(crate) sender: String,
    pub(crate) subject: String,
    pub(crate) text_body: String,
    pub(crate) html_body: String,
    pub(crate) delivered_at: i64,
}

pub(crate) struct NewDevMessage<'a> {
    pub(crate) outbox_id: i64,
    pub(crate) recipient: &'a str,
    pub(crate) sender: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) text_body: &'a str,
    pub(crate) html_body: &'a str,
    pub(crate) message_id: &'a str,
    pub(crate) now: Timestamp,
}

/// Stores `messages` in the development mailbox and marks their outbox rows sent: two
/// statements for the whole batch.
fn write_deliver_to_dev_mailbox<'q>(batch: &mut Batch<'q>, messages: &'q [NewDevMessage<'q>]) {
    let Some(first) = messages.first() else {
        return;
    };
    batch
        .statement()
        .push(
            "INSERT INTO dev_mailbox (outbox_id, recipient, sender, subject, text_body, \
             html_body, message_id, delivered_at) VALUES ",
        )
        .rows(messages, |row, message| {
            row.bind(message.outbox_id)
                .bind(message.recipient)
                .bind(message.sender)
                .bind(message.subject)
                .bind(message.text_body)
                .bind(message.html_body)
                .bind(message.message_id)
                .bind(message.now.millis());
        });
    batch
        .statement()
        .push("UPDATE outbox SET status = 'sent', sent_at = ")
        .bind(first.now.millis())
        .push(", lease_until = NULL, last_error = NULL WHERE id IN (")
        .list(messages.iter().map(|m| m.outbox_id))
        .push(")");
}

pub(crate) async fn dev_messages<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Vec<DevMessage>> {
    sqlx::query_as(
        "SELECT id, recipient, sender, subject, text_body, html_body, delivered_at \
         FROM dev_mailbox ORDER BY id DESC LIMIT 200",
    )
    .fetch_all(db)
    .await
}

pub(crate) async fn dev_message<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<DevMessage>> {
    sqlx::query_as(
        "SELECT id, recipient, sender, subject, text_body, html_body, delivered_at \
         FROM dev_mailbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub(crate) async fn clear_dev_messages<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM dev_mailbox").execute(db).await?;
    Ok(())
}

/// When the newest mail of an invitation was queued, if any.
pub(crate) async fn last_invitation_mail<'e, E: Executor<'e, Database = Any>>(
    db: E,
    invitation_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MAX(created_at) FROM outbox WHERE invitation_id = $1")
        .bind(invitation_id)
        .fetch_one(db)
        .await
}

/// A link minted while a mail was rendered: only its hash is stored, before the message that
/// carries it leaves.
pub(crate) enum MailedLink {
    Invitation { invitation_id: i64, hash: String },
    EmailChange { change_id: i64, hash: String },
    PasswordReset { reset_id: i64, hash: String },
}

fn write_links<'q>(batch: &mut Batch<'q>, links: &'q [MailedLink], now: Timestamp) {
    let invitations: Vec<(i64, &str)> = links
        .iter()
        .filter_map(|link| match link {
            MailedLink::Invitation {
                invitation_id,
                hash,
            } => Some((*invitation_id, hash.as_str())),
            MailedLink::EmailChange { .. } | MailedLink::PasswordReset { .. } => None,
        })
        .collect();
    super::team::write_insert_mailed_tokens(batch, &invitations, now);
    for link in links {
        match link {
            MailedLink::EmailChange { change_id, hash } => {
                super::profile::write_insert_email_change_token(
                    batch.statement(),
                    *change_id,
                    hash,
                    now,
                )
            }
            MailedLink::PasswordReset { reset_id, hash } => {
                super::password_resets::write_insert_token(batch.statement(), *reset_id, hash, now)
            }
            MailedLink::Invitation { .. } => {}
        }
    }
}

/// Stores the hashes of a batch's links, in one trip (on SQLite), before any of its messages
/// leaves.
pub(crate) async fn store_links(
    conn: &mut sqlx::AnyConnection,
    dialect: super::Dialect,
    links: &[MailedLink],
    now: Timestamp,
) -> sqlx::Result<()> {
    let mut batch = Batch::uncached(dialect);
    write_links(&mut batch, links, now);
    batch.run(conn).await?;
    Ok(())
}

/// Stores a batch's links and its copies in the development mailbox, and marks its outbox
/// rows sent, in one trip (on SQLite): each message is there exactly once, with a link that
/// works, or not at all.
pub(crate) async fn deliver_to_dev_mailbox(
    conn: &mut sqlx::AnyConnection,
    dialect: super::Dialect,
    links: &[MailedLink],
    messages: &[NewDevMessage<'_>],
    now: Timestamp,
) -> sqlx::Result<()> {
    let mut batch = Batch::uncached(dialect);
    write_links(&mut batch, links, now);
    write_deliver_to_dev_mailbox(&mut batch, messages);
    batch.run(conn).await?;
    Ok(())
}
