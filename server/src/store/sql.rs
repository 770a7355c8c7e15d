//! One connection to the database, whichever engine holds it: SQLite (embedded, the default) or
//! PostgreSQL (several server nodes sharing one database).
//!
//! The store writes its SQL once, in the subset both engines run (`?1`-style placeholders,
//! `ON CONFLICT`, `RETURNING`, window functions). The few places where the engines differ ask
//! [`Conn::dialect`]. Values cross as [`Value`]s and come back through [`Row::get`], so no store
//! function knows which engine answers.
//!
//! Transactions are explicit (`BEGIN` … `COMMIT`, see [`Conn::begin`]), so a [`super::Writer`]
//! holds a plain `&Conn` on both engines.

mod postgres;
mod sqlite;
mod value;

pub use value::{FromValue, Params, ToValue, Value};

/// A failure of the database engine, or a value that does not fit the type read.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused, or its connection is gone.
    #[error("postgres: {}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection can be had (no runtime to run it on, or it closed inside a transaction).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A query that must answer one row answered none.
    #[error("the query returned no rows")]
    NoRows,
    /// A column holds something else than what was read.
    #[error("column {column}: {problem}")]
    Type {
        /// Index of the column.
        column: usize,
        /// What did not fit.
        problem: String,
    },
}

/// What the store's database calls return.
pub type DbResult<T> = Result<T, DbError>;

/// Which SQL the engine speaks, for the few statements the two engines write differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL 13 or newer.
    Postgres,
}

impl Dialect {
    /// A condition true when `column` contains the bound text, ignoring ASCII case.
    pub fn contains_ignoring_case(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("instr(lower({column}), lower(?)) > 0"),
            Dialect::Postgres => format!("strpos(lower({column}), lower(?)) > 0"),
        }
    }

    /// A sub-select of the texts in the JSON array bound to `placeholder` (`?`, `?3`): one
    /// statement whatever the array's length.
    pub fn json_texts(self, placeholder: &str) -> String {
        match self {
            Dialect::Sqlite => format!("SELECT value FROM json_each({placeholder})"),
            Dialect::Postgres => format!(
                "SELECT jsonb_array_elements_text(CAST(CAST({placeholder} AS text) AS jsonb))"
            ),
        }
    }
}

enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::PgConn),
}

/// A connection to the database. Used by one thread at a time (the store keeps it behind a lock).
pub struct Conn {
    engine: Engine,
}

/// One row of an answer; read its columns with [`Row::get`].
pub struct Row<'a> {
    inner: RowInner<'a>,
}

enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

impl Row<'_> {
    /// Column `index` (from 0) as `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> DbResult<T> {
        let cell = match &self.inner {
            RowInner::Sqlite(row) => sqlite::cell(row, index)?,
            RowInner::Postgres(row) => postgres::cell(row, index)?,
        };
        T::from_cell(cell).map_err(|problem| DbError::Type {
            column: index,
            problem,
        })
    }
}

impl Conn {
    /// An SQLite connection.
    pub fn sqlite(conn: rusqlite::Connection) -> Self {
        Conn {
            engine: Engine::Sqlite(conn),
        }
    }

    /// Connects to PostgreSQL at `url` (`postgres://user@host:port/database`, no TLS). Call it on
    /// a blocking thread of a tokio runtime: the connection's task runs on that runtime.
    pub fn postgres(url: &str) -> DbResult<Self> {
        Ok(Conn {
            engine: Engine::Postgres(postgres::PgConn::connect(url)?),
        })
    }

    /// The engine's dialect.
    pub fn dialect(&self) -> Dialect {
        match self.engine {
            Engine::Sqlite(_) => Dialect::Sqlite,
            Engine::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas).
    pub(super) fn as_sqlite(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.engine {
            Engine::Sqlite(conn) => Some(conn),
            Engine::Postgres(_) => None,
        }
    }

    /// Runs statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> DbResult<()> {
        match &self.engine {
            Engine::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Engine::Postgres(conn) => conn.batch(sql),
        }
    }

    /// Runs one statement; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> DbResult<usize> {
        let params = params.into_values();
        match &self.engine {
            Engine::Sqlite(conn) => sqlite::execute(conn, sql, &params),
            Engine::Postgres(conn) => conn.execute(sql, &params),
        }
    }

    /// Every row `sql` answers, each read by `read`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut read: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        let params = params.into_values();
        match &self.engine {
            Engine::Sqlite(conn) => sqlite::query(conn, sql, &params, &mut read),
            Engine::Postgres(conn) => conn
                .query(sql, &params)?
                .iter()
                .map(|row| {
                    read(&Row {
                        inner: RowInner::Postgres(row),
                    })
                })
                .collect(),
        }
    }

    /// The first row `sql` answers, read by `read`; [`DbError::NoRows`] when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        self.query_opt(sql, params, read)?.ok_or(DbError::NoRows)
    }

    /// The first row `sql` answers, read by `read`, if there is one.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Option<T>> {
        let params = params.into_values();
        match &self.engine {
            Engine::Sqlite(conn) => sqlite::query_first(conn, sql, &params, read),
            Engine::Postgres(conn) => match conn.query(sql, &params)?.first() {
                Some(row) => read(&Row {
                    inner: RowInner::Postgres(row),
                })
                .map(Some),
                None => Ok(None),
            },
        }
    }

    /// Whether `sql` answers any row.
    pub fn exists(&self, sql: &str, params: impl Params) -> DbResult<bool> {
        Ok(self.query_opt(sql, params, |_| Ok(()))?.is_some())
    }

    /// Starts a transaction: reads see one snapshot, writes commit together.
    pub fn begin(&self) -> DbResult<()> {
        match &self.engine {
            // IMMEDIATE takes the write lock now, so a second process fails fast instead of
            // deadlocking on upgrade.
            Engine::Sqlite(conn) => Ok(conn.execute_batch("BEGIN IMMEDIATE")?),
            // Read committed plus the row locks that `counters` takes: a topic's seq is handed
            // out in commit order, and concurrent writers of different topics do not wait.
            Engine::Postgres(conn) => conn.begin("BEGIN"),
        }
    }

    /// Starts a read-only transaction whose statements all see the same snapshot.
    pub fn begin_read(&self) -> DbResult<()> {
        match &self.engine {
            Engine::Sqlite(conn) => Ok(conn.execute_batch("BEGIN DEFERRED")?),
            Engine::Postgres(conn) => {
                conn.begin("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            }
        }
    }

    /// Commits the open transaction.
    pub fn commit(&self) -> DbResult<()> {
        match &self.engine {
            Engine::Sqlite(conn) => Ok(conn.execute_batch("COMMIT")?),
            Engine::Postgres(conn) => conn.end("COMMIT"),
        }
    }

    /// Rolls the open transaction back, if one is open.
    pub fn rollback(&self) {
        let result = match &self.engine {
            Engine::Sqlite(conn) if conn.is_autocommit() => Ok(()),
            Engine::Sqlite(conn) => conn.execute_batch("ROLLBACK").map_err(DbError::from),
            Engine::Postgres(conn) if !conn.in_transaction() => Ok(()),
            Engine::Postgres(conn) => conn.end("ROLLBACK"),
        };
        if let Err(err) = result {
            tracing::warn!(%err, "rollback failed");
        }
    }
}

/// `.optional()` on a [`Conn::query_row`] answer: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    /// `Ok(None)` instead of [`DbError::NoRows`].
    fn optional(self) -> DbResult<Option<T>>;
}

impl<T> OptionalExtension<T> for DbResult<T> {
    fn optional(self) -> DbResult<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DbError::NoRows) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

/// A list of statement parameters: `params![a, b, c]`, each turned into a [`Value`].
macro_rules! params {
    () => { ::std::vec::Vec::<$crate::store::sql::Value>::new() };
    ($($param:expr),+ $(,)?) => {
        ::std::vec![$($crate::store::sql::ToValue::to_value(&$param)),+]
    };
}

pub(crate) use params;

/// A statement to run once or several times: `conn.prepare_cached(sql)?.execute(…)`, the
/// shape the store was written in. Both engines cache the prepared statement by its text.
pub struct Statement<'c> {
    conn: &'c Conn,
    sql: String,
}

impl Conn {
    /// `sql`, ready to run.
    pub fn prepare_cached(&self, sql: &str) -> DbResult<Statement<'_>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }
}

impl Statement<'_> {
    /// See [`Conn::execute`].
    pub fn execute(&mut self, params: impl Params) -> DbResult<usize> {
        self.conn.execute(&self.sql, params)
    }

    /// See [`Conn::query_row`].
    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        self.conn.query_row(&self.sql, params, read)
    }

    /// See [`Conn::query_map`].
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        read: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        self.conn.query_map(&self.sql, params, read)
    }

    /// See [`Conn::exists`].
    pub fn exists(&mut self, params: impl Params) -> DbResult<bool> {
        self.conn.exists(&self.sql, params)
    }
}
