//! First-run setup tokens, sign-in failure counts and recovery codes.

use roster_shared::time::Timestamp;
use sqlx::{Any, Executor};

pub(crate) async fn insert_setup_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
        .bind(token_hash)
        .bind(now.millis())
        .execute(db)
        .await?;
    Ok(())
}

/// Serializes first-run setups: every setup transaction updates the one `instance` row first,
/// so on PostgreSQL a second setup waits for the first and then sees its Owner.
pub(crate) async fn lock_instance(conn: &mut sqlx::AnyConnection) -> sqlx::Result<()> {
    sqlx::query("UPDATE instance SET created_at = created_at WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Uses a setup token: if `token_hash` is a valid one, deletes it and every other (setup
/// happens once) and answers true; otherwise changes nothing.
pub(crate) async fn use_setup_token(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
) -> sqlx::Result<bool> {
    let used = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    if used {
        sqlx::query("DELETE FROM setup_tokens")
            .execute(&mut *conn)
            .await?;
    }
    Ok(used)
}

/// `(failures, last failure)` recorded for `key`.
pub(crate) async fn failures<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as("SELECT failures, last_failure_at FROM sign_in_failures WHERE key = $1")
        .bind(key)
        .fetch_optional(db)
        .await
}

/// Counts one attempt for `key`, but only if its count is still `seen` (as read by
/// [`failures`]; `None`: no count yet): a compare-and-set, so that of several requests that
/// read the same count only one counts on it, and the others must read again. A count whose
/// last attempt is before `window_start` starts again from one. True if this one counted.
pub(crate) async fn count_attempt_if_unchanged<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key: &str,
    seen: Option<(i64, i64)>,
    now: Timestamp,
    window_start: Timestamp,
) -> sqlx::Result<bool> {
    let result =
        match seen {
            None => sqlx::query(
                "INSERT INTO sign_in_failures (key, failures, last_failure_at) VALUES ($1, 1, $2) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(now.millis())
            .execute(db)
            .await?,
            Some((failures, last)) => {
                sqlx::query(
                    "UPDATE sign_in_failures SET \
                   failures = CASE WHEN last_failure_at < $3 THEN 1 ELSE failures + 1 END, \
                   last_failure_at = $2 \
                 WHERE key = $1 AND failures = $4 AND last_failure_at = $5",
                )
                .bind(key)
                .bind(now.millis())
                .bind(window_start.millis())
                .bind(failures)
                .bind(last)
                .execute(db)
                .await?
            }
        };
    Ok(result.rows_affected() == 1)
}

/// Takes back one attempt counted by [`count_attempt_if_unchanged`] (it succeeded, or it was
/// refused on another count): only failures should count.
pub(crate) async fn uncount_attempt<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sign_in_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .execute(db)
    .await?;
    Ok(())
}

pub(crate) async fn clear_failures<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn replace_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    code_hashes: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for hash in code_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses up a recovery code; false if it is not one of the person's unused codes.
pub(crate) async fn use_recovery_code<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    code_hash: &str,
    now: Timestamp,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(code_hash)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn delete_recovery_codes<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
