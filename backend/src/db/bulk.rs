//! Bulk operations on the Users list: the operation, its people in the order picked, and its
//! progress, which every replica reads while the one that started it works through it.

use roster_shared::time::Timestamp;
use sqlx::{Any, AnyConnection, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub(crate) struct OperationRow {
    pub(crate) id: i64,
    pub(crate) account_id: i64,
    /// `roster_shared::api::BulkAction` as JSON.
    pub(crate) action: String,
    pub(crate) total: i64,
    pub(crate) done: i64,
    pub(crate) skipped_count: i64,
    /// The first skips (`Vec<roster_shared::api::BulkSkip>`) as JSON.
    pub(crate) skipped: String,
    pub(crate) started_at: i64,
    pub(crate) finished_at: Option<i64>,
    pub(crate) interrupted: i64,
}

const SELECT: &str = "SELECT id, account_id, action, total, done, \
     skipped_count, skipped, started_at, finished_at, interrupted FROM bulk_operations";

/// Rows per INSERT: 3 parameters each stays far below either engine's parameter limit.
const PEOPLE_PER_INSERT: usize = 500;

/// Starts an operation on `people` (in this order); it is leased to its starter until
/// `lease_until`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    root_id: i64,
    account_id: i64,
    actor_user_id: i64,
    action: &str,
    people: &[i64],
    now: Timestamp,
    lease_until: Timestamp,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO bulk_operations (root_id, account_id, actor_user_id, action, total, \
             started_at, lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(root_id)
    .bind(account_id)
    .bind(actor_user_id)
    .bind(action)
    .bind(i64::try_from(people.len()).unwrap_or(i64::MAX))
    .bind(now.millis())
    .bind(lease_until.millis())
    .fetch_one(&mut *conn)
    .await?;
    for (chunk_index, chunk) in people.chunks(PEOPLE_PER_INSERT).enumerate() {
        let values = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO bulk_operation_people (operation_id, position, user_id) VALUES {values}"
        );
        let mut query = sqlx::query(&sql);
        for (i, user) in chunk.iter().enumerate() {
            let position = chunk_index * PEOPLE_PER_INSERT + i;
            query = query
                .bind(id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(*user);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(id)
}

/// Operation `id` of organisation `root_id`.
pub(crate) async fn find<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
    id: i64,
) -> sqlx::Result<Option<OperationRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE id = $1 AND root_id = $2"))
        .bind(id)
        .bind(root_id)
        .fetch_optional(db)
        .await
}

/// The people at positions `from..from + limit`, in order.
pub(crate) async fn people<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    from: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT user_id FROM bulk_operation_people WHERE operation_id = $1 AND position >= $2 \
         ORDER BY position LIMIT $3",
    )
    .bind(id)
    .bind(from)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Records how far the operation is and renews its lease.
pub(crate) async fn progress<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    done: i64,
    skipped_count: i64,
    skipped: &str,
    lease_until: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE bulk_operations SET done = $2, skipped_count = $3, skipped = $4, \
         lease_until = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(done)
    .bind(skipped_count)
    .bind(skipped)
    .bind(lease_until.millis())
    .execute(db)
    .await?;
    Ok(())
}

/// Marks the operation finished (`interrupted`: it stopped before its end).
pub(crate) async fn finish<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: Timestamp,
    interrupted: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE bulk_operations SET finished_at = $2, interrupted = $3 WHERE id = $1")
        .bind(id)
        .bind(now.millis())
        .bind(i64::from(interrupted))
        .execute(db)
        .await?;
    Ok(())
}

/// Operations whose replica stopped renewing their lease (it crashed or was stopped) are
/// finished as interrupted: what was done stays done, the rest is for the person to select
/// again. Returns how many.
pub(crate) async fn interrupt_abandoned<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: Timestamp,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE bulk_operations SET finished_at = $1, interrupted = 1 \
         WHERE finished_at IS NULL AND lease_until < $1",
    )
    .bind(now.millis())
    .execute(db)
    .await?
    .rows_affected())
}

/// Forgets finished operations (and their people) older than `before`.
pub(crate) async fn delete_finished_before<'e, E: Executor<'e, Database = Any>>(
    db: E,
    before: Timestamp,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM bulk_operations WHERE finished_at IS NOT NULL AND finished_at < $1",
    )
    .bind(before.millis())
    .execute(db)
    .await?
    .rows_affected())
}
