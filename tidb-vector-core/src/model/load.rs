//! [`VectorModel::load`]: inputs of any size, in batches that each commit on their own.

use std::borrow::Borrow;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::{Duration, Instant};

use super::VectorModel;
use super::records::{self, InsertStatements, Room};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::executor::Executor as _;

/// The rows of a batch unless set otherwise ([`Load::batch_rows`]).
pub const DEFAULT_BATCH_ROWS: usize = 10_000;
/// The bytes of a batch unless set otherwise ([`Load::batch_bytes`]).
pub const DEFAULT_BATCH_BYTES: usize = 16 << 20;

/// A load of many rows in batches: see [`VectorModel::load`]. Set it up with its methods, then `.await`
/// it.
#[must_use = "a load does nothing until awaited"]
pub struct Load<'a, M, I: Iterator> {
    db: &'a Db,
    rows: I,
    batch: Room,
    progress: Option<ProgressFn<'a>>,
    fill: Option<FillFn<'a, I::Item>>,
    /// Rows whose key exists replace those rows ([`Load::upsert`]).
    upsert: bool,
    model: PhantomData<fn() -> M>,
}

/// A load's progress callback.
type ProgressFn<'a> = Box<dyn FnMut(&LoadProgress) + Send + 'a>;

/// A load's embedding step: fills a batch's rows before they are sent.
type FillFn<'a, T> = Box<
    dyn Fn(Vec<T>) -> Pin<Box<dyn Future<Output = Result<Vec<T>>> + Send + 'a>> + Send + Sync + 'a,
>;

/// How far a [load](VectorModel::load) has come: passed to the progress callback after every committed
/// batch, and returned at the end.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct LoadProgress {
    /// Rows committed, the first ones of the input.
    pub rows: u64,
    /// About how many bytes those rows took on the wire.
    pub bytes: u64,
    /// Batches committed.
    pub batches: u64,
    /// Time since the load began.
    pub elapsed: Duration,
}

impl LoadProgress {
    /// Rows committed per second so far.
    pub fn rows_per_second(&self) -> f64 {
        match self.elapsed.as_secs_f64() {
            0.0 => 0.0,
            seconds => self.rows as f64 / seconds,
        }
    }
}

impl<'a, M, I> Load<'a, M, I>
where
    M: VectorModel,
    I: Iterator + Send + 'a,
    I::Item: Borrow<M> + Send,
{
    pub(crate) fn new(db: &'a Db, rows: I) -> Self {
        Load {
            db,
            rows,
            batch: Room {
                rows: DEFAULT_BATCH_ROWS as u64,
                bytes: DEFAULT_BATCH_BYTES as u64,
            },
            progress: None,
            fill: None,
            upsert: false,
            model: PhantomData,
        }
    }

    /// At most `rows` rows in one batch (default [`DEFAULT_BATCH_ROWS`]; at least 1).
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.batch.rows = rows.max(1) as u64;
        self
    }

    /// About `bytes` bytes in one batch, at most (default [`DEFAULT_BATCH_BYTES`]): a batch ends before
    /// the row that would take it past `bytes`, and a batch always has at least one row. This bounds the
    /// load's memory (one batch's rows are kept, to be sent again after a transient error) and the size of each
    /// transaction on the server.
    pub fn batch_bytes(mut self, bytes: usize) -> Self {
        self.batch.bytes = bytes.max(1) as u64;
        self
    }

    /// Calls `progress` after every committed batch (for a progress bar, a log line, a checkpoint of how
    /// many rows are stored).
    pub fn on_progress(mut self, progress: impl FnMut(&LoadProgress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Each row whose key is in the table replaces that row, as [`upsert_many`](VectorModel::upsert_many)
    /// does (`ON DUPLICATE KEY UPDATE`, `ON CONFLICT DO UPDATE`), batch by batch: for a re-index that
    /// rewrites rows, or a sync that brings new and changed ones. The model needs a key field (a hidden
    /// `id` is [`Error::InvalidArgument`] when the load runs).
    ///
    /// Resuming after [`Error::Load`]: sending rows again is harmless for upserts, so resume at
    /// `committed` (`rows.skip(committed)`), the rows in doubt included; an upsert's commit leaves nothing in
    /// the table to settle the doubt by ([`Error::rows_stored`] says so).
    pub fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    async fn run(mut self) -> Result<LoadProgress> {
        if self.upsert && M::SCHEMA.hidden_key {
            return Err(Error::InvalidArgument(format!(
                "an upsert load needs each row's key, and `{}` has no key field (its key is a hidden `id`): \
                 add a `#[vector(key)]` field, or load without `upsert`",
                M::SCHEMA.table
            )));
        }
        let started = Instant::now();
        let mut session = self.db.__session("load", M::SCHEMA.table);
        let mut done = LoadProgress::default();
        let Some(fill) = self.fill.take() else {
            let rows = self.rows;
            commit_all(
                &mut session,
                rows,
                self.batch,
                self.upsert,
                &mut done,
                &mut self.progress,
                started,
            )
            .await?;
            done.elapsed = started.elapsed();
            return Ok(done);
        };
        // Embedding: a batch's rows are taken, filled, then sent, so memory holds one batch.
        let rows = usize::try_from(self.batch.rows).unwrap_or(usize::MAX);
        loop {
            let batch: Vec<I::Item> = self.rows.by_ref().take(rows).collect();
            if batch.is_empty() {
                break;
            }
            let batch = fill(batch)
                .await
                .map_err(|error| stopped(&done, 0, None, error))?;
            commit_all(
                &mut session,
                batch.into_iter(),
                self.batch,
                self.upsert,
                &mut done,
                &mut self.progress,
                started,
            )
            .await?;
        }
        done.elapsed = started.elapsed();
        Ok(done)
    }
}

impl<'a, M, I> Load<'a, M, I>
where
    M: VectorModel,
    I: Iterator<Item = M> + Send + 'a,
{
    /// Fills each batch's empty `source` vectors with `embedder` before the batch is sent (see
    /// [`VectorModel::embed_sources`]), so that a load of any size embeds as it goes, holding one batch.
    /// An embedder that fails stops the load with [`Error::Load`], the batches before it committed.
    /// For rows taken by value.
    pub fn embed_with<E: crate::Embedder>(mut self, embedder: &'a E) -> Self {
        self.fill = Some(Box::new(move |mut rows: Vec<M>| {
            Box::pin(async move {
                crate::embed::fill::<M>(embedder, &mut rows).await?;
                Ok(rows)
            })
        }));
        self
    }
}

/// A load stopped by `error`, after the rows `done` counts.
fn stopped(
    done: &LoadProgress,
    in_doubt: u64,
    probe: Option<crate::CommitProbe>,
    error: Error,
) -> Error {
    Error::Load {
        committed: done.rows,
        in_doubt,
        probe,
        source: Box::new(error),
    }
}

/// Commits `rows` in transactions of at most `room` (as upserts with `upsert`), counting each in `done`
/// and reporting it.
async fn commit_all<M, I>(
    session: &mut crate::session::Session<'_>,
    rows: I,
    room: Room,
    upsert: bool,
    done: &mut LoadProgress,
    progress: &mut Option<ProgressFn<'_>>,
    started: Instant,
) -> Result<()>
where
    M: VectorModel,
    I: Iterator,
    I::Item: Borrow<M>,
{
    let mut statements = InsertStatements::<M, _>::new(session, rows, upsert)
        .await
        .map_err(|error| stopped(done, 0, None, error))?;
    while !statements.is_done() {
        // A batch's statements are all kept, so that a transient error is retried whole.
        match records::transaction(session, &mut statements, room, u64::MAX).await {
            Ok(batch) => {
                done.rows += batch.rows;
                done.bytes += batch.bytes;
                done.batches += 1;
                done.elapsed = started.elapsed();
                if let Some(progress) = progress {
                    progress(done);
                }
            }
            Err(failure) => {
                let in_doubt = if failure.in_doubt.is_some() {
                    failure.rows
                } else {
                    0
                };
                return Err(stopped(done, in_doubt, failure.in_doubt, failure.error));
            }
        }
    }
    Ok(())
}

impl<'a, M, I> IntoFuture for Load<'a, M, I>
where
    M: VectorModel,
    I: Iterator + Send + 'a,
    I::Item: Borrow<M> + Send,
{
    type Output = Result<LoadProgress>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<LoadProgress>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
