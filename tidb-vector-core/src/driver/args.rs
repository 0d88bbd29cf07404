//! Bind arguments: the owned [`Arg`] lists of most statements, the borrowed [`ArgRef`] both are built
//! from, and bulk inserts' [`Bound`] values already in a driver's buffer.

use std::sync::Arc;

#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "sqlite")]
use super::sqlite;
use crate::error::Result;

/// A bind parameter. It owns its data, so that a statement can run on a task of its own (see
/// [`super::detached`]).
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    F32(f32),
    F64(f64),
    Str(&'static str),
    Text(String),
    Bytes(Vec<u8>),
    #[cfg(feature = "chrono")]
    Timestamp(chrono::NaiveDateTime),
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
}

/// A bind parameter as it goes into a driver's buffer, borrowing its data: what both [`Arg`] lists and
/// bulk statements' [`Bound`] arguments are built from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ArgRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    F32(f32),
    F64(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
    #[cfg(feature = "chrono")]
    Timestamp(chrono::NaiveDateTime),
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
}

impl ArgRef<'_> {
    /// The argument owning a copy of its data.
    pub(crate) fn to_arg(self) -> Arg {
        match self {
            ArgRef::Null => Arg::Null,
            ArgRef::Bool(v) => Arg::Bool(v),
            ArgRef::Int(v) => Arg::Int(v),
            ArgRef::UInt(v) => Arg::UInt(v),
            ArgRef::F32(v) => Arg::F32(v),
            ArgRef::F64(v) => Arg::F64(v),
            ArgRef::Text(v) => Arg::Text(v.to_owned()),
            ArgRef::Bytes(v) => Arg::Bytes(v.to_vec()),
            #[cfg(feature = "chrono")]
            ArgRef::Timestamp(v) => Arg::Timestamp(v),
            #[cfg(feature = "chrono")]
            ArgRef::Date(v) => Arg::Date(v),
        }
    }

    /// About how many bytes the argument takes on the wire, beyond [`ARG_OVERHEAD`].
    pub(crate) fn wire_size(self) -> usize {
        match self {
            ArgRef::Text(s) => s.len(),
            ArgRef::Bytes(b) => b.len(),
            _ => 8,
        }
    }
}

/// Arguments encoded straight into one driver's own buffer (bulk inserts: each value is copied once, and
/// the buffer is sized once).
#[derive(Clone, Debug)]
pub(crate) enum Bound {
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlArguments),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteArguments),
}

impl Bound {
    /// An empty buffer for the SQLite driver when `sqlite`, for the MySQL one otherwise, with room for
    /// `values` values of `bytes` bytes in all.
    #[allow(clippy::needless_return)] // one `return` per feature set
    pub(crate) fn new(sqlite: bool, values: usize, bytes: usize) -> Bound {
        #[cfg(all(feature = "mysql", feature = "sqlite"))]
        return if sqlite {
            Bound::sqlite(values, bytes)
        } else {
            Bound::mysql(values, bytes)
        };
        #[cfg(not(feature = "sqlite"))]
        return {
            let _ = sqlite;
            Bound::mysql(values, bytes)
        };
        #[cfg(not(feature = "mysql"))]
        return {
            let _ = sqlite;
            Bound::sqlite(values, bytes)
        };
    }

    #[cfg(feature = "mysql")]
    fn mysql(values: usize, bytes: usize) -> Bound {
        use sqlx::Arguments as _;
        let mut arguments = sqlx::mysql::MySqlArguments::default();
        arguments.reserve(values, bytes);
        Bound::MySql(arguments)
    }

    #[cfg(feature = "sqlite")]
    fn sqlite(values: usize, bytes: usize) -> Bound {
        use sqlx::Arguments as _;
        let mut arguments = sqlx::sqlite::SqliteArguments::default();
        arguments.reserve(values, bytes);
        Bound::Sqlite(arguments)
    }

    /// Adds one value.
    pub(crate) fn add(&mut self, arg: ArgRef<'_>) -> Result<()> {
        match self {
            #[cfg(feature = "mysql")]
            Bound::MySql(arguments) => mysql::add(arguments, arg),
            #[cfg(feature = "sqlite")]
            Bound::Sqlite(arguments) => sqlite::add(arguments, arg),
        }
    }

    fn is_empty(&self) -> bool {
        use sqlx::Arguments as _;
        match self {
            #[cfg(feature = "mysql")]
            Bound::MySql(arguments) => arguments.len() == 0,
            #[cfg(feature = "sqlite")]
            Bound::Sqlite(arguments) => arguments.len() == 0,
        }
    }
}

/// A statement's arguments, shared: a statement retried after a transient error (see [`crate::retry`]) is
/// sent again without encoding its values again.
#[derive(Clone, Debug)]
pub(crate) enum Args {
    /// A list of values (every statement but bulk inserts).
    List(Arc<Vec<Arg>>),
    /// Values already in a driver's buffer (bulk inserts).
    Bound(Arc<Bound>),
}

impl Args {
    pub(super) fn is_empty(&self) -> bool {
        match self {
            Args::List(list) => list.is_empty(),
            Args::Bound(bound) => bound.is_empty(),
        }
    }
}

impl From<Vec<Arg>> for Args {
    fn from(list: Vec<Arg>) -> Self {
        Args::List(Arc::new(list))
    }
}

impl Arg {
    pub(crate) fn as_ref(&self) -> ArgRef<'_> {
        match self {
            Arg::Null => ArgRef::Null,
            Arg::Bool(v) => ArgRef::Bool(*v),
            Arg::Int(v) => ArgRef::Int(*v),
            Arg::UInt(v) => ArgRef::UInt(*v),
            Arg::F32(v) => ArgRef::F32(*v),
            Arg::F64(v) => ArgRef::F64(*v),
            Arg::Str(v) => ArgRef::Text(v),
            Arg::Text(v) => ArgRef::Text(v),
            Arg::Bytes(v) => ArgRef::Bytes(v),
            #[cfg(feature = "chrono")]
            Arg::Timestamp(v) => ArgRef::Timestamp(*v),
            #[cfg(feature = "chrono")]
            Arg::Date(v) => ArgRef::Date(*v),
        }
    }
}

/// What one bound value costs in a statement beyond its bytes (its type and length prefix), an upper bound.
pub(crate) const ARG_OVERHEAD: usize = 11;

/// The bytes a statement's text and arguments take on the wire, about (an upper bound).
pub(crate) fn statement_size(sql: &str, args: &[Arg]) -> usize {
    sql.len()
        + args
            .iter()
            .map(|a| a.as_ref().wire_size() + ARG_OVERHEAD)
            .sum::<usize>()
}
