//! Transactions on either driver: the library's own on a pool (cancel-safe), or one nested in a caller's.

use sqlx::Transaction;
#[cfg(feature = "mysql")]
use sqlx::mysql::MySql;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::Sqlite;

#[cfg(feature = "mysql")]
use super::mysql;
use super::{Args, Done, Pool, detached};
#[cfg(feature = "sqlite")]
use super::{sqlite, sqlite_connection};
use crate::error::{Error, Result};

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
    pub(crate) async fn execute(self, sql: String, args: Args) -> (Option<Tx>, Result<Done>) {
        let (send, receive) = tokio::sync::oneshot::channel();
        tokio::spawn(tracing::Instrument::in_current_span(async move {
            let mut tx = self;
            let done = match &mut tx {
                #[cfg(feature = "mysql")]
                Tx::MySql(tx) => mysql::execute(&mut **tx, sql, args).await,
                #[cfg(feature = "sqlite")]
                Tx::Sqlite(tx) => sqlite::execute(&mut **tx, sql, args).await,
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
            Ok((tx, done)) => (Some(tx), done),
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
    /// Whether this is a transaction of the library's own on a pool (its commit is a real one), not one
    /// nested in a caller's.
    pub(crate) fn is_detached(&self) -> bool {
        matches!(self, TxHandle::Detached(_))
    }

    /// Runs a statement in the transaction.
    pub(crate) async fn execute(&mut self, sql: String, args: Args) -> Result<Done> {
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
            TxHandle::MySql(tx) => mysql::execute(&mut **tx, sql, args).await,
            #[cfg(feature = "sqlite")]
            TxHandle::Sqlite(tx) => sqlite::execute(&mut **tx, sql, args).await,
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
