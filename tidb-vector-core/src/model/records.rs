//! The record operations behind [`VectorModel`]'s methods: counting, the arguments of record statements,
//! and the bulk-insert engine.

use std::borrow::Borrow;

use super::VectorModel;
use crate::bind;
use crate::dialect::{Dialect, Statement};

use crate::bind::Scratch;
use crate::driver::{ARG_OVERHEAD, Arg, Args};
use crate::error::{Error, Result};
use crate::filter::FilterNode;
use crate::in_doubt::CommitProbe;
use crate::retry::{Attempts, RetryPolicy};
use crate::session::Session;
use crate::value::ColumnType;
use crate::value::ValueRef;
use tracing::Instrument as _;

pub(crate) async fn count<M: VectorModel>(
    session: &mut Session<'_>,
    filter: Option<&FilterNode>,
) -> Result<u64> {
    let statement = session.dialect().count(&M::SCHEMA, filter);
    let args = record_args::<M>(session.dialect(), &statement, None, None)?;
    let rows = session.fetch_all(statement.sql, args).await?;
    let count: i64 = rows.cell(0, 0).get().map_err(Error::Database)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The rows of `keys` that exist, by key: one statement per `max_params` keys.
pub(crate) async fn get_many<M: VectorModel>(
    session: &mut Session<'_>,
    keys: &[M::Key],
) -> Result<std::collections::BTreeMap<M::Key, M>> {
    let schema = &M::SCHEMA;
    let dialect = session.dialect();
    let mut out = std::collections::BTreeMap::new();
    for chunk in keys.chunks(dialect.max_params) {
        let statement = dialect.get_many(schema, chunk.len());
        let values: Vec<ValueRef<'_>> = chunk.iter().map(|key| key.to_value()).collect();
        let binds = bind::Binds {
            keys: Some((schema.key_column(), &values)),
            ..bind::Binds::default()
        };
        let mut args = dialect.args();
        bind::bind(dialect, &statement, &binds, &mut args)?;
        let rows = session.fetch_all(statement.sql, args).await?;
        for row in 0..rows.len() {
            let key = super::read_key::<M>(&rows, row, schema.key)?;
            out.insert(key, super::read_record::<M>(&rows, row, dialect)?);
        }
    }
    Ok(out)
}

/// The arguments of a record statement: the record's column values, the key, filter values.
pub(crate) fn record_args<M: VectorModel>(
    dialect: &Dialect,
    statement: &Statement,
    record: Option<&M>,
    key: Option<&M::Key>,
) -> Result<Args> {
    let schema = &M::SCHEMA;
    let mut values = Vec::new();
    if let Some(record) = record {
        record.__values(&mut values);
    }
    let key = key.map(|key| [key.to_value()]);
    let binds = bind::Binds {
        columns: schema.field_columns(),
        record: &values,
        keys: key.as_ref().map(|key| (schema.key_column(), &key[..])),
        ..bind::Binds::default()
    };
    let mut args = dialect.args();
    bind::bind(dialect, statement, &binds, &mut args)?;
    Ok(args)
}

/// Runs a record statement with the record's values, the key and the filter's values bound.
pub(crate) async fn execute<M: VectorModel>(
    session: &mut Session<'_>,
    statement: Statement,
    record: Option<&M>,
    key: Option<&M::Key>,
) -> Result<crate::driver::Done> {
    let args = record_args::<M>(session.dialect(), &statement, record, key)?;
    match session.execute(statement.sql, args).await {
        Ok(done) => Ok(done),
        Err(error) => Err(explain_refused_vector::<M>(session, error).await),
    }
}

/// A vector the server refused on a write: when the table's vector columns have other dimensions than the
/// model's (the model changed and the table did not), the table check's answer, which names both sizes
/// (MariaDB's own message shows neither); the error as it is otherwise. Costs the check's queries, on a
/// refusal only.
pub(crate) async fn explain_refused_vector<M: VectorModel>(
    session: &mut Session<'_>,
    error: Error,
) -> Error {
    if error.server_error_kind() != Some(crate::ServerErrorKind::InvalidVector) {
        return error;
    }
    match crate::table_check::check(session, &M::SCHEMA).await {
        Err(Error::SchemaMismatch(mut mismatch))
            if mismatch
                .differences
                .iter()
                .any(|d| matches!(d, crate::Difference::Dimensions { .. })) =>
        {
            mismatch
                .differences
                .retain(|d| matches!(d, crate::Difference::Dimensions { .. }));
            Error::SchemaMismatch(mismatch)
        }
        _ => error,
    }
}

/// The most bytes of parameters one bulk statement carries when the server takes more: large enough that
/// a statement's round trip is a small part of its cost.
const STATEMENT_BYTES: usize = 4 << 20;

/// How many bytes of statements an `insert_many` on a pool keeps to send again after a transient error
/// (beyond that it keeps none and is not retried).
pub(crate) const RETRY_BYTES: u64 = 16 << 20;

/// Inserts every row in one transaction of its own (nested in a caller's, if one is open): all or none.
/// With `upsert`, a row whose key exists replaces that row.
pub(crate) async fn insert_many<M, I>(
    session: &mut Session<'_>,
    rows: I,
    upsert: bool,
) -> Result<u64>
where
    M: VectorModel,
    I: IntoIterator,
    I::Item: Borrow<M>,
{
    // No statement may pass the server's packet limit.
    let mut statements = InsertStatements::<M, _>::new(session, rows.into_iter(), upsert).await?;
    if statements.is_done() {
        return Ok(0);
    }
    let batch = transaction(session, &mut statements, Room::ALL, RETRY_BYTES)
        .await
        .map_err(|failure| match failure.in_doubt {
            Some(probe) => Error::CommitInDoubt {
                rows: Some(failure.rows),
                probe: Some(probe),
                source: Box::new(failure.error),
            },
            None => failure.error,
        })?;
    Ok(batch.rows)
}

/// How much one transaction may take from the rows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Room {
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
}

impl Room {
    const ALL: Room = Room {
        rows: u64::MAX,
        bytes: u64::MAX,
    };
}

/// What a committed transaction stored: rows taken from the input, and about how many bytes they took on
/// the wire.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Batch {
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
}

/// Why a transaction failed, and whether it may have committed all the same (its `COMMIT` was sent and
/// the connection failed before the answer came).
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// How to find out whether it committed after all; `Some` only when it may have.
    pub(crate) in_doubt: Option<CommitProbe>,
    /// The rows the failed transaction had taken from the input.
    pub(crate) rows: u64,
}

/// One transaction of insert statements taken from `statements` until they run out or `room` is used up;
/// begun again and its rows sent again after a transient error, when the [`Session`]'s retry policy
/// allows and its statements took at most `keep` bytes. The rows are kept for that, not their encoded
/// statements (a borrowed row costs nothing to keep, an owned one is moved); they are encoded again only
/// for a retry.
///
/// When the connection fails after the `COMMIT` of a transaction of the library's own went out, the
/// outcome is settled by reading whether the transaction's first row exists (a [`CommitProbe`], on another
/// connection of the pool): committed is a success, not committed an ordinary failure, and only a
/// server out of reach leaves the failure in doubt.
pub(crate) async fn transaction<M, I>(
    session: &mut Session<'_>,
    statements: &mut InsertStatements<M, I>,
    room: Room,
    keep: u64,
) -> std::result::Result<Batch, Failure>
where
    M: VectorModel,
    I: Iterator,
    I::Item: Borrow<M>,
{
    let policy = session
        .retry_policy()
        .cloned()
        .unwrap_or_else(RetryPolicy::never);
    let mut attempts = Attempts::new(&policy);
    let span = session.span().clone();
    // The rows sent so far, while they may be sent again.
    let mut kept: Option<Vec<I::Item>> = (policy.attempts > 1).then(Vec::new);
    let mut taken = Batch::default();
    let dialect = session.dialect();
    loop {
        // A row of this attempt's transaction, to settle a commit whose answer is lost.
        let mut probe: Option<CommitProbe> = None;
        let upsert = statements.upsert;
        let mut note = |statement_key: Option<Args>, done: &crate::driver::Done| {
            if probe.is_none() && !upsert {
                probe = statement_key
                    .or_else(|| {
                        done.last_insert_id
                            .filter(|id| *id != 0)
                            .and_then(|id| CommitProbe::generated(dialect, id).ok())
                    })
                    .map(|key| CommitProbe::new(dialect, &M::SCHEMA, key));
            }
            done.rows_affected
        };
        let attempt = async {
            let mut tx = session.begin().await.map_err(|error| (error, false))?;
            let ours = tx.is_detached();
            let sent = async {
                let mut inserted = 0;
                // After a transient error: the rows of the failed attempt again, a statement at a time
                // (no borrow of them is held while one is sent, so rows need not be `Sync`).
                let mut replayed = 0;
                loop {
                    let statement = match kept.as_deref() {
                        Some(rows) if replayed < rows.len() => statements
                            .replay(rows[replayed..].iter().map(Borrow::borrow))
                            .next(Room::ALL, true, None)?,
                        _ => None,
                    };
                    let Some(statement) = statement else { break };
                    replayed += statement.rows as usize;
                    let done = tx.execute(statement.sql, statement.args).await?;
                    inserted += note(statement.first_key, &done);
                }
                while let Some(statement) =
                    statements.next(room.after(taken), taken.rows == 0, kept.as_mut())?
                {
                    taken.rows += statement.rows;
                    taken.bytes += statement.bytes;
                    if taken.bytes > keep {
                        kept = None;
                    }
                    let done = tx.execute(statement.sql, statement.args).await?;
                    inserted += note(statement.first_key, &done);
                }
                Ok::<u64, Error>(inserted)
            }
            .await;
            match sent {
                Ok(inserted) => match tx.commit().await {
                    Ok(()) => Ok(inserted),
                    Err(error) => {
                        // A server's refusal (a write conflict) rolled the transaction back; a connection
                        // that failed after the COMMIT went out leaves its outcome unknown. A caller's
                        // transaction is not committed here (a savepoint is released): when its
                        // connection fails, the server rolls all of it back.
                        let in_doubt = ours && !matches!(error, Error::Server { .. });
                        Err((error, in_doubt))
                    }
                },
                Err(error) => {
                    // On a pool the transaction would roll back when dropped; in a caller's transaction
                    // only this savepoint's rows must go, and the caller's transaction must stay usable.
                    let _ = tx.rollback().await;
                    Err((error, false))
                }
            }
        }
        .instrument(span.clone())
        .await;
        let (error, in_doubt) = match attempt {
            Ok(inserted) => {
                session.add_rows(inserted);
                return Ok(taken);
            }
            Err(failure) => failure,
        };
        if in_doubt && let Some(probe) = probe {
            return match probe.committed_in(session).await {
                Ok(true) => {
                    tracing::warn!(parent: &span, rows = taken.rows, "the commit's answer was lost; the rows are stored");
                    Ok(taken)
                }
                Ok(false) => Err(Failure {
                    error,
                    in_doubt: None,
                    rows: taken.rows,
                }),
                Err(_) => Err(Failure {
                    error,
                    in_doubt: Some(probe),
                    rows: taken.rows,
                }),
            };
        }
        if kept.is_none() || !attempts.again(&error).await {
            // No row tells whether it committed (an upsert's rows may have been there before): the outcome
            // stays unknown, and says so. Sending the same upserts again is safe.
            let error = if in_doubt {
                Error::CommitInDoubt {
                    rows: Some(taken.rows),
                    probe: None,
                    source: Box::new(error),
                }
            } else {
                explain_refused_vector::<M>(session, error).await
            };
            return Err(Failure {
                error,
                in_doubt: None,
                rows: taken.rows,
            });
        }
    }
}

impl Room {
    /// What is left of this room after `taken`.
    fn after(self, taken: Batch) -> Room {
        Room {
            rows: self.rows.saturating_sub(taken.rows),
            bytes: self.bytes.saturating_sub(taken.bytes),
        }
    }
}

/// A multi-row `INSERT` and its arguments.
pub(crate) struct Encoded {
    sql: String,
    args: Args,
    rows: u64,
    bytes: u64,
    /// The first row's key, when the row carries one (bound as the key column binds it).
    first_key: Option<Args>,
}

/// Turns rows into multi-row `INSERT` statements, each under the driver's parameter limit, a few MiB
/// ([`STATEMENT_BYTES`]) and the server's packet limit. Each row is checked and encoded as it arrives,
/// straight into the driver's argument buffer (one copy of its data): only one statement's worth of
/// encoded rows is held at a time, and no row is kept but one that did not fit the last statement.
pub(crate) struct InsertStatements<M, I: Iterator> {
    rows: std::iter::Peekable<I>,
    dialect: &'static Dialect,
    /// The most rows in one statement.
    max_rows: usize,
    /// The most bytes in one statement.
    budget: usize,
    /// The text one row adds to a statement.
    row_text: usize,
    /// The text of the last full statement and its row count: every full statement has the same shape,
    /// rendered once (and prepared once by the driver).
    full_sql: Option<(usize, String)>,
    /// Whether a row whose key exists replaces that row (`upsert_many`) instead of failing.
    upsert: bool,
    /// A row that did not fit in the previous statement (checked; encoded again for the next).
    carried: Option<I::Item>,
    /// Buffers reused from row to row: a row's values, its encoded arguments, and what its values are
    /// turned into (one per column).
    values: Vec<ValueRef<'static>>,
    args: Vec<Arg<'static>>,
    scratch: Vec<Scratch>,
    model: std::marker::PhantomData<fn() -> M>,
}

/// An empty vector on `buffer`'s allocation, for elements that borrow for another lifetime (collecting
/// an empty iterator into a vector of the same layout reuses the allocation).
fn recycle<T, U>(mut buffer: Vec<T>) -> Vec<U> {
    buffer.clear();
    buffer
        .into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

impl<M, I> InsertStatements<M, I>
where
    M: VectorModel,
    I: Iterator,
    I::Item: Borrow<M>,
{
    pub(crate) async fn new(session: &mut Session<'_>, rows: I, upsert: bool) -> Result<Self> {
        let mut rows = rows.peekable();
        // Only a statement that will be sent needs the packet limit (a round trip on a new session).
        let packet = if rows.peek().is_some() {
            usize::try_from(session.packet_limit().await?).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        let dialect = session.dialect();
        let schema = &M::SCHEMA;
        let columns = schema.field_columns().len();
        // A statement of one row (an upsert's with its tail): no row adds more text than that.
        let row_text = if upsert {
            dialect.insert_or_replace(schema, 1).len()
        } else {
            dialect.insert(schema, 1).len()
        };
        Ok(InsertStatements {
            rows,
            dialect,
            upsert,
            max_rows: (dialect.max_params / columns).max(1),
            // Leave room in the packet for the statement's text.
            budget: packet.saturating_sub(row_text + 1024),
            row_text,
            full_sql: None,
            carried: None,
            values: Vec::with_capacity(columns),
            args: Vec::with_capacity(columns),
            scratch: (0..columns).map(|_| Scratch::default()).collect(),
            model: std::marker::PhantomData,
        })
    }

    /// An encoder of the same statements for `rows` (rows this one took, to send them again).
    fn replay<J>(&self, rows: J) -> InsertStatements<M, J>
    where
        J: Iterator,
        J::Item: Borrow<M>,
    {
        InsertStatements {
            rows: rows.peekable(),
            dialect: self.dialect,
            max_rows: self.max_rows,
            budget: self.budget,
            row_text: self.row_text,
            full_sql: self.full_sql.clone(),
            upsert: self.upsert,
            carried: None,
            values: Vec::new(),
            args: Vec::new(),
            scratch: (0..M::SCHEMA.field_columns().len())
                .map(|_| Scratch::default())
                .collect(),
            model: std::marker::PhantomData,
        }
    }

    /// Whether every row was taken.
    pub(crate) fn is_done(&mut self) -> bool {
        self.carried.is_none() && self.rows.peek().is_none()
    }

    /// The next statement, with no more rows and bytes than `room` (but at least one row when `first`:
    /// a row larger than a batch makes a batch of its own); `None` when the rows ran out or `room` is
    /// used up.
    fn next(
        &mut self,
        room: Room,
        first: bool,
        mut kept: Option<&mut Vec<I::Item>>,
    ) -> Result<Option<Encoded>> {
        let schema = &M::SCHEMA;
        let columns = schema.field_columns();
        let max_rows = self
            .max_rows
            .min(usize::try_from(room.rows).unwrap_or(usize::MAX));
        let statement_bytes = STATEMENT_BYTES.min(self.budget);
        let room_bytes = usize::try_from(room.bytes).unwrap_or(usize::MAX);
        let max_bytes = statement_bytes.min(room_bytes);
        let mut bound = Args::with_capacity(
            self.dialect.driver(),
            max_rows.min(4096) * columns.len(),
            max_bytes.min(STATEMENT_BYTES),
        );
        let (mut count, mut bytes) = (0, 0);
        let mut first_key = None;
        while count < max_rows && bytes < max_bytes {
            let Some(row) = self.carried.take().or_else(|| self.rows.next()) else {
                break;
            };
            let mut values: Vec<ValueRef<'_>> = recycle(std::mem::take(&mut self.values));
            row.borrow().__values(&mut values);
            let mut args: Vec<Arg<'_>> = recycle(std::mem::take(&mut self.args));
            let mut row_bytes = self.row_text;
            for ((column, value), scratch) in columns.iter().zip(&values).zip(&mut self.scratch) {
                // The server computes it; the statement has no place for it.
                if column.is_generated() {
                    continue;
                }
                let arg = bind::encode_value(self.dialect, column, *value, scratch)?;
                row_bytes += arg.wire_size() + ARG_OVERHEAD;
                args.push(arg);
            }
            if row_bytes > self.budget {
                return Err(Error::TooLarge {
                    what: "bytes in one row",
                    size: row_bytes as u64,
                    limit: self.budget as u64,
                    advice: "store less in one value, or raise the server's max_allowed_packet",
                });
            }
            // A statement ends before the row that would take it past its bytes (a row too large for
            // any statement was refused above), and so does the batch before the row that would take it
            // past the room left.
            let over_statement = count > 0 && bytes + row_bytes > statement_bytes;
            let over_room = (count > 0 || !first) && bytes + row_bytes > room_bytes;
            let fits = !(over_statement || over_room);
            if fits {
                for arg in &args {
                    bound.add(*arg)?;
                }
            }
            self.args = recycle(args);
            self.values = recycle(values);
            if !fits {
                self.carried = Some(row);
                break;
            }
            // A row that an upsert may have replaced proves nothing about its transaction.
            if count == 0
                && !self.upsert
                && let Some(key) = row.borrow().__key()
            {
                first_key = Some(CommitProbe::key_arg(self.dialect, schema, key.to_value())?);
            }
            if let Some(kept) = kept.as_deref_mut() {
                kept.push(row);
            }
            bytes += row_bytes;
            count += 1;
        }
        if count == 0 {
            return Ok(None);
        }
        let sql = match &self.full_sql {
            Some((rows, sql)) if *rows == count => sql.clone(),
            _ => {
                let sql = if self.upsert {
                    self.dialect.insert_or_replace(schema, count)
                } else {
                    self.dialect.insert(schema, count)
                };
                self.full_sql = Some((count, sql.clone()));
                sql
            }
        };
        Ok(Some(Encoded {
            sql,
            args: bound,
            rows: count as u64,
            bytes: bytes as u64,
            first_key,
        }))
    }
}
