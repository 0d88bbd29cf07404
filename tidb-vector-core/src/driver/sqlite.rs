//! Statements over sqlx's SQLite driver, on a connection with sqlite-vec loaded.

use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteRow};

use super::{Arg, Args, Done};
use crate::error::Error;
use crate::error::Result;

/// SQLite's `SQLITE_MAX_LENGTH`: the most bytes of a statement or value.
pub(crate) const MAX_LENGTH: u64 = 1_000_000_000;

// An unsigned value was converted to `Int` (or refused) before it got here: `bind::unsigned` for a row's values and a filter's.
driver_statements!(Sqlite, SqliteArguments, SqliteRow, into_sqlite, |v| v
    as i64);

/// How many of SQLite's virtual-machine steps run between two looks at a statement's interrupt flag: a
/// look is one atomic load, and a row of a scan is a handful of steps.
const STEPS_BETWEEN_LOOKS: i32 = 1_000;

/// Gives the connection a progress handler that interrupts its statement once the returned flag is set
/// (the statement then fails with `SQLITE_INTERRUPT`): how a dropped read stops (see `Stop`). The handler
/// stays until the next read replaces it; one whose flag was set must be taken off with
/// [`uninterruptible`].
pub(crate) async fn interruptible(
    conn: &mut sqlx::sqlite::SqliteConnection,
) -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = flag.clone();
    conn.lock_handle()
        .await?
        .set_progress_handler(STEPS_BETWEEN_LOOKS, move || {
            !stop.load(std::sync::atomic::Ordering::Relaxed)
        });
    Ok(flag)
}

/// Takes the progress handler of [`interruptible`] off the connection.
pub(crate) async fn uninterruptible(conn: &mut sqlx::sqlite::SqliteConnection) -> Result<()> {
    conn.lock_handle().await?.remove_progress_handler();
    Ok(())
}
