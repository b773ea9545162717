//! What SCIM needs beyond the team tables: deactivated people, and listing by id.

use roster_shared::time::Timestamp;
use sqlx::{Any, Executor};

pub(crate) async fn deactivate<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO scim_deactivations (root_id, user_id, deactivated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (root_id, user_id) DO UPDATE SET deactivated_at = excluded.deactivated_at",
    )
    .bind(root_id)
    .bind(user_id)
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(())
}

pub(crate) async fn forget<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM scim_deactivations WHERE root_id = $1 AND user_id = $2")
        .bind(root_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn is_deactivated<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    user_id: i64,
) -> sqlx::Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM scim_deactivations WHERE root_id = $1 AND user_id = $2",
    )
    .bind(root_id)
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(count > 0)
}

/// People SCIM shows for an organisation (members and deactivated), by id: one page, and the
/// total.
pub(crate) async fn user_ids<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    root_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<i64>, i64)> {
    let ids = sqlx::query_scalar(&format!(
        "SELECT user_id FROM (SELECT user_id FROM tree_members WHERE root_id = $1 \
         UNION SELECT user_id FROM scim_deactivations WHERE root_id = $1) AS people \
         ORDER BY user_id LIMIT {limit} OFFSET {offset}"
    ))
    .bind(root_id)
    .fetch_all(db)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT user_id FROM tree_members WHERE root_id = $1 \
         UNION SELECT user_id FROM scim_deactivations WHERE root_id = $1) AS people",
    )
    .bind(root_id)
    .fetch_one(db)
    .await?;
    Ok((ids, total))
}
