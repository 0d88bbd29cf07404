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
pub struct Load<'a, M, I> {
    db: &'a Db,
    rows: I,
    batch: Room,
    progress: Option<ProgressFn<'a>>,
    model: PhantomData<fn() -> M>,
}

/// A load's progress callback.
type ProgressFn<'a> = Box<dyn FnMut(&LoadProgress) + Send + 'a>;

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

    async fn run(mut self) -> Result<LoadProgress> {
        let started = Instant::now();
        let mut session = self.db.__session("load", M::SCHEMA.table);
        let mut done = LoadProgress::default();
        let stopped = |done: &LoadProgress, in_doubt: u64, probe, error: Error| Error::Load {
            committed: done.rows,
            in_doubt,
            probe,
            source: Box::new(error),
        };
        let mut statements = InsertStatements::<M, _>::new(&mut session, self.rows, false)
            .await
            .map_err(|error| stopped(&done, 0, None, error))?;
        while !statements.is_done() {
            // A batch's statements are all kept, so that a transient error is retried whole.
            match records::transaction(&mut session, &mut statements, self.batch, u64::MAX).await {
                Ok(batch) => {
                    done.rows += batch.rows;
                    done.bytes += batch.bytes;
                    done.batches += 1;
                    done.elapsed = started.elapsed();
                    if let Some(progress) = &mut self.progress {
                        progress(&done);
                    }
                }
                Err(failure) => {
                    let in_doubt = if failure.in_doubt.is_some() {
                        failure.rows
                    } else {
                        0
                    };
                    return Err(stopped(&done, in_doubt, failure.in_doubt, failure.error));
                }
            }
        }
        done.elapsed = started.elapsed();
        Ok(done)
    }
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
