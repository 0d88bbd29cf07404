//! Commits whose answer was lost: how the library tells afterwards whether they happened.
//!
//! A connection can fail after a `COMMIT` (or a statement that commits by itself) reached the server and
//! before its answer came back; TiDB does it on purpose when a commit's outcome is undetermined, closing
//! the connection without an error packet. The transaction then either committed or it did not, and only
//! the table can tell: a row that only that transaction wrote exists exactly when it committed. A
//! [`CommitProbe`] is such a row's key.

use crate::bind;
use crate::dialect::Dialect;
use crate::driver::{Arg, Args};
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::schema::Schema;
use crate::session::Session;
use crate::value::ValueRef;

/// One row that a transaction whose commit went unanswered wrote: it exists exactly when that transaction
/// committed. Carried by [`Error::CommitInDoubt`] and [`Error::Load`]; ask it with
/// [`committed`](CommitProbe::committed), or let [`Error::rows_stored`] do it.
///
/// The row is the first one the transaction inserted: a key the caller gave, or the key the database
/// assigned to it (TiDB and MariaDB never hand out an auto-increment key again after a rollback).
#[derive(Clone)]
pub struct CommitProbe {
    dialect: &'static Dialect,
    table: &'static str,
    sql: String,
    /// The key, bound as its column binds it.
    key: Box<Args>,
}

impl std::fmt::Debug for CommitProbe {
    // The key is a value of the caller's data: it stays out of logs, as every value does.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitProbe")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl CommitProbe {
    /// The probe of the row keyed `key` (bound as the key column binds it) in `schema`'s table.
    pub(crate) fn new(dialect: &'static Dialect, schema: &Schema, key: Args) -> Self {
        CommitProbe {
            dialect,
            table: schema.table,
            sql: dialect.row_exists(schema),
            key: Box::new(key),
        }
    }

    /// A key as its column binds it.
    pub(crate) fn key_arg(dialect: &Dialect, schema: &Schema, key: ValueRef<'_>) -> Result<Args> {
        let mut scratch = bind::Scratch::default();
        let mut args = dialect.args();
        args.add(bind::encode_value(
            dialect,
            schema.key_column(),
            key,
            &mut scratch,
        )?)?;
        Ok(args)
    }

    /// The key the database assigned as `id` (an auto-increment or AUTO_RANDOM key), as bound.
    pub(crate) fn generated(dialect: &Dialect, id: u64) -> Result<Args> {
        let arg = match i64::try_from(id) {
            Ok(id) => Arg::Int(id),
            Err(_) => Arg::UInt(id),
        };
        Args::of(dialect.driver(), &[arg])
    }

    /// Whether the transaction committed: reads whether its row exists. On TiDB and MariaDB the read
    /// waits while the transaction still holds the row, so it answers once the outcome is settled. Run it
    /// on the database the transaction ran on (a pool, a connection).
    pub async fn committed<'c>(&self, executor: impl Executor<'c>) -> Result<bool> {
        self.committed_in(&mut executor.__session("commit check", self.table))
            .await
    }

    /// [`committed`](CommitProbe::committed), in an operation's session.
    pub(crate) async fn committed_in(&self, session: &mut Session<'_>) -> Result<bool> {
        if session.dialect().backend != self.dialect.backend {
            return Err(Error::InvalidArgument(format!(
                "the commit happened on {}, and this executor speaks to {}",
                self.dialect.backend,
                session.dialect().backend
            )));
        }
        let rows = session
            .fetch_all(self.sql.clone(), (*self.key).clone())
            .await?;
        Ok(rows.len() > 0)
    }
}

/// The outcome of a one-row insert whose statement failed: when the connection failed under it (a commit in
/// doubt) and the row carries its key, whether that key's row exists settles it (the key is returned
/// when it does); otherwise the error, a commit in doubt still when the server could not be asked.
pub(crate) async fn settle_insert<M: crate::VectorModel>(
    session: &mut Session<'_>,
    record: &M,
    error: Error,
) -> Result<M::Key> {
    let error = crate::model::explain_refused_vector::<M>(session, error).await;
    let Error::CommitInDoubt {
        probe: None,
        source,
        ..
    } = error
    else {
        return Err(error);
    };
    let Some(key) = record.__key() else {
        return Err(Error::CommitInDoubt {
            rows: Some(1),
            probe: None,
            source,
        });
    };
    let dialect = session.dialect();
    let probe = CommitProbe::new(
        dialect,
        &M::SCHEMA,
        CommitProbe::key_arg(
            dialect,
            &M::SCHEMA,
            crate::value::ColumnType::to_value(&key),
        )?,
    );
    match probe.committed_in(session).await {
        Ok(true) => Ok(key),
        Ok(false) => Err(*source),
        Err(_) => Err(Error::CommitInDoubt {
            rows: Some(1),
            probe: Some(probe),
            source,
        }),
    }
}

impl Error {
    /// How many rows of the input of the [`insert_many`](crate::VectorModel::insert_many) or
    /// [`load`](crate::VectorModel::load) that returned this error are stored, counted from the input's
    /// start: what to skip when resuming. A commit in doubt is settled by reading the table (one indexed
    /// read on `executor`, the database the rows went to), so the answer is exact: resuming after it stores
    /// each row once and skips none.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, VectorModel};
    /// # #[derive(Clone, VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # async fn run(db: &Db, rows: Vec<Document>) -> tidb_vector_core::Result<()> {
    /// let mut done = 0;
    /// loop {
    ///     match Document::load(db, rows[done..].iter()).await {
    ///         Ok(_) => break,
    ///         Err(error) => {
    ///             done += error.rows_stored(db).await? as usize; // settles a lost commit answer
    ///             tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Any other error of those two calls stored nothing (0). A commit in doubt without a probe (a
    /// [`Transaction::commit`](crate::Transaction::commit)) cannot be settled here:
    /// [`Error::InvalidArgument`].
    pub async fn rows_stored<'c>(&self, executor: impl Executor<'c>) -> Result<u64> {
        match self {
            Error::Load {
                committed,
                in_doubt,
                probe,
                ..
            } => Ok(committed
                + match (in_doubt, probe) {
                    (0, _) => 0,
                    (rows, Some(probe)) => {
                        if probe.committed(executor).await? {
                            *rows
                        } else {
                            0
                        }
                    }
                    (_, None) => return Err(unsettled()),
                }),
            Error::CommitInDoubt {
                rows: Some(rows),
                probe: Some(probe),
                ..
            } => Ok(if probe.committed(executor).await? {
                *rows
            } else {
                0
            }),
            Error::CommitInDoubt { .. } => Err(unsettled()),
            _ => Ok(0),
        }
    }
}

fn unsettled() -> Error {
    Error::InvalidArgument(
        "this commit in doubt names no row of its own, so the library cannot tell whether it happened; check the table".into(),
    )
}
