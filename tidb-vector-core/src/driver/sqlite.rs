//! Statements over sqlx's SQLite driver, on a connection with sqlite-vec loaded.

use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteRow};

use super::{Arg, Done};
use crate::error::Result;

/// SQLite's `SQLITE_MAX_LENGTH`: the most bytes of a statement or value.
pub(crate) const MAX_LENGTH: u64 = 1_000_000_000;

// An unsigned value was converted to `Int` (or refused) by `encode_row`.
driver_statements!(Sqlite, SqliteArguments, SqliteRow, |v| *v as i64);
