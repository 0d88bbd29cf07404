//! Cancel safety: a statement's I/O is never abandoned halfway, and a dropped read is stopped on the
//! server.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
#[cfg(feature = "mysql")]
use std::time::Duration;

use crate::error::{Error, Result};

/// Runs a statement's I/O (`work`) on a task of its own, and waits for it.
///
/// This is what makes every operation cancel-safe: when the caller's future is dropped (a timeout, a
/// `select!`, a web client hanging up), the statement still runs to its end on its task and the connection
/// goes back to the pool in a clean state. A statement abandoned halfway would leave its connection with
/// half a packet sent or a result half read; sqlx cannot always recover such a connection, and then it
/// never returns to the pool, or (embedded SQLite) it is closed with the database it held. The task also
/// makes progress while its caller is not polled (a stream kept alive between `select!` rounds), so a
/// statement never holds its connection waiting for a caller that awaits something else. (Polling the work
/// in the caller's task instead, and moving it to a task only when dropped, saved about 6 us of client CPU a
/// statement, but deadlocked such a stream on a pool of one.)
///
/// The task runs in the caller's span (an operation's), so its statements are traced there.
pub(crate) fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
) -> Detached<T> {
    Detached {
        work: Some(Box::pin(work)),
        task: None,
        stop: None,
    }
}

/// A statement's work, boxed: its type stays out of every operation's future (and the compiler's layout
/// queries), and it moves into its task as a pointer.
type Work<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// The future of [`detached`]: the work is spawned at the first poll.
pub(crate) struct Detached<T> {
    /// The work, until it is spawned.
    work: Option<Work<T>>,
    /// Its task, until it has ended.
    task: Option<tokio::task::JoinHandle<Result<T>>>,
    /// Told when the caller drops this before the end.
    stop: Option<Arc<Stop>>,
}

impl<T> Detached<T> {
    /// Tells `stop` when the caller drops this before its end (the work arms and settles it).
    pub(crate) fn stopped_by(mut self, stop: Arc<Stop>) -> Self {
        self.stop = Some(stop);
        self
    }
}

impl<T: Send + 'static> Future for Detached<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        if let Some(work) = self.work.take() {
            self.task = Some(tokio::spawn(tracing::Instrument::in_current_span(work)));
        }
        let Some(task) = self.task.as_mut() else {
            panic!("a tidb-vector statement polled after it ended (a bug in tidb-vector)");
        };
        let ended = std::task::ready!(Pin::new(task).poll(cx));
        self.task = None;
        Poll::Ready(match ended {
            Ok(result) => result,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // The runtime is shutting down under us.
            Err(_) => Err(Error::Database(sqlx::Error::PoolClosed)),
        })
    }
}

impl<T> Drop for Detached<T> {
    fn drop(&mut self) {
        // Dropped while its task runs: the task goes on, and the statement is stopped where it can be.
        if let (Some(task), Some(stop)) = (&self.task, &self.stop)
            && !task.is_finished()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            stop.abandon(&runtime);
        }
    }
}

/// How long a kill may take (its own connection and statement) before the dropped statement's connection
/// is closed without it.
#[cfg(feature = "mysql")]
const KILL_TIMEOUT: Duration = Duration::from_secs(10);

/// Stops a dropped read on the server (or in embedded SQLite), so that its connection comes back at once
/// instead of when the statement would have ended (a long scan, a wait for a lock).
///
/// The work [`arm`](Stop::arm)s it with its connection's id once it has a connection, and
/// [`settle`](Stop::settle)s it when its statement has ended, before it lets the connection go. When the
/// caller drops the [`Detached`] in between, another connection sends `KILL QUERY` for that id, and the
/// work waits for that kill to be done before it closes the connection: a kill never reaches a connection
/// after it went back to the pool, where it would stop someone else's statement. Dropped before the work
/// had a connection, the work sends no statement at all.
#[derive(Default)]
pub(crate) struct Stop(Mutex<StopState>);

#[derive(Default)]
enum StopState {
    /// No connection yet.
    #[default]
    Waiting,
    /// The caller is gone before the statement was sent.
    Abandoned,
    /// The statement runs on the connection of this id (`None`: unknown, so it cannot be stopped).
    Armed(Option<Kill>),
    /// A kill is on its way; the sender ends when it is done.
    #[cfg(feature = "mysql")]
    Killing(tokio::sync::oneshot::Receiver<()>),
    /// The statement was told to stop (SQLite).
    #[cfg(feature = "sqlite")]
    Interrupted,
    /// The statement ended while the caller waited.
    Settled,
}

/// How a running statement is stopped.
pub(crate) enum Kill {
    /// `KILL QUERY id` from another connection, opened with `pool`'s options (MySQL protocol).
    #[cfg(feature = "mysql")]
    Server { pool: sqlx::MySqlPool, id: u64 },
    /// The flag the connection's progress handler reads (SQLite: the statement fails with
    /// `SQLITE_INTERRUPT` at its handler's next call).
    #[cfg(feature = "sqlite")]
    Interrupt(Arc<std::sync::atomic::AtomicBool>),
}

impl Stop {
    /// Says that the statement is about to run on a connection (`kill` stops it; `None`: nothing can):
    /// `false` when the caller is already gone, and then the statement should not be sent.
    pub(crate) fn arm(&self, kill: Option<Kill>) -> bool {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*state, StopState::Abandoned) {
            return false;
        }
        *state = StopState::Armed(kill);
        true
    }

    /// Says that the statement has ended, and waits for a kill under way: `true` when one was sent (a
    /// server connection should then be closed, not reused; a SQLite one rid of its interrupting
    /// handler).
    pub(crate) async fn settle(&self) -> bool {
        let before = {
            let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *state, StopState::Settled)
        };
        match before {
            #[cfg(feature = "mysql")]
            StopState::Killing(done) => {
                let _ = done.await;
                true
            }
            #[cfg(feature = "sqlite")]
            StopState::Interrupted => true,
            _ => false,
        }
    }

    /// The caller is gone: a statement running on a known connection is killed from another.
    #[cfg_attr(not(feature = "mysql"), allow(unused_variables))]
    fn abandon(&self, runtime: &tokio::runtime::Handle) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match std::mem::replace(&mut *state, StopState::Settled) {
            StopState::Waiting => *state = StopState::Abandoned,
            #[cfg(feature = "sqlite")]
            StopState::Armed(Some(Kill::Interrupt(flag))) => {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
                *state = StopState::Interrupted;
            }
            #[cfg(feature = "mysql")]
            StopState::Armed(Some(Kill::Server { pool, id })) => {
                let (done, killing) = tokio::sync::oneshot::channel();
                *state = StopState::Killing(killing);
                runtime.spawn(tracing::Instrument::in_current_span(async move {
                    match tokio::time::timeout(
                        KILL_TIMEOUT,
                        super::mysql::kill_query(&pool.connect_options(), id),
                    )
                    .await
                    {
                        Ok(Ok(())) => tracing::debug!(
                            connection = id,
                            "stopped a dropped statement on the server"
                        ),
                        Ok(Err(error)) => tracing::warn!(
                            connection = id,
                            %error,
                            "could not stop a dropped statement on the server; its connection is closed when it ends"
                        ),
                        Err(_) => tracing::warn!(
                            connection = id,
                            "could not stop a dropped statement on the server within {KILL_TIMEOUT:?}; its connection is closed when it ends"
                        ),
                    }
                    let _ = done.send(());
                }));
            }
            other => *state = other,
        }
    }
}
