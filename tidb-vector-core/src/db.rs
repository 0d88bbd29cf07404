//! [`Db`]: a connection pool with the dialect of the server behind it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use crate::config::{Config, TiDbSettings};
use crate::dialect::{Backend, Dialect};
use crate::error::{Error, Result};

/// A pool of connections to TiDB, MariaDB or embedded SQLite, and the SQL dialect to speak to it.
///
/// Cheap to clone (the pool is shared). Every model operation takes a `&Db`.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: Pool,
    pub(crate) dialect: &'static Dialect,
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    MySql(MySqlPool),
    Sqlite(SqlitePool),
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
        let (scheme, rest) = url.split_once(':').ok_or_else(|| {
            Error::Config("the database URL has no scheme; expected mysql://, tidb://, mariadb:// or sqlite://".into())
        })?;
        let forced = match scheme {
            "mysql" => None,
            "tidb" => Some(Backend::TiDb),
            "mariadb" => Some(Backend::MariaDb),
            "sqlite" => return Db::sqlite(url).await,
            other => {
                return Err(Error::Config(format!(
                    "unknown database URL scheme `{other}`; expected mysql://, tidb://, mariadb:// or sqlite://"
                )));
            }
        };
        let options = MySqlConnectOptions::from_str(&format!("mysql:{rest}")).map_err(|e| {
            Error::Config(format!(
                "invalid database URL: {}",
                redact(&e.to_string(), url)
            ))
        })?;
        Db::mysql(options, forced).await
    }

    /// Connects with explicit settings.
    pub async fn connect_with(config: &Config) -> Result<Db> {
        match config {
            Config::Url(url) => Db::connect(url.expose()).await,
            Config::TiDb(settings) => Db::mysql(tidb_options(settings), None).await,
            Config::Embedded => Db::sqlite("sqlite::memory:").await,
        }
    }

    /// Opens a fresh embedded in-memory SQLite database.
    pub async fn embedded() -> Result<Db> {
        Db::sqlite("sqlite::memory:").await
    }

    /// Wraps an existing MySQL-protocol pool, speaking `backend`'s dialect.
    pub fn from_mysql_pool(pool: MySqlPool, backend: Backend) -> Result<Db> {
        match backend {
            Backend::TiDb | Backend::MariaDb => Ok(Db {
                pool: Pool::MySql(pool),
                dialect: Dialect::of(backend),
            }),
            Backend::Sqlite => Err(Error::Config(
                "a MySQL pool cannot speak the SQLite dialect".into(),
            )),
        }
    }

    /// The backend this handle speaks to.
    pub fn backend(&self) -> Backend {
        self.dialect.backend
    }

    /// The SQL dialect in use.
    pub fn dialect(&self) -> &'static Dialect {
        self.dialect
    }

    /// The underlying pool, when the backend speaks the MySQL protocol (TiDB, MariaDB).
    pub fn mysql_pool(&self) -> Option<&MySqlPool> {
        match &self.pool {
            Pool::MySql(pool) => Some(pool),
            Pool::Sqlite(_) => None,
        }
    }

    /// The underlying pool, when the backend is SQLite.
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::MySql(_) => None,
        }
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match &self.pool {
            Pool::MySql(pool) => pool.close().await,
            Pool::Sqlite(pool) => pool.close().await,
        }
    }

    async fn mysql(options: MySqlConnectOptions, forced: Option<Backend>) -> Result<Db> {
        let pool = MySqlPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        let backend = match forced {
            Some(backend) => backend,
            None => detect(&pool).await?,
        };
        Db::from_mysql_pool(pool, backend)
    }

    async fn sqlite(url: &str) -> Result<Db> {
        crate::sqlite_ext::register();
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::Config(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = if in_memory {
            // An in-memory database lives and dies with its one connection: keep exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            SqlitePoolOptions::new()
                .connect_with(options.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal))
                .await?
        };
        Ok(Db {
            pool: Pool::Sqlite(pool),
            dialect: Dialect::of(Backend::Sqlite),
        })
    }
}

/// The connection options for TiDB's settings: TLS with full verification when a CA is given.
fn tidb_options(settings: &TiDbSettings) -> MySqlConnectOptions {
    let options = MySqlConnectOptions::new()
        .host(&settings.host)
        .port(settings.port)
        .username(&settings.username)
        .password(settings.password.expose())
        .database(&settings.database);
    match &settings.ca_path {
        Some(ca) => options.ssl_mode(MySqlSslMode::VerifyIdentity).ssl_ca(ca),
        None => options.ssl_mode(MySqlSslMode::Preferred),
    }
}

/// Tells TiDB from MariaDB by the version string (`8.0.11-TiDB-v8.5.1`, `11.8.9-MariaDB-...`).
async fn detect(pool: &MySqlPool) -> Result<Backend> {
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(pool)
        .await?;
    if version.contains("TiDB") {
        Ok(Backend::TiDb)
    } else if version.contains("MariaDB") {
        Ok(Backend::MariaDb)
    } else {
        Err(Error::Config(format!(
            "the server reports version {version:?}, which is neither TiDB nor MariaDB; \
             use a tidb:// or mariadb:// URL to choose a dialect explicitly"
        )))
    }
}

/// Removes a URL's password from a message that may quote the URL.
fn redact(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    match password {
        Some(password) => message.replace(password, "***"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(
            redact("bad url mysql://u:pw@h/db", "mysql://u:pw@h/db"),
            "bad url mysql://u:***@h/db"
        );
        assert_eq!(redact("bad", "mysql://u@h/db"), "bad");
    }

    #[tokio::test]
    async fn unknown_scheme_is_a_config_error() {
        let err = Db::connect("postgres://h/db").await.unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("postgres")),
            "{err}"
        );
    }
}
