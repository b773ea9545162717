//! "Forgot password?": reset requests, their mailed links (stored hashed) and choosing the new
//! password with one.

use roster_shared::time::Timestamp;
use sqlx::{Any, AnyConnection, Executor, FromRow};

use super::batch::Sql;
use super::{sessions, users};

#[derive(Debug, Clone, FromRow)]
pub(crate) struct ResetRow {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
    pub(crate) cancelled_at: Option<i64>,
    /// The person's address, read with the request: every use of a reset needs it.
    pub(crate) email: String,
    /// The person's current password hash: someone invited who never accepted has none, and
    /// cannot reset what they do not have.
    password_hash: Option<String>,
}

impl ResetRow {
    /// Neither used nor replaced by a newer request (it may still have expired).
    pub(crate) fn is_open(&self) -> bool {
        self.used_at.is_none() && self.cancelled_at.is_none() && self.password_hash.is_some()
    }
}

const SELECT: &str = "SELECT r.id, r.user_id, r.expires_at, r.used_at, r.cancelled_at, u.email, \
     u.password_hash FROM password_resets r JOIN users u ON u.id = r.user_id";

/// Starts a reset for `user_id`, replacing any earlier one (its links stop working).
pub(crate) async fn start(
    conn: &mut AnyConnection,
    user_id: i64,
    now: Timestamp,
    expires_at: Timestamp,
) -> sqlx::Result<i64> {
    cancel_open(&mut *conn, user_id, now).await?;
    sqlx::query_scalar(
        "INSERT INTO password_resets (user_id, created_at, expires_at) VALUES ($1, $2, $3) \
         RETURNING id",
    )
    .bind(user_id)
    .bind(now.millis())
    .bind(expires_at.millis())
    .fetch_one(&mut *conn)
    .await
}

/// Cancels every open reset of `user_id` and forgets their links.
async fn cancel_open(conn: &mut AnyConnection, user_id: i64, now: Timestamp) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE password_resets SET cancelled_at = $2 \
         WHERE user_id = $1 AND used_at IS NULL AND cancelled_at IS NULL",
    )
    .bind(user_id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM password_reset_tokens \
         WHERE reset_id IN (SELECT id FROM password_resets WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn find<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ResetRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub(crate) async fn find_by_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> sqlx::Result<Option<ResetRow>> {
    sqlx::query_as(&format!(
        "{SELECT} JOIN password_reset_tokens t ON t.reset_id = r.id WHERE t.token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Stores the hash of a reset link, as part of a batch.
pub(super) fn write_insert_token<'q>(
    sql: &mut Sql<'q>,
    reset_id: i64,
    token_hash: &'q str,
    now: Timestamp,
) {
    sql.push("INSERT INTO password_reset_tokens (token_hash, reset_id, created_at) VALUES ")
        .row(|row| {
            row.bind(token_hash).bind(reset_id).bind(now.millis());
        });
}

/// Uses `reset` to set the person's new password (`password_hash`), if it is still open and
/// not expired; then every reset of theirs is over, every session of theirs signed out and
/// every pending second sign-in step ended. Answers the sessions ended, or `None` when the
/// reset could not be used (another request used it first, a newer one replaced it, or it
/// expired).
pub(crate) async fn complete(
    conn: &mut AnyConnection,
    reset: &ResetRow,
    password_hash: &str,
    now: Timestamp,
) -> sqlx::Result<Option<Vec<i64>>> {
    let used = sqlx::query(
        "UPDATE password_resets SET used_at = $2 \
         WHERE id = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2",
    )
    .bind(reset.id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !used {
        return Ok(None);
    }
    users::set_password_hash(&mut *conn, reset.user_id, password_hash).await?;
    cancel_open(&mut *conn, reset.user_id, now).await?;
    let ended = sessions::delete_others(&mut *conn, reset.user_id, None).await?;
    sessions::delete_challenges_of(&mut *conn, reset.user_id).await?;
    Ok(Some(ended))
}

/// Forgets the resets that stopped working before `before` (every reset expires, used or not),
/// with their links; answers how many.
pub(crate) async fn delete_ended(conn: &mut AnyConnection, before: Timestamp) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM password_reset_tokens WHERE reset_id IN \
         (SELECT id FROM password_resets WHERE expires_at <= $1)",
    )
    .bind(before.millis())
    .execute(&mut *conn)
    .await?;
    let deleted = sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
        .bind(before.millis())
        .execute(&mut *conn)
        .await?;
    Ok(deleted.rows_affected())
}
