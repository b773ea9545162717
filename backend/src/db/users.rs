//! People: identities, passwords and two-factor secrets.

use roster_shared::email::EmailAddress;
use roster_shared::name::PersonName;
use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: i64,
    pub(crate) email: String,
    /// `None` for someone invited who has not created their profile yet.
    pub(crate) name: Option<String>,
    pub(crate) password_hash: Option<String>,
    pub(crate) totp_secret: Option<String>,
    pub(crate) totp_pending_secret: Option<String>,
    pub(crate) totp_last_step: Option<i64>,
    pub(crate) last_account_id: Option<i64>,
    pub(crate) mobile: Option<String>,
    pub(crate) country: Option<String>,
}

impl UserRow {
    /// The name to show: their own, or their address until they have one.
    pub(crate) fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.email)
    }
}

pub(crate) const COLUMNS: &str = "id, email, name, password_hash, totp_secret, totp_pending_secret, \
                       totp_last_step, last_account_id, mobile, country";

pub(crate) async fn count<'e, E: Executor<'e, Database = Any>>(db: E) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await
}

pub(crate) async fn find_by_email<'e, E: Executor<'e, Database = Any>>(
    db: E,
    email_key: &str,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email_key = $1"))
        .bind(email_key)
        .fetch_optional(db)
        .await
}

pub(crate) async fn find<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    email: &EmailAddress,
    name: Option<&PersonName>,
    password_hash: Option<&str>,
    now: Timestamp,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (email, email_key, name, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(email.as_str())
    .bind(email.key())
    .bind(name.map(PersonName::as_str))
    .bind(password_hash)
    .bind(now.millis())
    .fetch_one(db)
    .await
}

pub(crate) async fn record_sign_in<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET last_sign_in_at = $2, first_sign_in_at = COALESCE(first_sign_in_at, $2) \
         WHERE id = $1",
    )
    .bind(id)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Renames a person, and their sort key in every organisation that has seen them (accepted its
/// invitation): one that has only invited them keeps sorting them by the invited address.
pub(crate) async fn set_name(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    name: &PersonName,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE tree_members SET name_key = $2 WHERE user_id = $1 AND accepted_at IS NOT NULL",
    )
    .bind(id)
    .bind(name.as_str().to_lowercase())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Creates a person's profile when they accept their first invitation: false (and nothing
/// written) if the identity has a password already. A password is only ever set here on an
/// identity that has none; after that, only its owner changes it.
pub(crate) async fn create_profile(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    name: &PersonName,
    password_hash: &str,
    mobile: Option<&str>,
    country: Option<&str>,
) -> sqlx::Result<bool> {
    let created = sqlx::query(
        "UPDATE users SET password_hash = $2, mobile = $3, country = $4 \
         WHERE id = $1 AND password_hash IS NULL",
    )
    .bind(id)
    .bind(password_hash)
    .bind(mobile)
    .bind(country)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if created {
        set_name(conn, id, name).await?;
    }
    Ok(created)
}

pub(crate) async fn set_password_hash<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn set_last_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    account: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET last_account_id = $2 WHERE id = $1")
        .bind(id)
        .bind(account)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn set_totp_pending<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    secret: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET totp_pending_secret = $2 WHERE id = $1")
        .bind(id)
        .bind(secret)
        .execute(db)
        .await?;
    Ok(())
}

/// Turns the pending secret into the active one.
pub(crate) async fn enable_totp<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    used_step: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, \
         totp_last_step = $2 WHERE id = $1 AND totp_pending_secret IS NOT NULL",
    )
    .bind(id)
    .bind(used_step)
    .execute(db)
    .await?;
    Ok(())
}

pub(crate) async fn disable_totp<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL \
         WHERE id = $1",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records the step a code was used at; false if a later or equal step was already used
/// (another request used the same code first).
pub(crate) async fn use_totp_step<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    step: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "UPDATE users SET totp_last_step = $2 \
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(id)
    .bind(step)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}
