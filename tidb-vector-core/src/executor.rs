//! Where an operation runs: a [`Db`]'s pool, a [`Transaction`] begun on it, or a caller's own sqlx
//! connection or transaction ([`Conn`]). Every model operation and search takes an [`Executor`].

#[cfg(feature = "mysql")]
use sqlx::mysql::MySqlConnection;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::SqliteConnection;

use crate::backend::Backend;
use crate::db::Db;
use crate::dialect::Dialect;

use crate::driver::{self, Arg, Args, Done, Rows, SMALL_STATEMENT, TxHandle, statement_size};
use crate::error::{Error, Result};
use crate::retry::retried;
use tracing::Instrument as _;

/// Where a model operation or a search runs: `&Db` (a connection from its pool), `&mut Transaction`
/// (see [`Db::begin`]), a caller's connection or transaction wrapped in a [`Conn`] (by value or `&mut`),
/// or `&mut SqliteConnection`.
///
/// ```no_run
/// use tidb_vector_core::{Conn, Db, VectorModel};
/// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
///
/// # async fn run(pool: sqlx::MySqlPool) -> Result<(), Box<dyn std::error::Error>> {
/// // A caller's own sqlx transaction: the model's insert and the caller's statement commit together.
/// let mut tx = pool.begin().await?;
/// let doc = Document { content: "dog".into(), embedding: vec![1.0, 2.0, 1.0] };
/// doc.insert(Conn::tidb(&mut tx)).await?;
/// sqlx::query("UPDATE jobs SET done = 1 WHERE id = ?").bind(7).execute(&mut *tx).await?;
/// tx.commit().await?;
/// # Ok(()) }
/// ```
///
/// Sealed: the crate implements it for the types above only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not somewhere a tidb-vector operation can run",
    label = "pass `&db`, `&mut tx` (from `db.begin()`) or a connection wrapped in `Conn`",
    note = "a sqlx connection or transaction of your own runs operations when wrapped: `Conn::tidb(&mut conn)`, `Conn::mariadb(&mut conn)` or `Conn::sqlite(&mut conn)` (a `&mut sqlx::Transaction` derefs to its connection: `Conn::tidb(&mut tx)`)"
)]
pub trait Executor<'c>: Send + sealed::Sealed {
    #[doc(hidden)]
    fn __target(self) -> (Target<'c>, &'static Dialect);

    /// Starts an operation here. Not a public API.
    #[doc(hidden)]
    fn __session(self, operation: &'static str, table: &'static str) -> Session<'c>
    where
        Self: Sized,
    {
        let (target, dialect) = self.__target();
        Session::new(target, dialect, operation, table)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A caller's sqlx connection (or transaction: `&mut tx` derefs to one) and the backend behind it.
///
/// Operations run on it as the caller's own sqlx statements do: inside the caller's transaction, if one is
/// open. [`insert_many`](crate::VectorModel::insert_many) then stays all-or-nothing within it (a savepoint)
/// and never commits it.
///
/// Unlike operations on a [`Db`] or a [`Transaction`], these run in the caller's future and are not
/// cancel-safe: dropping one midway (a timeout, a `select!`) leaves the connection as sqlx leaves a dropped
/// statement of its own, which can be unusable: on MySQL a result read halfway makes the next statement
/// wait for bytes that never come (launchbadge/sqlx#563), and on SQLite a nested transaction dropped while
/// it begins has hung the connection in this crate's tests. Where a call may be dropped, run it on a
/// [`Db`] or in a [`Transaction`] from [`Db::begin`] (which says [`Error::TransactionGone`] afterwards
/// rather than hang), or close the connection after a dropped call.
#[derive(Debug)]
pub struct Conn<'c> {
    link: Link<'c>,
    dialect: &'static Dialect,
}

impl<'c> Conn<'c> {
    #[cfg(feature = "mysql")]
    /// A connection to TiDB.
    pub fn tidb(conn: &'c mut MySqlConnection) -> Self {
        Conn {
            link: Link::MySql(conn),
            dialect: Dialect::of(Backend::TiDb),
        }
    }

    #[cfg(feature = "mysql")]
    /// A connection to MariaDB.
    pub fn mariadb(conn: &'c mut MySqlConnection) -> Self {
        Conn {
            link: Link::MySql(conn),
            dialect: Dialect::of(Backend::MariaDb),
        }
    }

    #[cfg(feature = "sqlite")]
    /// A connection to SQLite. sqlite-vec (and this crate's inner-product function) is loaded into it when
    /// it lacks them: each operation checks with one in-process query.
    pub fn sqlite(conn: &'c mut SqliteConnection) -> Self {
        Conn {
            link: Link::Sqlite(conn, false),
            dialect: Dialect::of(Backend::Sqlite),
        }
    }

    /// The backend this connection speaks to.
    pub fn backend(&self) -> Backend {
        self.dialect.backend
    }
}

/// A transaction on a [`Db`]'s pool ([`Db::begin`]), usable by the library's operations (`&mut tx`) and
/// by the caller's own sqlx statements ([`Transaction::as_mysql`], [`Transaction::as_sqlite`]).
///
/// Dropped without [`commit`](Transaction::commit), it rolls back, as sqlx's transactions do.
///
/// The library's operations on it are cancel-safe as those on a [`Db`] are: each statement runs on a task of
/// its own. When an operation is dropped midway (a timeout, a `select!`), its statement still ends on its
/// task, the transaction is rolled back there and its connection goes back to the pool clean; the
/// transaction is then gone, and the next operation, commit or `as_mysql` says so at once
/// ([`Error::TransactionGone`], `None`) rather than meeting a connection left in the middle of an answer.
pub struct Transaction {
    /// `None` while a statement runs, and for good once a dropped operation took it.
    inner: Option<driver::Tx>,
    dialect: &'static Dialect,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("backend", &self.dialect.backend)
            .finish_non_exhaustive()
    }
}

impl Transaction {
    pub(crate) fn new(inner: driver::Tx, dialect: &'static Dialect) -> Self {
        Transaction {
            inner: Some(inner),
            dialect,
        }
    }

    /// The backend this transaction speaks to.
    pub fn backend(&self) -> Backend {
        self.dialect.backend
    }

    #[cfg(feature = "mysql")]
    /// The transaction's connection, for the caller's own sqlx statements (TiDB and MariaDB).
    /// `None` once the transaction is gone (see [`Transaction`]).
    pub fn as_mysql(&mut self) -> Option<&mut MySqlConnection> {
        match self.inner.as_mut()? {
            #[cfg(feature = "mysql")]
            driver::Tx::MySql(tx) => Some(&mut **tx),
            #[cfg(feature = "sqlite")]
            driver::Tx::Sqlite(_) => None,
        }
    }

    #[cfg(feature = "sqlite")]
    /// The transaction's connection, for the caller's own sqlx statements (SQLite).
    /// `None` once the transaction is gone (see [`Transaction`]).
    pub fn as_sqlite(&mut self) -> Option<&mut SqliteConnection> {
        match self.inner.as_mut()? {
            #[cfg(feature = "sqlite")]
            driver::Tx::Sqlite(tx) => Some(&mut **tx),
            #[cfg(feature = "mysql")]
            driver::Tx::MySql(_) => None,
        }
    }

    /// Commits everything done in the transaction.
    ///
    /// When the connection fails after the `COMMIT` went out, whether it happened is unknown:
    /// [`Error::CommitInDoubt`] (check the table before writing the same rows again).
    pub async fn commit(self) -> Result<()> {
        let inner = self.inner.ok_or(Error::TransactionGone)?;
        inner.commit().await.map_err(|error| match error {
            Error::Server { .. } => error,
            source => Error::CommitInDoubt {
                rows: None,
                probe: None,
                source: Box::new(source),
            },
        })
    }

    /// Rolls back everything done in the transaction (a transaction that is gone was rolled back already).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            Some(inner) => inner.rollback().await,
            None => Ok(()),
        }
    }
}

/// A connection an operation runs on, borrowed from the caller. Not a public API.
#[doc(hidden)]
#[derive(Debug)]
pub enum Link<'c> {
    #[cfg(feature = "mysql")]
    MySql(&'c mut MySqlConnection),
    #[cfg(feature = "sqlite")]
    /// The flag says whether sqlite-vec is known to be loaded.
    Sqlite(&'c mut SqliteConnection, bool),
}

impl Link<'_> {
    fn reborrow(&mut self) -> Link<'_> {
        match self {
            #[cfg(feature = "mysql")]
            Link::MySql(conn) => Link::MySql(conn),
            #[cfg(feature = "sqlite")]
            Link::Sqlite(conn, ready) => Link::Sqlite(conn, *ready),
        }
    }
}

/// One operation's hold on where it runs, and its tracing span. Not a public API.
///
/// The span (`tidb_vector`, level DEBUG) carries the table, the operation and the backend, never values;
/// every statement of the operation runs in it (sqlx's own `sqlx::query` events included), and when the
/// operation ends an event records its rows and duration.
#[doc(hidden)]
pub struct Session<'c> {
    dialect: &'static Dialect,
    target: Target<'c>,
    /// The server's packet limit, once read.
    packet_limit: Option<u64>,
    span: tracing::Span,
    started: std::time::Instant,
    /// Rows written or read so far.
    rows: u64,
}

/// Where a session's statements go. Not a public API.
#[doc(hidden)]
pub enum Target<'c> {
    #[doc(hidden)]
    Pool(&'c Db),
    #[doc(hidden)]
    Conn(Link<'c>),
    /// A [`Transaction`]'s slot: statements run cancel-safely (see [`driver::in_slot`]).
    #[doc(hidden)]
    Tx(TxSlot<'c>),
}

/// Where a [`Transaction`] keeps its driver transaction. Not a public API.
#[doc(hidden)]
pub struct TxSlot<'c>(&'c mut Option<driver::Tx>);

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let elapsed_ms = self.started.elapsed().as_secs_f64() * 1e3;
        self.span.record("rows", self.rows);
        tracing::debug!(parent: &self.span, rows = self.rows, elapsed_ms, "operation finished");
    }
}

impl sealed::Sealed for &Db {}
impl<'c> Executor<'c> for &'c Db {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        (Target::Pool(self), self.dialect)
    }
}

impl sealed::Sealed for Conn<'_> {}
impl<'c> Executor<'c> for Conn<'c> {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        (Target::Conn(self.link), self.dialect)
    }
}

impl sealed::Sealed for &mut Conn<'_> {}
impl<'c> Executor<'c> for &'c mut Conn<'_> {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        (Target::Conn(self.link.reborrow()), self.dialect)
    }
}

impl sealed::Sealed for &mut Transaction {}
impl<'c> Executor<'c> for &'c mut Transaction {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        // The pool's connections load sqlite-vec when they open.
        (Target::Tx(TxSlot(&mut self.inner)), self.dialect)
    }
}

#[cfg(feature = "sqlite")]
impl sealed::Sealed for &mut SqliteConnection {}
#[cfg(feature = "sqlite")]
impl<'c> Executor<'c> for &'c mut SqliteConnection {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        Conn::sqlite(self).__target()
    }
}

impl<'c> Session<'c> {
    fn new(
        target: Target<'c>,
        dialect: &'static Dialect,
        operation: &'static str,
        table: &'static str,
    ) -> Self {
        let span = tracing::debug_span!(
            "tidb_vector",
            table,
            operation,
            backend = %dialect.backend,
            rows = tracing::field::Empty,
        );
        Session {
            dialect,
            target,
            packet_limit: None,
            span,
            started: std::time::Instant::now(),
            rows: 0,
        }
    }

    /// The operation's span, for work that runs its statements elsewhere (a bulk insert's transaction).
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Counts rows written by statements that did not run through the session.
    pub(crate) fn add_rows(&mut self, rows: u64) {
        self.rows += rows;
    }

    pub(crate) fn dialect(&self) -> &'static Dialect {
        self.dialect
    }

    pub(crate) fn backend(&self) -> Backend {
        self.dialect.backend
    }

    /// Whether the operation runs on a [`Db`] whose host is a TiDB Cloud Starter gateway (a caller's
    /// connection does not say where it goes: `false`).
    pub(crate) fn on_tidb_cloud_starter(&self) -> bool {
        match &self.target {
            Target::Pool(db) => db.on_tidb_cloud_starter(),
            Target::Conn(_) | Target::Tx(_) => false,
        }
    }

    /// Loads sqlite-vec into a caller's SQLite connection that does not have it yet.
    async fn ready(&mut self) -> Result<()> {
        #[cfg(feature = "sqlite")]
        if let Target::Conn(Link::Sqlite(conn, ready)) = &mut self.target
            && !*ready
        {
            crate::sqlite_ext::ensure_loaded(conn).await?;
            *ready = true;
        }
        Ok(())
    }

    /// The most bytes one statement may carry, read from the server once per session (a [`Db`] keeps it
    /// for every session).
    pub(crate) async fn packet_limit(&mut self) -> Result<u64> {
        if let Some(limit) = self.packet_limit {
            return Ok(limit);
        }
        let limit = match &mut self.target {
            Target::Pool(db) => db.packet_limit().await?,
            #[cfg(feature = "mysql")]
            Target::Conn(Link::MySql(conn)) => driver::mysql::packet_limit(&mut **conn).await?,
            #[cfg(feature = "sqlite")]
            Target::Conn(Link::Sqlite(..)) => driver::sqlite::MAX_LENGTH,
            Target::Tx(TxSlot(slot)) => match slot.as_ref().map(driver::Tx::is_mysql) {
                None => return Err(Error::TransactionGone),
                Some(true) => {
                    let rows = driver::in_slot(
                        slot,
                        "SELECT CAST(@@max_allowed_packet AS UNSIGNED)".to_owned(),
                        Args::from(Vec::new()),
                        true,
                    )
                    .await?
                    .into_rows()?;
                    rows.cell(0, 0).get::<u64>().map_err(Error::Database)?
                }
                #[cfg(feature = "sqlite")]
                Some(false) => driver::sqlite::MAX_LENGTH,
                #[cfg(not(feature = "sqlite"))]
                Some(false) => unreachable!("a transaction of a MySQL-only build"),
            },
        };
        self.packet_limit = Some(limit);
        Ok(limit)
    }

    /// Runs a statement that returns no rows (checked first: see [`Session::check_statement`]). On a
    /// pool, where each statement is a transaction of its own, a transient error is retried by the
    /// [`Db`]'s [`RetryPolicy`](crate::RetryPolicy).
    pub(crate) async fn execute(&mut self, sql: String, args: Vec<Arg>) -> Result<Done> {
        self.check_statement(&sql, &args).await?;
        let args = Args::from(args);
        self.ready().await?;
        let span = self.span.clone();
        let done = match &mut self.target {
            Target::Pool(db) => {
                retried(&db.retry, || {
                    driver::execute(&db.pool, sql.clone(), args.clone()).instrument(span.clone())
                })
                .await
            }
            #[cfg(feature = "mysql")]
            Target::Conn(Link::MySql(conn)) => {
                driver::mysql::execute(&mut **conn, sql, args)
                    .instrument(span)
                    .await
            }
            #[cfg(feature = "sqlite")]
            Target::Conn(Link::Sqlite(conn, _)) => {
                driver::sqlite::execute(&mut **conn, sql, args)
                    .instrument(span)
                    .await
            }
            Target::Tx(TxSlot(slot)) => driver::in_slot(slot, sql, args, false)
                .instrument(span)
                .await
                .map(driver::Answer::into_done),
        }?;
        self.rows += done.rows_affected;
        Ok(done)
    }

    /// Runs a query and returns all its rows (checked first: see [`Session::check_statement`]); retried as
    /// [`Session::execute`] is.
    pub(crate) async fn fetch_all(&mut self, sql: String, args: Vec<Arg>) -> Result<Rows> {
        self.check_statement(&sql, &args).await?;
        let args = Args::from(args);
        self.ready().await?;
        let span = self.span.clone();
        let rows = match &mut self.target {
            Target::Pool(db) => {
                retried(&db.retry, || {
                    driver::fetch_all(&db.pool, sql.clone(), args.clone()).instrument(span.clone())
                })
                .await
            }
            #[cfg(feature = "mysql")]
            Target::Conn(Link::MySql(conn)) => driver::mysql::fetch_all(&mut **conn, sql, args)
                .instrument(span)
                .await
                .map(Rows::MySql),
            #[cfg(feature = "sqlite")]
            Target::Conn(Link::Sqlite(conn, _)) => {
                driver::sqlite::fetch_all(&mut **conn, sql, args)
                    .instrument(span)
                    .await
                    .map(Rows::Sqlite)
            }
            Target::Tx(TxSlot(slot)) => driver::in_slot(slot, sql, args, true)
                .instrument(span)
                .await
                .and_then(driver::Answer::into_rows),
        }?;
        self.rows += rows.len() as u64;
        Ok(rows)
    }

    /// The retry policy of a statement or transaction the library owns from its start: the [`Db`]'s on a
    /// pool; `None` on a caller's connection (see [`RetryPolicy`](crate::RetryPolicy)).
    pub(crate) fn retry_policy(&self) -> Option<&crate::RetryPolicy> {
        match &self.target {
            Target::Pool(db) => Some(&db.retry),
            Target::Conn(_) | Target::Tx(_) => None,
        }
    }

    /// Begins a transaction: on a pool, a new one (cancel-safe, see [`driver::Tx`]); on a caller's
    /// connection, a nested one (a savepoint inside the caller's transaction, else a transaction).
    pub(crate) async fn begin(&mut self) -> Result<TxHandle<'_>> {
        self.ready().await?;
        match &mut self.target {
            Target::Pool(db) => Ok(TxHandle::Detached(Some(driver::Tx::begin(&db.pool).await?))),
            Target::Tx(TxSlot(slot)) => TxHandle::savepoint(slot).await,
            #[cfg(feature = "mysql")]
            Target::Conn(Link::MySql(conn)) => {
                Ok(TxHandle::MySql(sqlx::Connection::begin(&mut **conn).await?))
            }
            #[cfg(feature = "sqlite")]
            Target::Conn(Link::Sqlite(conn, _)) => Ok(TxHandle::Sqlite(
                sqlx::Connection::begin(&mut **conn).await?,
            )),
        }
    }

    /// Refuses, before anything is sent, a statement with more parameters than the backend takes or more
    /// bytes than the server's packet limit (a server answers that by closing the connection).
    async fn check_statement(&mut self, sql: &str, args: &[Arg]) -> Result<()> {
        let limit = self.dialect.max_params;
        if args.len() > limit {
            return Err(Error::TooLarge {
                what: "bound values (a filter's `is_in` / `not_in` lists count one each)",
                size: args.len() as u64,
                limit: limit as u64,
                advice: "split the list over several calls",
            });
        }
        let size = statement_size(sql, args);
        if size < SMALL_STATEMENT {
            return Ok(());
        }
        let limit = self.packet_limit().await?;
        if size as u64 > limit {
            return Err(Error::TooLarge {
                what: "bytes in one statement",
                size: size as u64,
                limit,
                advice: "store less in one value, or raise the server's max_allowed_packet",
            });
        }
        Ok(())
    }
}
