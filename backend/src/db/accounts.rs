//! Accounts and memberships.

use roster_shared::name::AccountName;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use sqlx::{Any, AnyConnection, Executor};

/// Creates a top-level account on `plan`.
pub(crate) async fn insert_top_level(
    conn: &mut AnyConnection,
    name: &AccountName,
    plan: &str,
    now: Timestamp,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (parent_id, root_id, name, plan, created_at) \
         VALUES (NULL, 0, $1, $2, $3) RETURNING id",
    )
    .bind(name.as_str())
    .bind(plan)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE accounts SET root_id = id WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

pub(crate) async fn insert_membership<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    account_id: i64,
    role: Role,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (user_id, account_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(account_id)
    .bind(role.as_str())
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(())
}
