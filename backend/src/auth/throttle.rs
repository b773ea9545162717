//! Slows password guessing, per account (email) and per client address, and locks the second
//! sign-in step of a person whose codes keep being wrong.
//!
//! After a few free failures each further one doubles the wait (30 s, 1 min, 2 min, … up to
//! 15 min), and the answer says when to retry. Counts live in the database, so every replica
//! enforces the same limit; a quiet quarter of an hour resets them, and a successful sign-in
//! resets the account's.
//!
//! The second step (a code from the authenticator app, or a recovery code) is counted per
//! person, across all their challenges, and is not reset by a right password: whoever gets
//! that far already knows the password, and a fresh challenge per sign-in must not buy fresh
//! guesses. [`SECOND_STEP_FAILURES`] wrong codes with no quiet quarter of an hour between
//! them lock the step for a quarter of an hour after the last one.

use axum::http::StatusCode;
use roster_shared::api::ErrorCode;
use roster_shared::time::{MINUTE_MS, SECOND_MS, Timestamp};
use sqlx::AnyPool;

use crate::db;
use crate::error::ApiError;

const WINDOW_MS: i64 = 15 * MINUTE_MS;
const FIRST_DELAY_MS: i64 = 30 * SECOND_MS;
const MAX_DELAY_MS: i64 = 15 * MINUTE_MS;

/// Wrong second-step codes, for one person, that lock their second step. Ten guesses at a
/// 6-digit code (each accepted for three 30-second steps) succeed about once in 33,000 locks.
pub(crate) const SECOND_STEP_FAILURES: i64 = 10;
/// How long the locked second step stays locked after the last counted attempt; it is also
/// the quiet time after which counting starts again from zero.
pub(crate) const SECOND_STEP_LOCK_MS: i64 = 15 * MINUTE_MS;

/// What is counted: failed sign-ins per account's email or per client address, and requests
/// for a password reset link per address asked for or per client address. The two kinds are
/// counted apart: someone locked out after mistyping their password must still be able to
/// ask for a reset, and asking must not slow their signing in.
pub(crate) enum Subject<'a> {
    Email(&'a str),
    Address(&'a str),
    ResetEmail(&'a str),
    ResetAddress(&'a str),
}

impl Subject<'_> {
    fn key(&self) -> String {
        match self {
            Subject::Email(email) => format!("email:{email}"),
            Subject::Address(ip) => format!("ip:{ip}"),
            Subject::ResetEmail(email) => format!("reset-email:{email}"),
            Subject::ResetAddress(ip) => format!("reset-ip:{ip}"),
        }
    }

    /// Failures allowed before any wait. An address is shared by many people (an office
    /// behind one NAT), so it gets more. A person needs one reset link, perhaps a second
    /// when the first is slow to arrive: more only fill someone's inbox.
    fn free_failures(&self) -> i64 {
        match self {
            Subject::Email(_) => 5,
            Subject::Address(_) => 20,
            Subject::ResetEmail(_) => 3,
            Subject::ResetAddress(_) => 20,
        }
    }

    /// What was counted, in the answer that asks to wait.
    fn counted(&self) -> &'static str {
        match self {
            Subject::Email(_) | Subject::Address(_) => "failed sign-in attempts",
            Subject::ResetEmail(_) | Subject::ResetAddress(_) => {
                "requests for a password reset link"
            }
        }
    }
}

/// When the next attempt is allowed after `failures`, the last at `last_failure`.
fn retry_at(free: i64, failures: i64, last_failure: i64) -> Option<i64> {
    if failures < free {
        return None;
    }
    let doublings = (failures - free).min(20) as u32;
    let delay = FIRST_DELAY_MS
        .saturating_mul(1 << doublings)
        .min(MAX_DELAY_MS);
    Some(last_failure + delay)
}

/// How often one attempt reads its count again when others changed it first. Each miss means
/// another request counted (or gave back) on the same key, which only requests in flight can
/// do, twice at most each: a burst of a hundred at once needs at most two hundred. Past this an
/// attempt is refused like one that must wait.
const COUNT_TRIES: usize = 1024;

/// Counts an attempt on every subject, in order, before the attempt is checked, or refuses it
/// (429, saying when to try again) if any subject must wait; a refused attempt counts on none.
///
/// Counting first is what makes the limit hold for guesses that arrive together: each reads
/// its count and counts on it in one compare-and-set, so of a hundred sent at once only the
/// free ones go on to have their password hashed. An attempt that turns out right is given
/// back ([`give_back`]); a wrong one stays counted.
pub(crate) async fn take_attempt(
    db: &AnyPool,
    subjects: &[Subject<'_>],
    now: Timestamp,
) -> Result<(), ApiError> {
    for (taken, subject) in subjects.iter().enumerate() {
        if !count_on(db, subject, now).await? {
            give_back(db, &subjects[..taken]).await?;
            let wait = longest_wait(db, subjects, now).await?;
            return Err(too_many(subject.counted(), wait.unwrap_or(FIRST_DELAY_MS)));
        }
    }
    Ok(())
}

/// Counts one attempt on `subject`; false if it must wait instead.
async fn count_on(db: &AnyPool, subject: &Subject<'_>, now: Timestamp) -> Result<bool, ApiError> {
    let key = subject.key();
    let window_start = now.plus_millis(-WINDOW_MS);
    for _ in 0..COUNT_TRIES {
        let seen = db::identity::failures(db, &key).await?;
        if wait_of(subject, seen, now).is_some() {
            return Ok(false);
        }
        if db::identity::count_attempt_if_unchanged(db, &key, seen, now, window_start).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Milliseconds `subject`, with the count `seen`, must wait before its next attempt.
fn wait_of(subject: &Subject<'_>, seen: Option<(i64, i64)>, now: Timestamp) -> Option<i64> {
    let (failures, last) = seen?;
    if now.millis() - last > WINDOW_MS {
        return None;
    }
    retry_at(subject.free_failures(), failures, last)
        .map(|at| at - now.millis())
        .filter(|wait| *wait > 0)
}

async fn longest_wait(
    db: &AnyPool,
    subjects: &[Subject<'_>],
    now: Timestamp,
) -> Result<Option<i64>, ApiError> {
    let mut longest = None::<i64>;
    for subject in subjects {
        let seen = db::identity::failures(db, &subject.key()).await?;
        if let Some(wait) = wait_of(subject, seen, now) {
            longest = Some(longest.map_or(wait, |l| l.max(wait)));
        }
    }
    Ok(longest)
}

fn too_many(counted: &str, wait_ms: i64) -> ApiError {
    let seconds = (wait_ms.max(1) + 999) / 1000;
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooManyAttempts,
        format!(
            "Too many {counted}. Try again in {}.",
            describe_wait(seconds)
        ),
    )
    .retry_after(seconds as u64)
}

fn describe_wait(seconds: i64) -> String {
    if seconds < 90 {
        format!("{seconds} seconds")
    } else {
        format!("{} minutes", (seconds + 59) / 60)
    }
}

/// Takes back an attempt counted by [`take_attempt`] on each of `subjects`: it was right.
pub(crate) async fn give_back(db: &AnyPool, subjects: &[Subject<'_>]) -> Result<(), ApiError> {
    for subject in subjects {
        db::identity::uncount_attempt(db, &subject.key()).await?;
    }
    Ok(())
}

pub(crate) async fn clear(db: &AnyPool, subject: Subject<'_>) -> Result<(), ApiError> {
    db::identity::clear_failures(db, &subject.key()).await?;
    Ok(())
}

/// The counter of a person's second sign-in step: a key no email or address key can be.
fn second_step_key(user_id: i64) -> String {
    format!("second-step:{user_id}")
}

/// Counts an attempt at the second step for `user_id`, before its code is checked, and
/// answers its number (1 to [`SECOND_STEP_FAILURES`]) within the current window; when the step
/// is locked, answers 429 with the time left, and counts nothing.
pub(crate) async fn take_second_step_attempt(
    db: &AnyPool,
    user_id: i64,
    now: Timestamp,
) -> Result<i64, ApiError> {
    let key = second_step_key(user_id);
    let window_start = now.plus_millis(-SECOND_STEP_LOCK_MS);
    if let Some(attempt) =
        db::sessions::take_second_step_attempt(db, &key, now, window_start, SECOND_STEP_FAILURES)
            .await?
    {
        return Ok(attempt);
    }
    let last = db::identity::failures(db, &key)
        .await?
        .map_or(now.millis(), |(_, last)| last);
    let seconds = ((last + SECOND_STEP_LOCK_MS - now.millis()).max(1) + 999) / 1000;
    Err(ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::TooManyAttempts,
        format!(
            "Too many wrong codes for this account. Signing in is paused; try again in {}.",
            describe_wait(seconds)
        ),
    )
    .retry_after(seconds as u64))
}

/// Takes back the attempt of a right code: only wrong codes count towards the lock. (What an
/// attacker cannot produce cannot reset anything for them.)
pub(crate) async fn release_second_step_attempt(
    db: &AnyPool,
    user_id: i64,
) -> Result<(), ApiError> {
    db::identity::uncount_attempt(db, &second_step_key(user_id)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures() {
        assert_eq!(retry_at(5, 4, 0), None);
        assert_eq!(retry_at(5, 5, 0), Some(30_000));
        assert_eq!(retry_at(5, 6, 0), Some(60_000));
        assert_eq!(retry_at(5, 7, 0), Some(120_000));
        assert_eq!(retry_at(5, 50, 0), Some(15 * 60_000));
    }

    #[test]
    fn waits_are_said_in_words() {
        assert_eq!(describe_wait(30), "30 seconds");
        assert_eq!(describe_wait(120), "2 minutes");
    }
}
