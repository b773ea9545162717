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

/// People SCIM shows for an organisation (members and deactivated), by id: one page from
/// `offset`, and the total. SCIM pages by position (`startIndex`, RFC 7644 §3.4.2.4), which no
/// index holds; so the page is found by reading ids only, from the organisation's range of two
/// primary keys merged in order (members, then the deactivated who are no longer members), and
/// the total is the kept member count plus the deactivated: at 100,000 people the last page
/// costs a few milliseconds, and no row is read beyond the page's own.
pub(crate) async fn user_ids<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    root_id: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<i64>, i64)> {
    let ids = sqlx::query_scalar(&format!(
        "SELECT user_id FROM tree_members WHERE root_id = $1 \
         UNION ALL \
         SELECT d.user_id FROM scim_deactivations d WHERE d.root_id = $1 AND NOT EXISTS \
           (SELECT 1 FROM tree_members t WHERE t.root_id = d.root_id AND t.user_id = d.user_id) \
         ORDER BY user_id LIMIT {limit} OFFSET {offset}"
    ))
    .bind(root_id)
    .fetch_all(db)
    .await?;
    let deactivated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM scim_deactivations d WHERE d.root_id = $1 AND NOT EXISTS \
           (SELECT 1 FROM tree_members t WHERE t.root_id = d.root_id AND t.user_id = d.user_id)",
    )
    .bind(root_id)
    .fetch_one(db)
    .await?;
    let members = super::team::member_total(db, root_id).await?;
    Ok((ids, members + deactivated))
}
