//! What a metrics scrape reads from the database: the queues' depth and age, and the seats of
//! each organisation.

use roster_shared::time::Timestamp;

use super::Db;

pub(crate) struct Read {
    pub(crate) mail_pending: i64,
    /// When the oldest email still waiting was queued (Unix milliseconds).
    pub(crate) mail_oldest_created_at: Option<i64>,
    pub(crate) webhook_pending: i64,
    /// When the oldest delivery waiting for an endpoint that is on was queued.
    pub(crate) webhook_oldest_created_at: Option<i64>,
    /// The fullest organisations first, at most the number asked for.
    pub(crate) organisations: Vec<OrganisationRow>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrganisationRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) plan: Option<String>,
    pub(crate) extra_seats: i64,
    pub(crate) used: i64,
}

/// Reads the gauges' values. Each count is one indexed range (`outbox_due`,
/// `webhook_deliveries_due`); seats come from `member_counts` (kept by triggers) less the
/// invitations that ran out, as `team::used_seats` counts them.
pub(crate) async fn read(db: &Db, now: Timestamp, organisations: usize) -> sqlx::Result<Read> {
    let (mail_pending, mail_oldest_created_at): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'")
            .fetch_one(db.reader())
            .await?;
    let (webhook_pending, webhook_oldest_created_at): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(CASE WHEN e.enabled THEN d.created_at END) \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.status = 'pending'",
    )
    .fetch_one(db.reader())
    .await?;
    let organisations = sqlx::query_as::<_, OrganisationRow>(
        "SELECT a.id, a.name, a.plan, a.extra_seats, \
                COALESCE(c.accepted + c.invited, 0) - (SELECT COUNT(*) FROM tree_members t \
                    WHERE t.root_id = a.id AND t.accepted_at IS NULL \
                    AND t.invitation_expires_at <= $1) AS used \
         FROM accounts a LEFT JOIN member_counts c ON c.root_id = a.id \
         WHERE a.parent_id IS NULL AND a.archived_at IS NULL \
         ORDER BY used DESC, a.id LIMIT $2",
    )
    .bind(now.millis())
    .bind(i64::try_from(organisations).unwrap_or(i64::MAX))
    .fetch_all(db.reader())
    .await?;
    Ok(Read {
        mail_pending,
        mail_oldest_created_at,
        webhook_pending,
        webhook_oldest_created_at,
        organisations,
    })
}
