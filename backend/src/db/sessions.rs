//! Signed-in devices. A row exists exactly as long as the session is valid: signing out (here
//! or from another device) deletes it, so the next request with its cookie fails at once.

use roster_shared::api::SignInMethod;
use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

use super::columns_of;
use super::users::{self, UserRow};

pub(crate) struct NewSession<'a> {
    pub(crate) token_hash: &'a str,
    pub(crate) user_id: i64,
    pub(crate) now: Timestamp,
    pub(crate) expires_at: Timestamp,
    pub(crate) user_agent: &'a str,
    pub(crate) browser: &'a str,
    pub(crate) os: &'a str,
    pub(crate) ip: &'a str,
    pub(crate) method: SignInMethod,
}

pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    session: NewSession<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, \
         user_agent, browser, os, ip, method) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id",
    )
    .bind(session.token_hash)
    .bind(session.user_id)
    .bind(session.now.millis())
    .bind(session.expires_at.millis())
    .bind(session.user_agent)
    .bind(session.browser)
    .bind(session.os)
    .bind(session.ip)
    .bind(session.method.as_str())
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct SessionRow {
    pub(crate) session_id: i64,
    pub(crate) last_seen_at: i64,
    pub(crate) expires_at: i64,
    /// The signed-in person, read in the same statement: nearly every request needs them.
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
}

pub(crate) async fn find_by_token<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(&format!(
        "SELECT s.id AS session_id, s.last_seen_at, s.expires_at, {} \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        columns_of("u", users::COLUMNS)
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

pub(crate) async fn touch<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: Timestamp,
    ip: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2, ip = $3 WHERE id = $1")
        .bind(id)
        .bind(now.millis())
        .bind(ip)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn exists<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await?;
    Ok(count > 0)
}

/// Deletes one session of `user_id`; false if it is not theirs or does not exist.
pub(crate) async fn delete<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Signs `user_id` out everywhere except on `keep` (and everywhere when `keep` is `None`);
/// answers the sessions ended.
pub(crate) async fn delete_others<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    keep: Option<i64>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id")
        .bind(user_id)
        .bind(keep.unwrap_or(-1))
        .fetch_all(db)
        .await
}

/// Removes sessions past their absolute or idle limit.
pub(crate) async fn delete_expired<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: Timestamp,
    idle_cutoff: Timestamp,
) -> sqlx::Result<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now.millis())
        .bind(idle_cutoff.millis())
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

#[derive(Debug, Clone)]
pub(crate) struct DeviceRow {
    pub(crate) id: i64,
    pub(crate) browser: String,
    pub(crate) os: String,
    pub(crate) ip: String,
    pub(crate) created_at: i64,
    pub(crate) last_seen_at: i64,
    pub(crate) method: SignInMethod,
}

pub(crate) async fn list_for_user<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
) -> sqlx::Result<Vec<DeviceRow>> {
    let rows: Vec<(i64, String, String, String, i64, i64, String)> = sqlx::query_as(
        "SELECT id, browser, os, ip, created_at, last_seen_at, method FROM sessions \
         WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, browser, os, ip, created_at, last_seen_at, method)| {
            let method = SignInMethod::parse(&method)
                .ok_or_else(|| sqlx::Error::Decode(format!("sign-in method {method:?}").into()))?;
            Ok(DeviceRow {
                id,
                browser,
                os,
                ip,
                created_at,
                last_seen_at,
                method,
            })
        })
        .collect()
}

// ---- the second sign-in step ----------------------------------------------------------------

pub(crate) async fn insert_challenge<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    user_id: i64,
    expires_at: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(expires_at.millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Counts one attempt at a challenge that is still open (not expired, fewer than `cap`
/// attempts so far) and answers whose challenge it is; `None` when it is not open.
///
/// The count goes up in the same statement that checks it, before the code is looked at:
/// concurrent guesses each take an attempt or are refused, so no more than `cap` codes are
/// ever checked against one challenge.
pub(crate) async fn take_challenge_attempt<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    now: Timestamp,
    cap: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE sign_in_challenges SET attempts = attempts + 1 \
         WHERE token_hash = $1 AND attempts < $2 AND expires_at > $3 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(cap)
    .bind(now.millis())
    .fetch_optional(db)
    .await
}

/// Counts one attempt at the second step for `key` (a person, across all their challenges)
/// unless the step is locked: `cap` attempts or more, the last one after `window_start`.
/// Answers the attempt's number within the window (a quiet window starts again from one), or
/// `None` when locked. Like [`take_challenge_attempt`], one statement counts and checks, so
/// concurrent guesses cannot all slip under the cap.
pub(crate) async fn take_second_step_attempt<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key: &str,
    now: Timestamp,
    window_start: Timestamp,
    cap: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO sign_in_failures (key, failures, last_failure_at) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN sign_in_failures.last_failure_at < $3 THEN 1 \
                           ELSE sign_in_failures.failures + 1 END, \
           last_failure_at = $2 \
         WHERE sign_in_failures.last_failure_at < $3 OR sign_in_failures.failures < $4 \
         RETURNING failures",
    )
    .bind(key)
    .bind(now.millis())
    .bind(window_start.millis())
    .bind(cap)
    .fetch_optional(db)
    .await
}

/// Deletes a challenge; false if another request already used it.
pub(crate) async fn delete_challenge<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Ends every pending second step of `user_id` (their password changed: a challenge opened
/// with the old one must not finish).
pub(crate) async fn delete_challenges_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query("DELETE FROM sign_in_challenges WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}
