//! One operation's engine: where its statements go (a pool, a caller's connection, a transaction's slot),
//! its tracing span, the server's packet limit, and retries of what is safe to run again.

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
    pub(crate) fn reborrow(&mut self) -> Link<'_> {
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
    /// Whether the operation's reads may scan a table (a search, a count): on embedded SQLite only those
    /// are made interruptible, which costs a hand-over to the connection's thread (see
    /// [`driver::fetch_all`]).
    scans: bool,
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

impl<'c> TxSlot<'c> {
    /// The slot of a [`Transaction`](crate::Transaction)'s driver transaction.
    pub(crate) fn new(slot: &'c mut Option<driver::Tx>) -> Self {
        TxSlot(slot)
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let elapsed_ms = self.started.elapsed().as_secs_f64() * 1e3;
        self.span.record("rows", self.rows);
        tracing::debug!(parent: &self.span, rows = self.rows, elapsed_ms, "operation finished");
    }
}

impl<'c> Session<'c> {
    pub(crate) fn new(
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
            scans: operation.starts_with("search") || operation.starts_with("count"),
        }
    }

    /// Empty arguments for the driver this session's statements go through.
    pub(crate) fn args(&self) -> Args {
        self.dialect.args()
    }

    /// `args` in the arguments of this session's driver.
    pub(crate) fn args_of(&self, args: &[Arg<'_>]) -> Result<Args> {
        Args::of(self.dialect.driver(), args)
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
            Target::Conn(Link::MySql(conn)) => {
                driver::mysql::packet_limit(&mut **conn, self.dialect.packet_limit()).await?
            }
            #[cfg(feature = "sqlite")]
            Target::Conn(Link::Sqlite(..)) => driver::sqlite::MAX_LENGTH,
            Target::Tx(TxSlot(slot)) => match slot.as_ref().map(driver::Tx::is_mysql) {
                None => return Err(Error::TransactionGone),
                Some(true) => {
                    let rows = driver::in_slot(
                        slot,
                        self.dialect.packet_limit().to_owned(),
                        Args::none(),
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
    pub(crate) async fn execute(&mut self, sql: String, args: Args) -> Result<Done> {
        let done = self.run(sql, args, false).await?.into_done();
        self.rows += done.rows_affected;
        Ok(done)
    }

    /// Runs a query and returns all its rows (checked first: see [`Session::check_statement`]); retried as
    /// [`Session::execute`] is.
    pub(crate) async fn fetch_all(&mut self, sql: String, args: Args) -> Result<Rows> {
        let rows = self.run(sql, args, true).await?.into_rows()?;
        self.rows += rows.len() as u64;
        Ok(rows)
    }

    /// Runs a statement wherever the session's statements go, for its rows when `fetch`: the one dispatch
    /// of [`Session::execute`] and [`Session::fetch_all`].
    async fn run(&mut self, sql: String, args: Args, fetch: bool) -> Result<driver::Answer> {
        use driver::Answer;
        self.check_statement(&sql, &args).await?;
        self.ready().await?;
        let span = self.span.clone();
        match &mut self.target {
            Target::Pool(db) => {
                let scans = self.scans;
                // Each attempt sends a copy of the arguments: a retry needs them again.
                retried(&db.retry, || {
                    let (sql, args) = (sql.clone(), args.clone());
                    async {
                        if fetch {
                            driver::fetch_all(&db.pool, sql, args, scans)
                                .await
                                .map(Answer::Rows)
                        } else {
                            driver::execute(&db.pool, sql, args).await.map(Answer::Done)
                        }
                    }
                    .instrument(span.clone())
                })
                .await
            }
            #[cfg(feature = "mysql")]
            Target::Conn(Link::MySql(conn)) => {
                let conn = &mut **conn;
                async {
                    if fetch {
                        driver::mysql::fetch_all(conn, sql, args)
                            .await
                            .map(|rows| Answer::Rows(Rows::MySql(rows)))
                    } else {
                        driver::mysql::execute(conn, sql, args)
                            .await
                            .map(Answer::Done)
                    }
                }
                .instrument(span)
                .await
            }
            #[cfg(feature = "sqlite")]
            Target::Conn(Link::Sqlite(conn, _)) => {
                let conn = &mut **conn;
                async {
                    if fetch {
                        driver::sqlite::fetch_all(conn, sql, args)
                            .await
                            .map(|rows| Answer::Rows(Rows::Sqlite(rows)))
                    } else {
                        driver::sqlite::execute(conn, sql, args)
                            .await
                            .map(Answer::Done)
                    }
                }
                .instrument(span)
                .await
            }
            Target::Tx(TxSlot(slot)) => {
                driver::in_slot(slot, sql, args, fetch)
                    .instrument(span)
                    .await
            }
        }
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
    async fn check_statement(&mut self, sql: &str, args: &Args) -> Result<()> {
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
