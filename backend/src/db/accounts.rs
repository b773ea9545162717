//! Accounts and memberships.

use roster_shared::name::AccountName;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, FromRow, Row as _};

use super::Dialect;
use super::batch::{Batch, Results, StatementId};

#[derive(Debug, Clone, FromRow)]
pub(crate) struct AccountRow {
    pub(crate) id: i64,
    pub(crate) parent_id: Option<i64>,
    pub(crate) root_id: i64,
    pub(crate) name: String,
    pub(crate) plan: Option<String>,
    pub(crate) extra_seats: i64,
    pub(crate) archived_at: Option<i64>,
}

const COLUMNS: &str = "id, parent_id, root_id, name, plan, extra_seats, archived_at";

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

pub(crate) async fn insert_sub_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    parent: &AccountRow,
    name: &AccountName,
    now: Timestamp,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO accounts (parent_id, root_id, name, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(parent.id)
    .bind(parent.root_id)
    .bind(name.as_str())
    .bind(now.millis())
    .fetch_one(db)
    .await
}

pub(crate) async fn find<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// An account of an organisation, with the role one person holds there directly (if any).
#[derive(Debug)]
pub(crate) struct AccountWithRole {
    pub(crate) account: AccountRow,
    pub(crate) held_role: Option<Role>,
    /// How many people the organisation has, accepted and invited (its kept count, migration
    /// 0009; the same on each of its accounts' rows).
    pub(crate) people: i64,
}

impl FromRow<'_, AnyRow> for AccountWithRole {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        let held: Option<String> = row.try_get("held_role")?;
        Ok(AccountWithRole {
            account: AccountRow::from_row(row)?,
            // Decoded here: a stored role that is not one of the four is an error.
            held_role: held.map(Role::try_from).transpose().map_err(|e| {
                sqlx::Error::ColumnDecode {
                    index: "held_role".into(),
                    source: Box::new(e),
                }
            })?,
            people: row.try_get("people")?,
        })
    }
}

/// Every account of the organisation `account_id` belongs to (none if there is no such
/// account), each with `user_id`'s direct role there, and how many people the organisation
/// has: what every account-scoped request needs, in one statement (the Users list's first page
/// then shows its total without a statement of its own).
pub(crate) async fn organisation_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    user_id: i64,
) -> sqlx::Result<Vec<AccountWithRole>> {
    sqlx::query_as(&format!(
        "SELECT {}, m.role AS held_role, COALESCE(c.accepted + c.invited, 0) AS people \
         FROM accounts a LEFT JOIN memberships m ON m.account_id = a.id AND m.user_id = $2 \
         LEFT JOIN member_counts c ON c.root_id = a.root_id \
         WHERE a.root_id = (SELECT root_id FROM accounts WHERE id = $1) ORDER BY a.id",
        super::columns_of("a", COLUMNS)
    ))
    .bind(account_id)
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Every account of one organisation.
pub(crate) async fn tree<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root_id: i64,
) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM accounts WHERE root_id = $1 ORDER BY id"
    ))
    .bind(root_id)
    .fetch_all(db)
    .await
}

/// Serializes this transaction with every other one changing the organisation, for a
/// transaction that does not need the organisation's row: on PostgreSQL by locking it; on
/// SQLite nothing is read, as its single writer already runs one transaction at a time.
pub(crate) async fn serialize_organisation(
    conn: &mut AnyConnection,
    dialect: Dialect,
    root_id: i64,
) -> sqlx::Result<()> {
    if dialect.locks_rows() {
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(root_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Where a batch begun with [`write_lock_counting_seats`] has the organisation's row and its
/// seats in use.
#[derive(Debug, Clone, Copy)]
pub(super) struct CountingSeats {
    root: StatementId,
    used: StatementId,
}

/// Locks the organisation (PostgreSQL; see `lock_organisation`) and reads its row and its seats
/// in use (on SQLite, which needs no lock, in one statement), as the first statements of a
/// batch so that what the transaction writes next goes in the same trip; read back with
/// [`organisation_counting_seats`].
pub(super) fn write_lock_counting_seats(
    batch: &mut Batch<'_>,
    dialect: Dialect,
    root_id: i64,
    now: Timestamp,
) -> CountingSeats {
    if dialect.locks_rows() {
        batch
            .statement()
            .push(&format!("SELECT {COLUMNS} FROM accounts WHERE id = "))
            .bind(root_id)
            .push(dialect.for_update());
        let root = batch.last();
        let sql = batch.statement().push("SELECT ");
        super::team::write_used_seats(sql, root_id, now);
        sql.push(" AS used");
        CountingSeats {
            root,
            used: batch.last(),
        }
    } else {
        let sql = batch.statement().push(&format!("SELECT {COLUMNS}, ("));
        super::team::write_used_seats(sql, root_id, now);
        sql.push(") AS used FROM accounts WHERE id = ")
            .bind(root_id);
        let both = batch.last();
        CountingSeats {
            root: both,
            used: both,
        }
    }
}

/// The organisation and its seats in use, from a batch begun with
/// [`write_lock_counting_seats`] (`None`: no such organisation).
pub(super) fn organisation_counting_seats(
    results: &Results,
    at: CountingSeats,
) -> sqlx::Result<Option<(AccountRow, i64)>> {
    let Some(root) = results.of(at.root).first() else {
        return Ok(None);
    };
    let used = results
        .of(at.used)
        .first()
        .ok_or(sqlx::Error::RowNotFound)?
        .try_get::<i64, _>("used")?;
    Ok(Some((AccountRow::from_row(root)?, used)))
}

/// Locks an organisation for the rest of the transaction, so seat checks and the writes they
/// allow happen as one (PostgreSQL; SQLite's single writer is already serial).
pub(crate) async fn lock_organisation(
    conn: &mut AnyConnection,
    dialect: Dialect,
    root_id: i64,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&lock_statement(dialect))
        .bind(root_id)
        .fetch_optional(&mut *conn)
        .await
}

/// The organisation's row, locked until the transaction ends (`$1`: its id).
fn lock_statement(dialect: Dialect) -> String {
    format!(
        "SELECT {COLUMNS} FROM accounts WHERE id = $1{}",
        dialect.for_update()
    )
}

pub(crate) async fn rename<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    name: &AccountName,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name.as_str())
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn archive<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET archived_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now.millis())
        .execute(db)
        .await?;
    Ok(())
}

/// The direct sub-accounts of `parent_id`, archived ones included.
pub(crate) async fn sub_accounts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    parent_id: i64,
) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM accounts WHERE parent_id = $1 ORDER BY id"
    ))
    .bind(parent_id)
    .fetch_all(db)
    .await
}

pub(crate) async fn restore<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET archived_at = NULL WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

// ---- memberships -------------------------------------------------------------------------

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

/// Gives `role` on `account_id` (replacing any role held there).
pub(crate) async fn upsert_membership<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    account_id: i64,
    role: Role,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (user_id, account_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, account_id) DO UPDATE SET role = excluded.role",
    )
    .bind(user_id)
    .bind(account_id)
    .bind(role.as_str())
    .bind(now.millis())
    .execute(db)
    .await?;
    Ok(())
}

pub(crate) async fn delete_membership<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND account_id = $2")
        .bind(user_id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct MembershipRow {
    pub(crate) account_id: i64,
    pub(crate) root_id: i64,
    #[sqlx(try_from = "String")]
    pub(crate) role: Role,
}

/// Every membership of a person, with each account's organisation.
pub(crate) async fn memberships_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    user_id: i64,
) -> sqlx::Result<Vec<MembershipRow>> {
    sqlx::query_as(
        "SELECT m.account_id, a.root_id, m.role FROM memberships m \
         JOIN accounts a ON a.id = m.account_id WHERE m.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// How many Owners an account has directly.
/// The Owners of account `account_id`, `(user id, address)`.
pub(crate) async fn owners<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.account_id = $1 AND m.role = 'owner' ORDER BY u.id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

pub(crate) async fn owner_count<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND role = 'owner'")
        .bind(account_id)
        .fetch_one(db)
        .await
}
