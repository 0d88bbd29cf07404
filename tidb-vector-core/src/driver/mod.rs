//! The driver layer over sqlx: the pool of either driver, bind arguments, statements run cancel-safely on
//! tasks of their own, fetched rows, and transactions. It knows nothing of models or dialects.

#[cfg(feature = "mysql")]
use sqlx::mysql::{MySqlPool, MySqlRow};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{Sqlite, SqlitePool, SqliteRow};

use crate::error::{Error, Result};

/// The statement functions of one sqlx driver: `add` (one value into the driver's own buffer), `execute`
/// and `fetch_all`. A statement without arguments goes over the text protocol (`COM_QUERY` on MySQL, sqlx's
/// `raw_sql`): nothing to bind, so nothing to prepare and cache.
macro_rules! driver_statements {
    ($db:ty, $arguments:ty, $row:ty, $into:ident, |$uint:ident| $bind_uint:expr) => {
        /// Adds one value to the driver's argument buffer.
        pub(crate) fn add(arguments: &mut $arguments, arg: Arg<'_>) -> Result<()> {
            use sqlx::Arguments as _;
            match arg {
                Arg::Null => arguments.add(None::<&str>),
                Arg::Bool(v) => arguments.add(v),
                Arg::Int(v) => arguments.add(v),
                Arg::UInt($uint) => arguments.add($bind_uint),
                Arg::F32(v) => arguments.add(v),
                Arg::F64(v) => arguments.add(v),
                Arg::Text(v) => arguments.add(v),
                Arg::Bytes(v) => arguments.add(v),
                #[cfg(feature = "chrono")]
                Arg::Timestamp(v) => arguments.add(v),
                #[cfg(feature = "chrono")]
                Arg::Date(v) => arguments.add(v),
            }
            .map_err(|error| Error::Database(sqlx::Error::Encode(error)))
        }

        /// The statement's arguments as the driver takes them.
        fn arguments(args: Args) -> Result<$arguments> {
            args.$into()
        }

        /// Runs a statement that returns no rows.
        pub(crate) async fn execute<'c>(
            conn: impl sqlx::Executor<'c, Database = $db>,
            sql: String,
            args: Args,
        ) -> Result<Done> {
            let done = if args.is_empty() {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(conn)
                    .await?
            } else {
                let persistent = super::persistent(&sql);
                sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments(args)?)
                    .persistent(persistent)
                    .execute(conn)
                    .await?
            };
            Ok(done.into())
        }

        /// Runs a query and returns all its rows.
        pub(crate) async fn fetch_all<'c>(
            conn: impl sqlx::Executor<'c, Database = $db>,
            sql: String,
            args: Args,
        ) -> Result<Vec<$row>> {
            Ok(if args.is_empty() {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .fetch_all(conn)
                    .await?
            } else {
                let persistent = super::persistent(&sql);
                sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments(args)?)
                    .persistent(persistent)
                    .fetch_all(conn)
                    .await?
            })
        }
    };
}

mod args;
mod cell;
mod detach;
#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;
mod tx;

pub(crate) use args::{ARG_OVERHEAD, Arg, Args, Driver, statement_size};
pub use cell::Cell;
pub(crate) use detach::detached;
use detach::{Kill, Stop};
pub(crate) use tx::{Answer, Tx, TxHandle, in_slot};

/// Whether a statement with bound values is prepared once and kept in the connection's statement cache.
/// Not one that carries a string literal: its text is then one of many (a literal-mode search's inlined
/// vector, TiDB's full-text words in `FTS_MATCH_WORD('...')`), and caching each would cost a prepare, a
/// cache slot and a later close per distinct text. (The few fixed catalog queries with a literal run
/// seldom.)
pub(crate) fn persistent(sql: &str) -> bool {
    !sql.contains('\'')
}

/// A pool of either driver.
#[derive(Clone)]
pub(crate) enum Pool {
    #[cfg(feature = "mysql")]
    MySql(MySqlPool),
    #[cfg(feature = "sqlite")]
    /// The flag says whether the pool's connections load sqlite-vec as they open (this crate's pools do;
    /// a caller's pool gets it at each connection's first use instead: see [`sqlite_connection`]).
    Sqlite(SqlitePool, bool),
}

#[cfg(feature = "sqlite")]
/// A connection from a SQLite pool, with sqlite-vec loaded.
async fn sqlite_connection(
    pool: &SqlitePool,
    loads_extension: bool,
) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
    let mut conn = pool.acquire().await?;
    if !loads_extension {
        crate::sqlite_ext::ensure_loaded(&mut conn).await?;
    }
    Ok(conn)
}

impl Pool {
    /// The most bytes one statement may carry: the server's `max_allowed_packet` (MySQL protocol), SQLite's
    /// `SQLITE_MAX_LENGTH` (1,000,000,000). `sql` is the dialect's query of it (MySQL protocol).
    #[cfg_attr(not(feature = "mysql"), allow(unused_variables))]
    pub(crate) async fn packet_limit(&self, sql: &'static str) -> Result<u64> {
        match self.clone() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(..) => Ok(sqlite::MAX_LENGTH),
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => {
                detached(async move { mysql::packet_limit(&pool, sql).await }).await
            }
        }
    }
}

/// What a statement did.
pub(crate) struct Done {
    pub(crate) rows_affected: u64,
    pub(crate) last_insert_id: Option<u64>,
}

#[cfg(feature = "mysql")]
impl From<sqlx::mysql::MySqlQueryResult> for Done {
    fn from(result: sqlx::mysql::MySqlQueryResult) -> Self {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: Some(result.last_insert_id()),
        }
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::sqlite::SqliteQueryResult> for Done {
    fn from(result: sqlx::sqlite::SqliteQueryResult) -> Self {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: u64::try_from(result.last_insert_rowid()).ok(),
        }
    }
}

/// Statements below this size are sent without asking the server's packet limit (MySQL's own minimum
/// `max_allowed_packet` default is 16 MiB on MariaDB, 64 MiB on TiDB; 1 MiB is far under both).
pub(crate) const SMALL_STATEMENT: usize = 1 << 20;

/// Runs a statement that returns no rows, on a connection of the pool: a transaction of its own
/// (autocommit). When the connection fails while the statement runs, after it was sent, whether it
/// committed is unknown: [`Error::CommitInDoubt`] (a failure to get a connection is not).
pub(crate) async fn execute(pool: &Pool, sql: String, args: Args) -> Result<Done> {
    match pool.clone() {
        #[cfg(feature = "mysql")]
        Pool::MySql(pool) => {
            detached(async move {
                let mut conn = pool.acquire().await?;
                mysql::execute(&mut *conn, sql, args)
                    .await
                    .map_err(in_doubt_when_cut)
            })
            .await
        }
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(pool, loads) => {
            detached(async move {
                let mut conn = sqlite_connection(&pool, loads).await?;
                sqlite::execute(&mut *conn, sql, args)
                    .await
                    .map_err(in_doubt_when_cut)
            })
            .await
        }
    }
}

/// A statement's error as a commit in doubt when the connection failed under it (an I/O or protocol
/// error: the statement may have reached the server and committed); any other error as it is.
fn in_doubt_when_cut(error: Error) -> Error {
    match error {
        Error::Database(source @ (sqlx::Error::Io(_) | sqlx::Error::Protocol(_))) => {
            Error::CommitInDoubt {
                rows: None,
                probe: None,
                source: Box::new(Error::Database(source)),
            }
        }
        error => error,
    }
}

/// Fetched rows of either driver.
pub(crate) enum Rows {
    #[cfg(feature = "mysql")]
    MySql(Vec<MySqlRow>),
    #[cfg(feature = "sqlite")]
    Sqlite(Vec<SqliteRow>),
}

impl Rows {
    pub(crate) fn len(&self) -> usize {
        match self {
            #[cfg(feature = "mysql")]
            Rows::MySql(rows) => rows.len(),
            #[cfg(feature = "sqlite")]
            Rows::Sqlite(rows) => rows.len(),
        }
    }

    /// Every row as one line, its columns as text joined by tabs (for `EXPLAIN` output).
    pub(crate) fn lines(&self) -> Vec<String> {
        (0..self.len())
            .map(|row| {
                let width = match self {
                    #[cfg(feature = "mysql")]
                    Rows::MySql(rows) => sqlx::Row::len(&rows[row]),
                    #[cfg(feature = "sqlite")]
                    Rows::Sqlite(rows) => sqlx::Row::len(&rows[row]),
                };
                (0..width)
                    .map(|column| self.cell(row, column).text())
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect()
    }

    pub(crate) fn cell(&self, row: usize, column: usize) -> Cell<'_> {
        match self {
            #[cfg(feature = "mysql")]
            Rows::MySql(rows) => Cell::MySql(&rows[row], column),
            #[cfg(feature = "sqlite")]
            Rows::Sqlite(rows) => Cell::Sqlite(&rows[row], column),
        }
    }
}

/// Runs a query and returns all its rows. Dropped midway, it is stopped (see [`Stop`]): on a server
/// whenever the pool knows its connections' ids; on embedded SQLite when it `scans` (a search, a count), as
/// making a statement interruptible there costs a hand-over to the connection's thread (about 40 us, a
/// third of a read by key).
#[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
pub(crate) async fn fetch_all(pool: &Pool, sql: String, args: Args, scans: bool) -> Result<Rows> {
    match pool.clone() {
        #[cfg(feature = "mysql")]
        Pool::MySql(pool) => {
            // A read dropped midway is stopped on the server (see `Stop`), and its connection closed.
            let stop = std::sync::Arc::new(Stop::default());
            let armed = stop.clone();
            detached(async move {
                let (mut conn, id) = mysql::acquire(&pool).await?;
                // The pool's options are read only when a kill is sent.
                let kill = id.map(|id| Kill::Server { pool, id });
                if !armed.arm(kill) {
                    // The caller is gone: nobody reads this.
                    return Err(Error::Database(sqlx::Error::PoolClosed));
                }
                let rows = mysql::fetch_all(&mut *conn, sql, args).await;
                if armed.settle().await {
                    conn.close_on_drop();
                }
                Ok(Rows::MySql(rows?))
            })
            .stopped_by(stop)
            .await
        }
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(pool, loads) => {
            // A scan dropped midway is interrupted (see `Stop`).
            let stop = std::sync::Arc::new(Stop::default());
            let armed = stop.clone();
            detached(async move {
                let mut conn = sqlite_connection(&pool, loads).await?;
                let kill = match scans {
                    true => Some(Kill::Interrupt(sqlite::interruptible(&mut conn).await?)),
                    false => None,
                };
                if !armed.arm(kill) {
                    // The caller is gone: nobody reads this.
                    return Err(Error::Database(sqlx::Error::PoolClosed));
                }
                let rows = sqlite::fetch_all(&mut *conn, sql, args).await;
                if armed.settle().await {
                    sqlite::uninterruptible(&mut conn).await?;
                }
                Ok(Rows::Sqlite(rows?))
            })
            .stopped_by(stop)
            .await
        }
    }
}
