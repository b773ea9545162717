//! SQL written together with its values, and statements of one transaction sent together.
//!
//! [`Sql`] is one statement: text is pushed, and each value bound writes its own `$n` where it
//! goes (sqlx's `QueryBuilder` would write `?` for the `Any` driver, which PostgreSQL refuses).
//! No placeholder is counted by hand, and none is ever renumbered.
//!
//! [`Batch`] is several statements of one transaction. On SQLite every statement is a message
//! to the connection's own thread and a wake-up back, and the single writer is held across all
//! of them: with invitations arriving from 32 clients, the writer's round trips, not SQLite's
//! work, set the pace (perf: SQLite ~2 % of the samples, thread switching ~55 %). SQLite runs
//! several statements of one query string in one go, numbering `$n` across all of them, so
//! there a batch is one text whose values are numbered on from the statement before, and costs
//! one round trip however many statements it has. PostgreSQL's extended protocol takes one
//! statement per query: there each statement is its own text numbered from `$1`, and they run
//! one after another, in the same order. Either way the rows come back per statement.

use std::fmt::Write as _;

use futures_util::TryStreamExt as _;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::encode::Encode;
use sqlx::error::BoxDynError;
use sqlx::types::Type;
use sqlx::{Any, AnyConnection, Arguments as _, Either, Executor, FromRow, Row as _};

use super::Dialect;

/// One statement and the values it binds.
#[derive(Default)]
pub(crate) struct Sql<'q> {
    text: String,
    arguments: AnyArguments<'q>,
    /// A value that could not be encoded (none of the types Roster binds fails): reported when
    /// the statement runs, so building one never has to handle it.
    unencodable: Option<BoxDynError>,
    /// Not kept prepared (see [`Sql::planned_for_its_values`]).
    transient: bool,
}

impl<'q> Sql<'q> {
    pub(crate) fn new(text: &str) -> Self {
        let mut sql = Self::default();
        sql.push(text);
        sql
    }

    /// Appends SQL text (never a value: those are bound).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Binds `value` and writes its placeholder here.
    pub(crate) fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        if let Err(error) = self.arguments.add(value) {
            self.unencodable.get_or_insert(error);
        }
        let _ = write!(self.text, "${}", self.arguments.len());
        self
    }

    /// Binds each value, written as `$a, $b, …` (inside `IN (…)`).
    pub(crate) fn list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self
    }

    /// One parenthesised row of values, `($a, $b, …)`, written by `write`.
    pub(crate) fn row(&mut self, write: impl FnOnce(&mut Row<'_, 'q>)) -> &mut Self {
        self.push("(");
        write(&mut Row {
            sql: self,
            first: true,
        });
        self.push(")")
    }

    /// A row per item, `(…), (…)` (a multi-row `VALUES`).
    pub(crate) fn rows<I>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut write: impl FnMut(&mut Row<'_, 'q>, I),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.row(|row| write(row, item));
        }
        self
    }

    /// Sends the statement without keeping it prepared: PostgreSQL then plans it for the
    /// values it is sent with, every time. A statement kept prepared gets a generic plan after
    /// its fifth run, made without the values; for a search, one that cannot tell a pattern
    /// matching no one from one matching everyone (at 100,000 people a search for a name no
    /// one has went from 4 ms to 70–130 ms at its sixth run).
    pub(crate) fn planned_for_its_values(&mut self) -> &mut Self {
        self.transient = true;
        self
    }

    /// The text, as it will be sent.
    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    fn into_parts(self) -> sqlx::Result<(String, AnyArguments<'q>, bool)> {
        match self.unencodable {
            Some(error) => Err(sqlx::Error::Encode(error)),
            None => Ok((self.text, self.arguments, !self.transient)),
        }
    }

    pub(crate) async fn execute<'e, E: Executor<'e, Database = Any>>(
        self,
        db: E,
    ) -> sqlx::Result<u64> {
        let (text, arguments, kept) = self.into_parts()?;
        let done = sqlx::query_with(&text, arguments)
            .persistent(kept)
            .execute(db)
            .await?;
        Ok(done.rows_affected())
    }

    /// Every row, decoded as `R`.
    pub(crate) async fn fetch_all<'e, R, E>(self, db: E) -> sqlx::Result<Vec<R>>
    where
        R: for<'r> FromRow<'r, AnyRow>,
        E: Executor<'e, Database = Any>,
    {
        self.fetch_rows(db).await?.iter().map(R::from_row).collect()
    }

    /// The first column of every row.
    pub(crate) async fn fetch_column<'e, T, E>(self, db: E) -> sqlx::Result<Vec<T>>
    where
        T: for<'r> sqlx::Decode<'r, Any> + Type<Any>,
        E: Executor<'e, Database = Any>,
    {
        self.fetch_rows(db)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect()
    }

    /// The first column of the one row the statement returns.
    pub(crate) async fn fetch_value<'e, T, E>(self, db: E) -> sqlx::Result<T>
    where
        T: for<'r> sqlx::Decode<'r, Any> + Type<Any>,
        E: Executor<'e, Database = Any>,
    {
        self.fetch_column(db)
            .await?
            .into_iter()
            .next()
            .ok_or(sqlx::Error::RowNotFound)
    }

    async fn fetch_rows<'e, E: Executor<'e, Database = Any>>(
        self,
        db: E,
    ) -> sqlx::Result<Vec<AnyRow>> {
        let (text, arguments, kept) = self.into_parts()?;
        sqlx::query_with(&text, arguments)
            .persistent(kept)
            .fetch_all(db)
            .await
    }
}

/// The values of one row of [`Sql::row`], separated by commas.
pub(crate) struct Row<'s, 'q> {
    sql: &'s mut Sql<'q>,
    first: bool,
}

impl<'q> Row<'_, 'q> {
    pub(crate) fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        if !std::mem::take(&mut self.first) {
            self.sql.push(", ");
        }
        self.sql.bind(value);
        self
    }
}

/// Which statement of a [`Batch`] (its rows are read with [`Results::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatementId(usize);

/// Statements that run together, in order, inside the caller's transaction.
pub(crate) struct Batch<'q> {
    /// SQLite: every statement goes into `current`, numbered on; PostgreSQL: each finished
    /// statement moves to `finished`.
    joined: bool,
    cached: bool,
    finished: Vec<Sql<'q>>,
    current: Sql<'q>,
    statements: usize,
}

impl<'q> Batch<'q> {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Self {
            joined: !dialect.locks_rows(),
            cached: true,
            finished: Vec::new(),
            current: Sql::default(),
            statements: 0,
        }
    }

    /// A batch whose text seldom repeats (its statements' shapes vary with the number of
    /// rows): prepared for this run only. sqlx keeps up to 100 prepared statements per
    /// connection; one-off texts there would hold the connection's memory for nothing (a mail
    /// batch's statements are a few tens of kilobytes each once prepared).
    pub(crate) fn uncached(dialect: Dialect) -> Self {
        Self {
            cached: false,
            ..Self::new(dialect)
        }
    }

    /// A batch for `rows` rows of a use case: its text repeats when it has one row (kept
    /// prepared), and varies with the number otherwise (see [`Batch::uncached`]).
    pub(crate) fn for_rows(dialect: Dialect, rows: usize) -> Self {
        if rows > 1 {
            Self::uncached(dialect)
        } else {
            Self::new(dialect)
        }
    }

    /// Starts the next statement, to be written into the answer.
    pub(crate) fn statement(&mut self) -> &mut Sql<'q> {
        if self.statements > 0 {
            if self.joined {
                self.current.push(";\n");
            } else {
                self.finished.push(std::mem::take(&mut self.current));
            }
        }
        self.statements += 1;
        &mut self.current
    }

    /// The statement started last.
    pub(crate) fn last(&self) -> StatementId {
        StatementId(self.statements.saturating_sub(1))
    }

    /// Runs every statement. The first failing statement's error is returned, and the
    /// caller's transaction then rolls back as a whole.
    pub(crate) async fn run(self, conn: &mut AnyConnection) -> sqlx::Result<Results> {
        let mut results = Vec::with_capacity(self.statements);
        if self.statements == 0 {
            return Ok(Results(results));
        }
        let mut texts = self.finished;
        texts.push(self.current);
        for sql in texts {
            let (text, arguments, kept) = sql.into_parts()?;
            let query = sqlx::query_with(&text, arguments).persistent(self.cached && kept);
            // Each statement's rows end with its result (SQLite gives one per statement of a
            // joined text).
            let mut stream = conn.fetch_many(query);
            let mut rows = Vec::new();
            while let Some(step) = stream.try_next().await? {
                match step {
                    Either::Left(_) => results.push(std::mem::take(&mut rows)),
                    Either::Right(row) => rows.push(row),
                }
            }
        }
        debug_assert_eq!(results.len(), self.statements, "a result per statement");
        Ok(Results(results))
    }
}

/// The rows each statement of a batch returned.
pub(crate) struct Results(Vec<Vec<AnyRow>>);

impl Results {
    pub(crate) fn of(&self, statement: StatementId) -> &[AnyRow] {
        self.0.get(statement.0).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn each_value_writes_its_own_placeholder() {
        let mut sql = Sql::new("INSERT INTO t (a, b) VALUES ");
        sql.rows([(1_i64, "x"), (2, "y")], |row, (a, b)| {
            row.bind(a).bind(b);
        })
        .push(" WHERE c IN (")
        .list([7_i64, 8])
        .push(")");
        assert_eq!(
            sql.text(),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) WHERE c IN ($5, $6)"
        );
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

    /// On PostgreSQL (the machine's, as the API tests use it): kept statements are the
    /// session's prepared statements; one planned for its values never becomes one.
    #[tokio::test]
    async fn a_statement_planned_for_its_values_is_not_kept_prepared() {
        async fn prepared(conn: &mut AnyConnection) -> i64 {
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_prepared_statements")
                .fetch_one(conn)
                .await
                .unwrap()
        }
        use sqlx::Connection as _;
        sqlx::any::install_default_drivers();
        let url = std::env::var("ROSTER_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let mut conn = AnyConnection::connect(&url)
            .await
            .expect("PostgreSQL answers (make test starts it)");
        let before = prepared(&mut conn).await;
        for n in 0..7_i64 {
            let mut sql = Sql::new("SELECT ");
            sql.bind(n).push("::BIGINT + 1").planned_for_its_values();
            let sum: i64 = sql.fetch_value(&mut conn).await.unwrap();
            assert_eq!(sum, n + 1);
        }
        assert_eq!(prepared(&mut conn).await, before);
        let mut sql = Sql::new("SELECT ");
        sql.bind(1_i64).push("::BIGINT + 1");
        let _: i64 = sql.fetch_value(&mut conn).await.unwrap();
        assert_eq!(prepared(&mut conn).await, before + 1);
        conn.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_batch_runs_every_statement_and_returns_each_ones_rows() {
        let (db, dir) = sqlite().await;
        let mut conn = db.writer().acquire().await.unwrap();
        let mut batch = Batch::for_rows(db.dialect(), 2);
        batch
            .statement()
            .push("INSERT INTO t (n, s) VALUES ")
            .row(|row| {
                row.bind(7_i64).bind("seven");
            });
        batch
            .statement()
            .push("INSERT INTO t (n, s) VALUES ")
            .row(|row| {
                row.bind(8_i64).bind(None::<&str>);
            })
            .push(" RETURNING id");
        let second = batch.last();
        batch
            .statement()
            .push("UPDATE t SET n = n + ")
            .bind(10_i64)
            .push(" WHERE s IS NULL RETURNING n");
        let third = batch.last();
        let results = batch.run(&mut conn).await.unwrap();
        assert_eq!(results.of(StatementId(0)).len(), 0);
        assert_eq!(results.of(second)[0].try_get::<i64, _>(0).unwrap(), 2);
        assert_eq!(results.of(third)[0].try_get::<i64, _>(0).unwrap(), 18);
        let all: Vec<(i64, Option<String>)> = Sql::new("SELECT n, s FROM t ORDER BY id")
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
        let mut batch = Batch::new(db.dialect());
        batch
            .statement()
            .push("INSERT INTO t (n) VALUES (")
            .bind(1_i64)
            .push(")");
        batch
            .statement()
            .push("INSERT INTO t (n) VALUES (")
            .bind(None::<i64>)
            .push(")");
        let Err(error) = batch.run(&mut tx).await else {
            panic!("a NULL into a NOT NULL column was accepted");
        };
        assert!(error.to_string().contains("NOT NULL"), "{error}");
        tx.rollback().await.unwrap();
        let count: i64 = Sql::new("SELECT COUNT(*) FROM t")
            .fetch_value(db.reader())
            .await
            .unwrap();
        assert_eq!(count, 0);
        let _ = std::fs::remove_dir_all(dir);
    }
}
