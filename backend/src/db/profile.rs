//! A person's own details: contact, notification preferences, and verified email changes.

use roster_shared::api::NotificationPreferences;
use roster_shared::time::Timestamp;
use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::batch::Sql;

pub(crate) async fn set_contact<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    mobile: Option<&str>,
    country: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET mobile = $2, country = $3 WHERE id = $1")
        .bind(user_id)
        .bind(mobile)
        .bind(country)
        .execute(db)
        .await?;
    Ok(())
}

/// Changes the address's spelling only (same mailbox: the same key).
pub(crate) async fn respell_email<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    email: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $2 WHERE id = $1")
        .bind(user_id)
        .bind(email)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn notifications<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
) -> sqlx::Result<NotificationPreferences> {
    // Integers, not booleans: the engines disagree on how booleans come back.
    let (desktop, badge, sound): (i64, i64, i64) = sqlx::query_as(
        "SELECT CASE WHEN notify_desktop THEN 1 ELSE 0 END, CASE WHEN notify_badge THEN 1 ELSE 0 END, \
         CASE WHEN notify_sound THEN 1 ELSE 0 END FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(NotificationPreferences {
        desktop: desktop == 1,
        badge: badge == 1,
        sound: sound == 1,
    })
}

pub(crate) async fn set_notifications<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    preferences: NotificationPreferences,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET notify_desktop = $2, notify_badge = $3, notify_sound = $4 WHERE id = $1",
    )
    .bind(user_id)
    .bind(preferences.desktop)
    .bind(preferences.badge)
    .bind(preferences.sound)
    .execute(db)
    .await?;
    Ok(())
}

// ---- email changes ------------------------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub(crate) struct EmailChangeRow {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) new_email: String,
    pub(crate) new_email_key: String,
    pub(crate) expires_at: i64,
    pub(crate) confirmed_at: Option<i64>,
    pub(crate) cancelled_at: Option<i64>,
}

const CHANGE_COLUMNS: &str =
    "id, user_id, new_email, new_email_key, expires_at, confirmed_at, cancelled_at";

/// Replaces any pending change of `user_id` by a new one.
pub(crate) async fn start_email_change(
    conn: &mut AnyConnection,
    user_id: i64,
    new_email: &str,
    new_email_key: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> sqlx::Result<i64> {
    sqlx::query("UPDATE email_changes SET cancelled_at = $2 WHERE user_id = $1 AND confirmed_at IS NULL AND cancelled_at IS NULL")
        .bind(user_id)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO email_changes (user_id, new_email, new_email_key, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(new_email)
    .bind(new_email_key)
    .bind(now.millis())
    .bind(expires_at.millis())
    .fetch_one(&mut *conn)
    .await
}

pub(crate) async fn pending_email_change<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    now: Timestamp,
) -> sqlx::Result<Option<EmailChangeRow>> {
    sqlx::query_as(&format!(
        "SELECT {CHANGE_COLUMNS} FROM email_changes WHERE user_id = $1 AND confirmed_at IS NULL \
         AND cancelled_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(now.millis())
    .fetch_optional(db)
    .await
}

pub(crate) async fn email_change<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<EmailChangeRow>> {
    sqlx::query_as(&format!(
        "SELECT {CHANGE_COLUMNS} FROM email_changes WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub(crate) async fn email_change_by_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> sqlx::Result<Option<EmailChangeRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM email_changes c JOIN email_change_tokens t ON t.change_id = c.id WHERE t.token_hash = $1",
        CHANGE_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Stores the hash of a confirmation link, as part of a batch.
pub(super) fn write_insert_email_change_token<'q>(
    sql: &mut Sql<'q>,
    change_id: i64,
    token_hash: &'q str,
    now: Timestamp,
) {
    sql.push("INSERT INTO email_change_tokens (token_hash, change_id, created_at) VALUES ")
        .row(|row| {
            row.bind(token_hash).bind(change_id).bind(now.millis());
        });
}

/// Applies a confirmed change: the person's address, and their sort keys in the organisations
/// that have seen them. Open invitations keep the address they were made for: they are mailed
/// there, and one that has only invited them sees that address and no other.
pub(crate) async fn apply_email_change(
    conn: &mut AnyConnection,
    change: &EmailChangeRow,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $2, email_key = $3 WHERE id = $1")
        .bind(change.user_id)
        .bind(&change.new_email)
        .bind(&change.new_email_key)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE tree_members SET email_key = $2, \
         name_key = CASE WHEN (SELECT name FROM users WHERE id = $1) IS NULL THEN $2 ELSE name_key END \
         WHERE user_id = $1 AND accepted_at IS NOT NULL",
    )
    .bind(change.user_id)
    .bind(&change.new_email_key)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE email_changes SET confirmed_at = $2 WHERE id = $1")
        .bind(change.id)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM email_change_tokens WHERE change_id = $1")
        .bind(change.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
