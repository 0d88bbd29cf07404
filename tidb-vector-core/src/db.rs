//! [`Db`]: a connection pool with the dialect of the server behind it.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "mysql")]
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlSslMode};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions};

use log::LevelFilter;

use crate::backend::Backend;
use crate::config::{Config, TiDbSettings};
use crate::dialect::Dialect;
use crate::driver::{self, Pool};
use crate::error::{Error, Result};

use crate::retry::RetryPolicy;

mod connect;
mod transaction;

pub use transaction::Transaction;

/// A pool of connections to TiDB, MariaDB or embedded SQLite, and the SQL dialect to speak to it.
///
/// Cheap to clone (the pool is shared). Every model operation and search takes a `&Db` (or another
/// [`Executor`](crate::Executor): a [`Transaction`] begun here, or a caller's own connection).
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    pub(crate) dialect: &'static Dialect,
    /// For an embedded in-memory database: a connection of its own, outside the pool, that keeps the
    /// database alive for as long as a clone of this `Db` lives. (An in-memory SQLite database lives only
    /// while one of its connections is open, and the pool may close its connection, say after an error.)
    _keep_alive: Option<KeepAlive>,
    /// The most bytes one statement may carry, read from the server the first time a large statement is
    /// about to be sent (see [`Db::packet_limit`]).
    packet_limit: Arc<tokio::sync::OnceCell<u64>>,
    /// When operations retry after a transient error.
    pub(crate) retry: RetryPolicy,
}

impl std::fmt::Debug for Db {
    /// The backend and the pool's size; never connection settings.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (size, idle) = match &self.pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => (pool.size(), pool.num_idle()),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool, _) => (pool.size(), pool.num_idle()),
        };
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .field("connections", &size)
            .field("idle", &idle)
            .finish()
    }
}

#[cfg(feature = "sqlite")]
type KeepAlive = Arc<std::sync::Mutex<SqliteConnection>>;
#[cfg(not(feature = "sqlite"))]
type KeepAlive = std::convert::Infallible;

/// How the connection pool behaves; [`PoolSettings::default`] suits most programs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolSettings {
    /// The most connections open at once (default 10; an in-memory SQLite database always has 1).
    pub max_connections: u32,
    /// How long an operation waits for a connection, including connecting, before it fails with
    /// [`Error::Database`] (default 30 s). A server that went away is reported after at most this long.
    pub acquire_timeout: Duration,
    /// How long [`Db::connect`] (and the other constructors) wait for the first connection to a TiDB or
    /// MariaDB server before failing with [`Error::Connect`] (default 10 s). Only a host that answers
    /// nothing takes this long: a refused connection, an unknown host, a refused login or a failed TLS
    /// handshake come back at once, each named.
    pub connect_timeout: Duration,
    /// How long an unused connection stays open (default 10 minutes; `None` keeps it).
    pub idle_timeout: Option<Duration>,
    /// The level at which sqlx logs every statement it runs (its `sqlx::query` events, with the SQL text
    /// and never the bound values; default `Debug`, as sqlx's). `LevelFilter::Off` silences them.
    pub log_statements: LevelFilter,
    /// Statements slower than the duration are logged at the level instead (default `Warn` above 1 s, as
    /// sqlx's).
    pub log_slow_statements: (LevelFilter, Duration),
    /// When operations are tried again after a transient server error (a deadlock, a write conflict):
    /// see [`RetryPolicy`] for where retries happen and the default.
    pub retry: RetryPolicy,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(600)),
            log_statements: LevelFilter::Debug,
            log_slow_statements: (LevelFilter::Warn, Duration::from_secs(1)),
            retry: RetryPolicy::default(),
        }
    }
}

impl PoolSettings {
    /// Connection options with these logging settings.
    fn logging<O: sqlx::ConnectOptions>(&self, options: O) -> O {
        let (slow_level, slow_after) = self.log_slow_statements;
        options
            .log_statements(self.log_statements)
            .log_slow_statements(slow_level, slow_after)
    }

    /// These settings with another connect timeout (see [`PoolSettings::connect_timeout`]).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// These settings with another acquire timeout.
    pub fn with_acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// These settings with sqlx's statement logging at `level`, and statements slower than `slow_after` at
    /// `slow_level`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tidb_vector_core::{LevelFilter, PoolSettings};
    ///
    /// // Quiet by default, every statement over 200 ms as a warning.
    /// let settings = PoolSettings::default().with_statement_logging(
    ///     LevelFilter::Off,
    ///     LevelFilter::Warn,
    ///     Duration::from_millis(200),
    /// );
    /// assert_eq!(settings.log_slow_statements.1, Duration::from_millis(200));
    /// ```
    pub fn with_statement_logging(
        mut self,
        level: LevelFilter,
        slow_level: LevelFilter,
        slow_after: Duration,
    ) -> Self {
        self.log_statements = level;
        self.log_slow_statements = (slow_level, slow_after);
        self
    }

    /// These settings with another retry policy ([`RetryPolicy::never`] turns retries off).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// These settings with another pool size.
    pub fn with_max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }
}

impl Db {
    /// Connects from the environment (and a `.env` file): see [`Config::from_env`]. With nothing
    /// configured, opens the embedded in-memory SQLite database.
    pub async fn from_env() -> Result<Db> {
        Db::connect_with(&Config::from_env()?).await
    }

    /// Connects to a URL: `mysql://`, `tidb://`, `mariadb://`, `sqlite://` or `sqlite::memory:` (see
    /// [`Config::Url`]).
    pub async fn connect(url: &str) -> Result<Db> {
        Db::connect_url(url, &PoolSettings::default()).await
    }

    async fn connect_url(url: &str, pool: &PoolSettings) -> Result<Db> {
        let (scheme, rest) = url.split_once(':').ok_or_else(|| {
            Error::Config("the database URL has no scheme; expected mysql://, tidb://, mariadb:// or sqlite://".into())
        })?;
        let forced = match scheme {
            "mysql" => None,
            "tidb" => Some(Backend::TiDb),
            "mariadb" => Some(Backend::MariaDb),
            "sqlite" => return Db::sqlite(url, pool).await,
            other => {
                return Err(Error::Config(format!(
                    "unknown database URL scheme `{other}`; expected mysql://, tidb://, mariadb:// or sqlite://"
                )));
            }
        };
        Db::mysql_url(url, rest, forced, pool).await
    }

    /// Connects with explicit settings.
    pub async fn connect_with(config: &Config) -> Result<Db> {
        Db::connect_with_pool(config, &PoolSettings::default()).await
    }

    /// Connects with explicit settings and pool behaviour (sizes, timeouts).
    pub async fn connect_with_pool(config: &Config, pool: &PoolSettings) -> Result<Db> {
        match config {
            Config::Url(url) => Db::connect_url(url.expose(), pool).await,
            Config::TiDb(settings) => Db::tidb(settings, pool).await,
            Config::Embedded => Db::sqlite("sqlite::memory:", pool).await,
        }
    }

    /// Opens a fresh embedded in-memory SQLite database.
    pub async fn embedded() -> Result<Db> {
        Db::sqlite("sqlite::memory:", &PoolSettings::default()).await
    }

    /// Wraps an existing MySQL-protocol pool, speaking `backend`'s dialect.
    ///
    /// A read dropped midway on such a pool runs to its end on the server, holding its connection until
    /// then: the pools [`Db::connect`] builds instead stop it (`KILL QUERY` from another connection), since
    /// they learn each connection's id where sqlx would ping it before use.
    #[cfg(feature = "mysql")]
    pub fn from_mysql_pool(pool: MySqlPool, backend: Backend) -> Result<Db> {
        match backend {
            Backend::TiDb | Backend::MariaDb => Ok(Db {
                pool: Pool::MySql(pool),
                dialect: Dialect::of(backend),
                _keep_alive: None,
                packet_limit: Arc::default(),
                retry: RetryPolicy::default(),
            }),
            Backend::Sqlite => Err(Error::Config(
                "a MySQL pool cannot speak the SQLite dialect".into(),
            )),
        }
    }

    #[cfg(feature = "sqlite")]
    /// Wraps an existing SQLite pool. sqlite-vec is loaded into each of its connections at the connection's
    /// first use by this crate (one query to check); the pool's other users may call its functions after
    /// that.
    pub fn from_sqlite_pool(pool: SqlitePool) -> Db {
        Db {
            pool: Pool::Sqlite(pool, false),
            dialect: Dialect::of(Backend::Sqlite),
            _keep_alive: None,
            packet_limit: Arc::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// A handle on the same pool whose operations retry by `policy` (see [`RetryPolicy`]): for the calls
    /// that need another policy than the pool's, e.g. `Document::count(&db.with_retry(RetryPolicy::never()))`.
    pub fn with_retry(&self, policy: RetryPolicy) -> Db {
        Db {
            retry: policy,
            ..self.clone()
        }
    }

    /// The backend this handle speaks to.
    pub fn backend(&self) -> Backend {
        self.dialect.backend
    }

    /// Whether the pool connects to a TiDB Cloud Starter gateway (see [`connect::is_tidb_cloud_starter`]).
    pub(crate) fn on_tidb_cloud_starter(&self) -> bool {
        match &self.pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => connect::is_tidb_cloud_starter(pool.connect_options().get_host()),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(..) => false,
        }
    }

    /// The underlying pool, when the backend speaks the MySQL protocol (TiDB, MariaDB).
    #[cfg(feature = "mysql")]
    pub fn mysql_pool(&self) -> Option<&MySqlPool> {
        match &self.pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => Some(pool),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(..) => None,
        }
    }

    /// The underlying pool, when the backend is SQLite.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool, _) => Some(pool),
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => None,
        }
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match &self.pool {
            #[cfg(feature = "mysql")]
            Pool::MySql(pool) => pool.close().await,
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool, _) => pool.close().await,
        }
    }

    /// The most bytes one statement may carry, read from the server once, at the first large statement
    /// (see [`Pool::packet_limit`]).
    pub(crate) async fn packet_limit(&self) -> Result<u64> {
        self.packet_limit
            .get_or_try_init(|| self.pool.packet_limit(self.dialect.packet_limit()))
            .await
            .copied()
    }

    /// Begins a transaction on a connection from the pool. Every model operation and search runs in it
    /// when given `&mut tx`; the caller's own sqlx statements run in it through `Transaction::as_mysql`
    /// (feature `mysql`) or `Transaction::as_sqlite` (feature `sqlite`). Nothing is stored until
    /// [`Transaction::commit`]; dropped uncommitted, it rolls back.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// let mut tx = db.begin().await?;
    /// Document { content: "dog".into(), embedding: vec![1.0, 2.0, 1.0] }.insert(&mut tx).await?;
    /// assert_eq!(Document::count(&mut tx).await?, 1); // seen inside the transaction
    /// tx.rollback().await?; // and gone
    /// # Ok(()) }
    /// ```
    pub async fn begin(&self) -> Result<Transaction> {
        Ok(Transaction::new(
            driver::Tx::begin(&self.pool).await?,
            self.dialect,
        ))
    }
}
