//! Transactions on either driver: the library's own on a pool (cancel-safe), or one nested in a caller's.

use sqlx::Transaction;
#[cfg(feature = "mysql")]
use sqlx::mysql::MySql;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::Sqlite;

#[cfg(feature = "mysql")]
use super::mysql;
use super::{Args, Done, Pool, Rows, detached};
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

    /// Runs a statement in the transaction on a task of its own (`fetch`: whether its rows are wanted);
    /// `self` is consumed and handed back with the outcome. When the caller is gone by the time the
    /// statement ends, the task rolls the transaction back and its connection returns to the pool clean.
    pub(crate) async fn run(
        self,
        sql: String,
        args: Args,
        fetch: bool,
    ) -> (Option<Tx>, Result<Answer>) {
        let (send, receive) = tokio::sync::oneshot::channel();
        tokio::spawn(tracing::Instrument::in_current_span(async move {
            let mut tx = self;
            let answer = match (&mut tx, fetch) {
                #[cfg(feature = "mysql")]
                (Tx::MySql(tx), false) => {
                    mysql::execute(&mut **tx, sql, args).await.map(Answer::Done)
                }
                #[cfg(feature = "mysql")]
                (Tx::MySql(tx), true) => mysql::fetch_all(&mut **tx, sql, args)
                    .await
                    .map(|rows| Answer::Rows(Rows::MySql(rows))),
                #[cfg(feature = "sqlite")]
                (Tx::Sqlite(tx), false) => sqlite::execute(&mut **tx, sql, args)
                    .await
                    .map(Answer::Done),
                #[cfg(feature = "sqlite")]
                (Tx::Sqlite(tx), true) => sqlite::fetch_all(&mut **tx, sql, args)
                    .await
                    .map(|rows| Answer::Rows(Rows::Sqlite(rows))),
            };
            if let Err((tx, _)) = send.send((tx, answer)) {
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
            Ok((tx, answer)) => (Some(tx), answer),
            // The task panicked (or the runtime is shutting down): the transaction went with it.
            Err(_) => (None, Err(Error::TransactionGone)),
        }
    }

    /// Runs a statement that returns no rows in the transaction (see [`Tx::run`]).
    pub(crate) async fn execute(self, sql: String, args: Args) -> (Option<Tx>, Result<Done>) {
        let (tx, answer) = self.run(sql, args, false).await;
        (tx, answer.map(Answer::into_done))
    }

    /// Whether this is a MySQL-protocol transaction.
    pub(crate) fn is_mysql(&self) -> bool {
        match self {
            #[cfg(feature = "mysql")]
            Tx::MySql(_) => true,
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(_) => false,
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

/// What a statement gave back: its result, or its rows.
pub(crate) enum Answer {
    Done(Done),
    Rows(Rows),
}

impl Answer {
    pub(crate) fn into_done(self) -> Done {
        match self {
            Answer::Done(done) => done,
            Answer::Rows(_) => Done {
                rows_affected: 0,
                last_insert_id: None,
            },
        }
    }

    pub(crate) fn into_rows(self) -> Result<Rows> {
        match self {
            Answer::Rows(rows) => Ok(rows),
            Answer::Done(_) => Err(Error::InvalidArgument(
                "a statement run for its rows gave none (a bug in tidb-vector)".into(),
            )),
        }
    }
}

/// Runs a statement in the transaction held in `slot` (a [`Transaction`](crate::Transaction)'s), on a task
/// of its own (see [`Tx::run`]). While it runs the slot is empty: when the caller's future is dropped
/// midway, the task rolls the transaction back and the slot stays empty, so that the next statement fails
/// at once with [`Error::TransactionGone`] instead of meeting a connection left mid-answer.
pub(crate) async fn in_slot(
    slot: &mut Option<Tx>,
    sql: String,
    args: Args,
    fetch: bool,
) -> Result<Answer> {
    let tx = slot.take().ok_or(Error::TransactionGone)?;
    let (back, answer) = tx.run(sql, args, fetch).await;
    *slot = back;
    answer
}

/// The savepoint a bulk operation nests in a [`Transaction`](crate::Transaction) (sqlx names its own
/// `_sqlx_savepoint_N`; TiDB has savepoints since v6.2).
const SAVEPOINT: &str = "SAVEPOINT tidb_vector_savepoint";
const RELEASE: &str = "RELEASE SAVEPOINT tidb_vector_savepoint";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT tidb_vector_savepoint";

/// The transaction of a bulk operation: a [`Tx`] of the library's own on a pool, a savepoint in a
/// [`Transaction`](crate::Transaction) (its statements run as [`in_slot`] runs them), or one nested in a
/// caller's connection (a savepoint when the caller has a transaction open).
pub(crate) enum TxHandle<'c> {
    /// `None` only while a statement runs, or after one was cut off (see [`Tx::execute`]).
    Detached(Option<Tx>),
    /// A savepoint in the transaction of this slot.
    Savepoint(&'c mut Option<Tx>),
    #[cfg(feature = "mysql")]
    MySql(Transaction<'c, MySql>),
    #[cfg(feature = "sqlite")]
    Sqlite(Transaction<'c, Sqlite>),
}

impl<'c> TxHandle<'c> {
    /// Whether this is a transaction of the library's own on a pool (its commit is a real one), not one
    /// nested in a caller's.
    pub(crate) fn is_detached(&self) -> bool {
        matches!(self, TxHandle::Detached(_))
    }

    /// A savepoint in the transaction of `slot`.
    pub(crate) async fn savepoint(slot: &'c mut Option<Tx>) -> Result<TxHandle<'c>> {
        in_slot(slot, SAVEPOINT.to_owned(), Args::none(), false).await?;
        Ok(TxHandle::Savepoint(slot))
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
            TxHandle::Savepoint(slot) => Ok(in_slot(slot, sql, args, false).await?.into_done()),
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
            TxHandle::Savepoint(slot) => {
                in_slot(slot, RELEASE.to_owned(), Args::none(), false).await?;
                Ok(())
            }
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
            TxHandle::Savepoint(slot) => {
                in_slot(slot, ROLLBACK_TO.to_owned(), Args::none(), false).await?;
                in_slot(slot, RELEASE.to_owned(), Args::none(), false).await?;
                Ok(())
            }
            #[cfg(feature = "mysql")]
            TxHandle::MySql(tx) => Ok(tx.rollback().await?),
            #[cfg(feature = "sqlite")]
            TxHandle::Sqlite(tx) => Ok(tx.rollback().await?),
        }
    }
}
