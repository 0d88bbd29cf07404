//! The driver layer over sqlx: the pool of either driver, bind arguments, statements run cancel-safely on
//! tasks of their own, fetched rows, and transactions. It knows nothing of models or dialects.

#[cfg(feature = "mysql")]
use sqlx::mysql::{MySql, MySqlArguments, MySqlConnection, MySqlPool, MySqlRow};
use sqlx::query::Query;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Transaction};

use crate::error::{Error, Result};
use crate::value::Cell;

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
    /// `SQLITE_MAX_LENGTH` (1,000,000,000).
    pub(crate) async fn packet_limit(&self) -> Result<u64> {
        match self.clone() {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(..) => Ok(SQLITE_MAX_LENGTH),
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => {
                detached(async move {
                    let mut conn = pool.acquire().await?;
                    mysql_packet_limit(&mut conn).await
                })
                .await
            }
        }
    }
}

#[cfg(feature = "sqlite")]
/// SQLite's `SQLITE_MAX_LENGTH`: the most bytes of a statement or value.
pub(crate) const SQLITE_MAX_LENGTH: u64 = 1_000_000_000;

#[cfg(feature = "mysql")]
/// The server's `max_allowed_packet`.
pub(crate) async fn mysql_packet_limit(conn: &mut MySqlConnection) -> Result<u64> {
    Ok(sqlx::query_scalar("SELECT @@max_allowed_packet")
        .fetch_one(conn)
        .await?)
}

/// A bind parameter. It owns its data, so that a statement can run on a task of its own (see
/// [`detached`]).
#[derive(Debug)]
pub(crate) enum Arg {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    F32(f32),
    F64(f64),
    Str(&'static str),
    Text(String),
    Bytes(Vec<u8>),
}

impl Arg {
    /// About how many bytes the argument takes on the wire (for sizing bulk statements).
    pub(crate) fn wire_size(&self) -> usize {
        match self {
            Arg::Str(s) => s.len(),
            Arg::Text(s) => s.len(),
            Arg::Bytes(b) => b.len(),
            _ => 8,
        }
    }
}

#[cfg(feature = "mysql")]
fn mysql_query(sql: String, args: Vec<Arg>) -> Query<'static, MySql, MySqlArguments> {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for arg in args {
        query = match arg {
            Arg::Null => query.bind(None::<String>),
            Arg::Bool(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            Arg::UInt(v) => query.bind(v),
            Arg::F32(v) => query.bind(v),
            Arg::F64(v) => query.bind(v),
            Arg::Str(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
        };
    }
    query
}

#[cfg(feature = "sqlite")]
fn sqlite_query(sql: String, args: Vec<Arg>) -> Query<'static, Sqlite, SqliteArguments> {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for arg in args {
        query = match arg {
            Arg::Null => query.bind(None::<String>),
            Arg::Bool(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            // Converted to `Int` (or refused) by `encode_row`.
            Arg::UInt(v) => query.bind(v as i64),
            Arg::F32(v) => query.bind(v),
            Arg::F64(v) => query.bind(v),
            Arg::Str(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
        };
    }
    query
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

/// Runs a statement's I/O on a task of its own and waits for it.
///
/// This is what makes every operation cancel-safe: when the caller's future is dropped (a timeout, a
/// `select!`, a web client hanging up), the statement still runs to its end on its task and the connection
/// goes back to the pool in a clean state. A statement abandoned halfway would leave its connection with
/// half a packet sent or a result half read; sqlx cannot always recover such a connection, and then it
/// never returns to the pool, or (embedded SQLite) it is closed with the database it held.
pub(crate) async fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    // The task runs in the caller's span (an operation's), so its statements are traced there.
    match tokio::spawn(tracing::Instrument::in_current_span(work)).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // The runtime is shutting down under us.
        Err(_) => Err(Error::Database(sqlx::Error::PoolClosed)),
    }
}

/// What one bound value costs in a statement beyond its bytes (its type and length prefix), an upper bound.
pub(crate) const ARG_OVERHEAD: usize = 11;

/// The bytes a statement's text and arguments take on the wire, about (an upper bound).
pub(crate) fn statement_size(sql: &str, args: &[Arg]) -> usize {
    sql.len()
        + args
            .iter()
            .map(|a| a.wire_size() + ARG_OVERHEAD)
            .sum::<usize>()
}

/// Statements below this size are sent without asking the server's packet limit (MySQL's own minimum
/// `max_allowed_packet` default is 16 MiB on MariaDB, 64 MiB on TiDB; 1 MiB is far under both).
pub(crate) const SMALL_STATEMENT: usize = 1 << 20;

/// Runs a statement that returns no rows.
pub(crate) async fn execute(pool: &Pool, sql: String, args: Vec<Arg>) -> Result<Done> {
    match pool.clone() {
        #[cfg(feature = "mysql")]
        Pool::MySql(pool) => {
            detached(async move { Ok(mysql_query(sql, args).execute(&pool).await?.into()) }).await
        }
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(pool, loads) => {
            detached(async move {
                let mut conn = sqlite_connection(&pool, loads).await?;
                sqlite_execute(&mut conn, sql, args).await
            })
            .await
        }
    }
}

#[cfg(feature = "mysql")]
/// Runs a statement that returns no rows on a caller's connection, in the caller's future.
pub(crate) async fn mysql_execute(
    conn: &mut MySqlConnection,
    sql: String,
    args: Vec<Arg>,
) -> Result<Done> {
    Ok(mysql_query(sql, args).execute(conn).await?.into())
}

#[cfg(feature = "sqlite")]
/// Runs a statement that returns no rows on a caller's connection, in the caller's future.
pub(crate) async fn sqlite_execute(
    conn: &mut SqliteConnection,
    sql: String,
    args: Vec<Arg>,
) -> Result<Done> {
    Ok(sqlite_query(sql, args).execute(conn).await?.into())
}

#[cfg(feature = "mysql")]
/// Runs a query on a caller's connection, in the caller's future.
pub(crate) async fn mysql_fetch_all(
    conn: &mut MySqlConnection,
    sql: String,
    args: Vec<Arg>,
) -> Result<Rows> {
    Ok(Rows::MySql(mysql_query(sql, args).fetch_all(conn).await?))
}

#[cfg(feature = "sqlite")]
/// Runs a query on a caller's connection, in the caller's future.
pub(crate) async fn sqlite_fetch_all(
    conn: &mut SqliteConnection,
    sql: String,
    args: Vec<Arg>,
) -> Result<Rows> {
    Ok(Rows::Sqlite(sqlite_query(sql, args).fetch_all(conn).await?))
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

/// Runs a query and returns all its rows.
pub(crate) async fn fetch_all(pool: &Pool, sql: String, args: Vec<Arg>) -> Result<Rows> {
    match pool.clone() {
        #[cfg(feature = "mysql")]
        Pool::MySql(pool) => {
            detached(async move { Ok(Rows::MySql(mysql_query(sql, args).fetch_all(&pool).await?)) })
                .await
        }
        #[cfg(feature = "sqlite")]
        Pool::Sqlite(pool, loads) => {
            detached(async move {
                let mut conn = sqlite_connection(&pool, loads).await?;
                sqlite_fetch_all(&mut conn, sql, args).await
            })
            .await
        }
    }
}

/// A transaction on either driver.
///
/// Cancel-safe like [`detached`]: each statement runs on a task of its own, which hands the transaction
/// back when it is done. When the caller is gone by then, that task rolls the transaction back itself and
/// the connection returns to the pool clean. Dropped between statements, it rolls back as sqlx's
/// transactions do.
pub(crate) enum Tx {
    #[cfg(feature = "mysql")]
    MySql(Transaction<'static, MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(Transaction<'static, Sqlite>),
}

impl Tx {
    pub(crate) async fn begin(pool: &Pool) -> Result<Tx> {
        match pool.clone() {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => detached(async move { Ok(Tx::MySql(pool.begin().await?)) }).await,
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool, loads) => {
                detached(async move {
                    let conn = sqlite_connection(&pool, loads).await?;
                    Ok(Tx::Sqlite(Transaction::begin(conn, None).await?))
                })
                .await
            }
        }
    }

    /// Runs a statement in the transaction; `self` is consumed and handed back with the outcome.
    pub(crate) async fn execute(self, sql: String, args: Vec<Arg>) -> (Option<Tx>, Result<Done>) {
        let (send, receive) = tokio::sync::oneshot::channel();
        tokio::spawn(tracing::Instrument::in_current_span(async move {
            let mut tx = self;
            let done = match &mut tx {
                #[cfg(feature = "mysql")]
                Tx::MySql(tx) => mysql_query(sql, args)
                    .execute(&mut **tx)
                    .await
                    .map(Done::from),
                #[cfg(feature = "sqlite")]
                Tx::Sqlite(tx) => sqlite_query(sql, args)
                    .execute(&mut **tx)
                    .await
                    .map(Done::from),
            };
            if let Err((tx, _)) = send.send((tx, done)) {
                // The caller was dropped while the statement ran.
                let _ = match tx {
                    #[cfg(feature = "mysql")]
                    Tx::MySql(tx) => tx.rollback().await,
                    #[cfg(feature = "sqlite")]
                    Tx::Sqlite(tx) => tx.rollback().await,
                };
            }
        }));
        match receive.await {
            Ok((tx, done)) => (Some(tx), done.map_err(Error::from)),
            // The task panicked (or the runtime is shutting down): the transaction went with it.
            Err(_) => (None, Err(Error::Database(sqlx::Error::PoolClosed))),
        }
    }

    pub(crate) async fn commit(self) -> Result<()> {
        detached(async move {
            match self {
                #[cfg(feature = "mysql")]
                Tx::MySql(tx) => tx.commit().await?,
                #[cfg(feature = "sqlite")]
                Tx::Sqlite(tx) => tx.commit().await?,
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        detached(async move {
            match self {
                #[cfg(feature = "mysql")]
                Tx::MySql(tx) => tx.rollback().await?,
                #[cfg(feature = "sqlite")]
                Tx::Sqlite(tx) => tx.rollback().await?,
            }
            Ok(())
        })
        .await
    }
}

/// The transaction of a bulk operation: a [`Tx`] of the library's own on a pool, or one nested in a
/// caller's connection (a savepoint when the caller has a transaction open).
pub(crate) enum TxHandle<'c> {
    /// `None` only while a statement runs, or after one was cut off (see [`Tx::execute`]).
    Detached(Option<Tx>),
    #[cfg(feature = "mysql")]
    MySql(Transaction<'c, MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(Transaction<'c, Sqlite>),
}

impl TxHandle<'_> {
    /// Runs a statement in the transaction.
    pub(crate) async fn execute(&mut self, sql: String, args: Vec<Arg>) -> Result<Done> {
        match self {
            TxHandle::Detached(slot) => {
                let tx = slot
                    .take()
                    .ok_or(Error::Database(sqlx::Error::PoolClosed))?;
                let (back, done) = tx.execute(sql, args).await;
                *slot = back;
                done
            }
            #[cfg(feature = "mysql")]
            TxHandle::MySql(tx) => Ok(mysql_query(sql, args).execute(&mut **tx).await?.into()),
            #[cfg(feature = "sqlite")]
            TxHandle::Sqlite(tx) => Ok(sqlite_query(sql, args).execute(&mut **tx).await?.into()),
        }
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            TxHandle::Detached(Some(tx)) => tx.commit().await,
            TxHandle::Detached(None) => Err(Error::Database(sqlx::Error::PoolClosed)),
            #[cfg(feature = "mysql")]
            TxHandle::MySql(tx) => Ok(tx.commit().await?),
            #[cfg(feature = "sqlite")]
            TxHandle::Sqlite(tx) => Ok(tx.commit().await?),
        }
    }

    /// Rolls back, leaving a caller's enclosing transaction as it was before this one began.
    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            TxHandle::Detached(Some(tx)) => tx.rollback().await,
            TxHandle::Detached(None) => Ok(()),
            #[cfg(feature = "mysql")]
            TxHandle::MySql(tx) => Ok(tx.rollback().await?),
            #[cfg(feature = "sqlite")]
            TxHandle::Sqlite(tx) => Ok(tx.rollback().await?),
        }
    }
}
