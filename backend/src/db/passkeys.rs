//! Passkeys and the WebAuthn ceremonies that add them or sign in with them.
//!
//! A ceremony is taken by deleting it (`DELETE … RETURNING`), so of two requests answering the
//! same challenge, on one replica or two, exactly one gets its state.

use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CeremonyKind {
    Register,
    SignIn,
}

impl CeremonyKind {
    fn as_str(self) -> &'static str {
        match self {
            CeremonyKind::Register => "register",
            CeremonyKind::SignIn => "sign_in",
        }
    }
}

pub(crate) struct NewCeremony<'a> {
    pub(crate) token_hash: &'a str,
    pub(crate) kind: CeremonyKind,
    /// Whose passkey is being added (registration only).
    pub(crate) user_id: Option<i64>,
    pub(crate) state: &'a str,
    pub(crate) expires_at: Timestamp,
}

pub(crate) async fn insert_ceremony<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ceremony: NewCeremony<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webauthn_ceremonies (token_hash, kind, user_id, state, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ceremony.token_hash)
    .bind(ceremony.kind.as_str())
    .bind(ceremony.user_id)
    .bind(ceremony.state)
    .bind(ceremony.expires_at.millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Takes (deletes) an open ceremony of `kind` started by `user_id` (`None` for a sign-in) and
/// answers its state; `None` when there is no such ceremony, it expired, or another request
/// took it first.
pub(crate) async fn take_ceremony<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
    kind: CeremonyKind,
    user_id: Option<i64>,
    now: Timestamp,
) -> sqlx::Result<Option<String>> {
    let row: Option<(Option<i64>, String)> = sqlx::query_as(
        "DELETE FROM webauthn_ceremonies WHERE token_hash = $1 AND kind = $2 AND expires_at > $3 \
         RETURNING user_id, state",
    )
    .bind(token_hash)
    .bind(kind.as_str())
    .bind(now.millis())
    .fetch_optional(db)
    .await?;
    // Another person's ceremony is gone too: its secret was out of its owner's hands.
    Ok(row
        .filter(|(owner, _)| *owner == user_id)
        .map(|(_, state)| state))
}

pub(crate) async fn delete_expired_ceremonies<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: Timestamp,
) -> sqlx::Result<u64> {
    let result = sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
        .bind(now.millis())
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// The person's user handle, made from `new_handle` if they have none yet (their first
/// passkey). Concurrent first passkeys agree on one handle.
pub(crate) async fn user_handle<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    new_handle: &str,
) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "UPDATE users SET webauthn_handle = COALESCE(webauthn_handle, $2) WHERE id = $1 \
         RETURNING webauthn_handle",
    )
    .bind(user_id)
    .bind(new_handle)
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct PasskeyRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) credential_id: String,
    pub(crate) credential: String,
    pub(crate) created_at: i64,
    pub(crate) last_used_at: Option<i64>,
}

const PASSKEY_COLUMNS: &str = "id, name, credential_id, credential, created_at, last_used_at";

/// The person's passkeys, newest first.
pub(crate) async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
) -> sqlx::Result<Vec<PasskeyRow>> {
    sqlx::query_as(&format!(
        "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id DESC"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub(crate) struct NewPasskey<'a> {
    pub(crate) user_id: i64,
    pub(crate) credential_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) credential: &'a str,
    pub(crate) now: Timestamp,
}

/// Adds a passkey; `None` when its credential id is already registered (to anyone).
pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    passkey: NewPasskey<'_>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, credential_id, name, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING RETURNING id",
    )
    .bind(passkey.user_id)
    .bind(passkey.credential_id)
    .bind(passkey.name)
    .bind(passkey.credential)
    .bind(passkey.now.millis())
    .fetch_optional(db)
    .await
}

/// The passkey `credential_id` of the person whose user handle is `handle`, and whose it is.
pub(crate) async fn find_for_sign_in<'e, E: Executor<'e, Database = Any>>(
    db: E,
    handle: &str,
    credential_id: &str,
) -> sqlx::Result<Option<(PasskeyRow, i64)>> {
    #[derive(FromRow)]
    struct Found {
        #[sqlx(flatten)]
        passkey: PasskeyRow,
        user_id: i64,
    }
    let found: Option<Found> = sqlx::query_as(&format!(
        "SELECT {PASSKEY_COLUMNS}, user_id FROM passkeys \
         WHERE credential_id = $1 AND user_id = (SELECT id FROM users WHERE webauthn_handle = $2)"
    ))
    .bind(credential_id)
    .bind(handle)
    .fetch_optional(db)
    .await?;
    Ok(found.map(|found| (found.passkey, found.user_id)))
}

/// Records a sign-in with the passkey and its new signature counter.
pub(crate) async fn record_use<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    credential: &str,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE passkeys SET credential = $2, last_used_at = $3 WHERE id = $1")
        .bind(id)
        .bind(credential)
        .bind(now.millis())
        .execute(db)
        .await?;
    Ok(())
}

/// Removes one of the person's passkeys; false when they have no such passkey.
pub(crate) async fn delete<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}
