//! API tokens: scoped, role-capped credentials for programs.

use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub(crate) struct TokenRow {
    pub(crate) id: i64,
    pub(crate) root_id: i64,
    pub(crate) account_id: i64,
    pub(crate) name: String,
    pub(crate) prefix: String,
    #[sqlx(try_from = "String")]
    pub(crate) max_role: Role,
    pub(crate) created_by: i64,
    pub(crate) created_at: i64,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, root_id, account_id, name, prefix, max_role, created_by, created_at, last_used_at, revoked_at";

pub(crate) struct NewToken<'a> {
    pub(crate) root_id: i64,
    pub(crate) account_id: i64,
    pub(crate) name: &'a str,
    pub(crate) token_hash: &'a str,
    pub(crate) prefix: &'a str,
    pub(crate) max_role: Role,
    pub(crate) created_by: i64,
    pub(crate) now: Timestamp,
}

pub(crate) async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token: NewToken<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (root_id, account_id, name, token_hash, prefix, max_role, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(token.root_id)
    .bind(token.account_id)
    .bind(token.name)
    .bind(token.token_hash)
    .bind(token.prefix)
    .bind(token.max_role.as_str())
    .bind(token.created_by)
    .bind(token.now.millis())
    .fetch_one(db)
    .await
}

pub(crate) async fn find_by_hash<'e, E: Executor<'e, Database = Any>>(
    db: E,
    token_hash: &str,
) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

pub(crate) async fn find<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Live tokens of these accounts, newest first.
pub(crate) async fn for_accounts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    accounts: &[i64],
) -> sqlx::Result<Vec<TokenRow>> {
    let ids = accounts
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE account_id IN ({ids}) AND revoked_at IS NULL ORDER BY id DESC"
    ))
    .fetch_all(db)
    .await
}

pub(crate) async fn revoke<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now.millis())
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn touch<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now.millis())
        .execute(db)
        .await?;
    Ok(())
}
