//! Statements of one transaction sent together.
//!
//! On SQLite every statement is a message to the connection's own thread and a wake-up back,
//! and the single writer is held across all of them: with invitations arriving from 32
//! clients, the writer's round trips, not SQLite's work, set the pace (perf: SQLite ~2 % of
//! the samples, thread switching ~55 %). SQLite runs several statements of one query string
//! in one go, binding `$n` across them, so a batch costs one round trip however many
//! statements it has. PostgreSQL's extended protocol takes one statement per query: there the
//! statements run one after another, the same SQL in the same order.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{AnyConnection, Arguments as _};

use super::Dialect;

/// A value bound to a statement of a [`Batch`].
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(Some(value))
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(Some(value.to_owned()))
    }
}

impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        Value::Text(value.map(str::to_owned))
    }
}

/// Statements that run together, in order, inside the caller's transaction.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    statements: Vec<(String, Vec<Value>)>,
    uncached: bool,
}

impl Batch {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A batch whose text seldom repeats (its statements' shapes vary with the number of rows):
    /// prepared for this run only. sqlx keeps up to 100 prepared statements per connection;
    /// one-off texts there would hold the connection's memory for nothing (a mail batch's
    /// statements are a few tens of kilobytes each once prepared).
    pub(crate) fn uncached() -> Self {
        Self {
            uncached: true,
            ..Self::default()
        }
    }

    /// A batch for `rows` rows of a use case: its text repeats when it has one row (cached),
    /// and varies with the number otherwise (see [`Batch::uncached`]).
    pub(crate) fn for_rows(rows: usize) -> Self {
        if rows > 1 {
            Self::uncached()
        } else {
            Self::new()
        }
    }

    /// Adds one statement whose placeholders are `$1`… for its own `values`.
    pub(crate) fn push(&mut self, sql: impl Into<String>, values: Vec<Value>) -> &mut Self {
        self.statements.push((sql.into(), values));
        self
    }

    /// Runs a batch of one statement on any executor (a pool, a connection, a transaction):
    /// the single-statement form of a write whose statement is also sent in batches, so both
    /// bind the same values the same way.
    pub(crate) async fn run_one<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        self,
        db: E,
    ) -> sqlx::Result<()> {
        debug_assert_eq!(self.statements.len(), 1, "run_one runs one statement");
        if let Some((sql, values)) = self.statements.first() {
            sqlx::query_with(sql, arguments(values.iter())?)
                .persistent(!self.uncached)
                .execute(db)
                .await?;
        }
        Ok(())
    }

    /// Runs every statement; the rows of those that return any, in order. The first failing
    /// statement's error is returned, and the caller's transaction then rolls back as a whole.
    pub(crate) async fn run(
        self,
        conn: &mut AnyConnection,
        dialect: Dialect,
    ) -> sqlx::Result<Vec<AnyRow>> {
        if dialect.locks_rows() {
            let mut rows = Vec::new();
            for (sql, values) in &self.statements {
                rows.extend(
                    sqlx::query_with(sql, arguments(values.iter())?)
                        .persistent(!self.uncached)
                        .fetch_all(&mut *conn)
                        .await?,
                );
            }
            Ok(rows)
        } else {
            let (sql, values) = self.joined();
            sqlx::query_with(&sql, arguments(values.into_iter())?)
                .persistent(!self.uncached)
                .fetch_all(&mut *conn)
                .await
        }
    }

    /// One query string: each statement's `$n` shifted past the values of those before it.
    fn joined(&self) -> (String, Vec<&Value>) {
        let mut sql = String::new();
        let mut values = Vec::new();
        for (statement, own) in &self.statements {
            if !sql.is_empty() {
                sql.push_str(";\n");
            }
            sql.push_str(&shift_placeholders(statement, values.len()));
            values.extend(own);
        }
        (sql, values)
    }
}

fn arguments<'v>(values: impl Iterator<Item = &'v Value>) -> sqlx::Result<AnyArguments<'static>> {
    let mut arguments = AnyArguments::default();
    for value in values {
        match value {
            Value::Int(v) => arguments.add(*v),
            Value::Text(v) => arguments.add(v.clone()),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(arguments)
}

/// `$1 … $n` renumbered `$1+by …`. Our statements have no `$` inside string literals.
fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while let Some(&(j, d)) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            end = j + 1;
            chars.next();
        }
        match sql[start..end].parse::<usize>() {
            Ok(n) => out.push_str(&format!("${}", n + by)),
            Err(_) => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use sqlx::Row as _;

    #[test]
    fn placeholders_move_past_the_earlier_statements_values() {
        assert_eq!(
            shift_placeholders("INSERT INTO t VALUES ($1, $2, $10)", 3),
            "INSERT INTO t VALUES ($4, $5, $13)"
        );
        assert_eq!(shift_placeholders("SELECT $1", 0), "SELECT $1");
        assert_eq!(shift_placeholders("a $ b", 2), "a $ b");
    }

    #[test]
    fn statements_are_joined_with_their_values_in_order() {
        let mut batch = Batch::new();
        batch
            .push("INSERT INTO a VALUES ($1, $2)", vec![1.into(), "x".into()])
            .push(
                "UPDATE b SET c = $2 WHERE d = $1",
                vec![2.into(), None::<i64>.into()],
            );
        let (sql, values) = batch.joined();
        assert_eq!(
            sql,
            "INSERT INTO a VALUES ($1, $2);\nUPDATE b SET c = $4 WHERE d = $3"
        );
        assert_eq!(values.len(), 4);
    }

    async fn sqlite() -> (Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "roster-batch-test-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let url = format!("sqlite://{}/batch.db", dir.display());
        let db = Db::open(&url, 2).await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, s TEXT)")
            .execute(db.writer())
            .await
            .unwrap();
        (db, dir)
    }

    #[tokio::test]
    async fn a_batch_runs_every_statement_and_returns_the_rows_asked_for() {
        let (db, dir) = sqlite().await;
        let mut conn = db.writer().acquire().await.unwrap();
        let mut batch = Batch::new();
        batch
            .push(
                "INSERT INTO t (n, s) VALUES ($1, $2)",
                vec![7.into(), "seven".into()],
            )
            .push(
                "INSERT INTO t (n, s) VALUES ($1, $2)",
                vec![8.into(), None::<&str>.into()],
            )
            .push(
                "UPDATE t SET n = n + $1 WHERE s IS NULL RETURNING n",
                vec![10.into()],
            );
        let rows = batch.run(&mut conn, db.dialect()).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].try_get::<i64, _>(0).unwrap(), 18);
        let all: Vec<(i64, Option<String>)> = sqlx::query_as("SELECT n, s FROM t ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert_eq!(all, [(7, Some("seven".to_owned())), (18, None)]);
        drop(conn);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_failing_statement_fails_the_batch_and_its_transaction_keeps_nothing() {
        let (db, dir) = sqlite().await;
        let mut tx = db.writer().begin().await.unwrap();
        let mut batch = Batch::new();
        batch
            .push("INSERT INTO t (n) VALUES ($1)", vec![1.into()])
            .push("INSERT INTO t (n) VALUES ($1)", vec![None::<i64>.into()]);
        let Err(error) = batch.run(&mut tx, db.dialect()).await else {
            panic!("a NULL into a NOT NULL column was accepted");
        };
        assert!(error.to_string().contains("NOT NULL"), "{error}");
        tx.rollback().await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(db.reader())
            .await
            .unwrap();
        assert_eq!(count, 0);
        let _ = std::fs::remove_dir_all(dir);
    }
}
