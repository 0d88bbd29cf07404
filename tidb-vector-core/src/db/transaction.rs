//! [`Transaction`]: a transaction on a [`Db`](crate::Db)'s pool.

#[cfg(feature = "mysql")]
use sqlx::mysql::MySqlConnection;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::SqliteConnection;

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::driver;
use crate::error::{Error, Result};

/// A transaction on a [`Db`](crate::Db)'s pool ([`Db::begin`](crate::Db::begin)), usable by the library's
/// operations (`&mut tx`) and by the caller's own sqlx statements (`Transaction::as_mysql` with the
/// `mysql` feature, `Transaction::as_sqlite` with `sqlite`).
///
/// Dropped without [`commit`](Transaction::commit), it rolls back, as sqlx's transactions do.
///
/// The library's operations on it are cancel-safe as those on a [`Db`](crate::Db) are: each statement runs on
/// a task of its own. When an operation is dropped midway (a timeout, a `select!`), its statement still ends on its
/// task, the transaction is rolled back there and its connection goes back to the pool clean; the
/// transaction is then gone, and the next operation, commit or `as_mysql` says so at once
/// ([`Error::TransactionGone`], `None`) rather than meeting a connection left in the middle of an answer.
pub struct Transaction {
    /// `None` while a statement runs, and for good once a dropped operation took it.
    pub(crate) inner: Option<driver::Tx>,
    pub(crate) dialect: &'static Dialect,
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
