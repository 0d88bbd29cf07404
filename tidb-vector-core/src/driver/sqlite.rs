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
