//! [`Backend`]: which database a [`Db`](crate::Db) talks to.

use std::fmt;

/// The database a [`Db`](crate::Db) talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// TiDB v8.4+ (self-managed or TiDB Cloud): the primary target.
    TiDb,
    /// MariaDB 11.8+, with its native `VECTOR` type.
    MariaDb,
    /// Embedded SQLite with the sqlite-vec extension.
    Sqlite,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::TiDb => "TiDB",
            Backend::MariaDb => "MariaDB",
            Backend::Sqlite => "SQLite",
        })
    }
}
