//! Bind arguments: an [`Arg`] borrows a value on its way to the wire, and [`Args`] is the driver's own
//! argument buffer it is copied into, once. Every statement sends an `Args`.

#[cfg(feature = "mysql")]
use super::mysql;
#[cfg(feature = "sqlite")]
use super::sqlite;
use crate::error::{Error, Result};

/// A bind parameter on its way into a driver's buffer, borrowing its data.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Arg<'a> {
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

impl Arg<'_> {
    /// About how many bytes the argument takes on the wire, beyond [`ARG_OVERHEAD`].
    pub(crate) fn wire_size(self) -> usize {
        match self {
            Arg::Text(s) => s.len(),
            Arg::Bytes(b) => b.len(),
            _ => 8,
        }
    }
}

/// Which driver's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Driver {
    #[cfg(feature = "mysql")]
    MySql,
    #[cfg(feature = "sqlite")]
    Sqlite,
}

/// One driver's argument buffer.
#[derive(Clone, Debug)]
enum Buffer {
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlArguments),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteArguments),
}

/// A statement's arguments, in the buffer of the driver that sends them (each value copied in once, by
/// [`Args::add`]), with their count and size kept for the statement checks. `Clone`: a statement retried
/// after a transient error (see [`crate::retry`]) sends a copy.
#[derive(Clone, Debug, Default)]
pub(crate) struct Args {
    /// `None` for a statement without arguments, which names no driver.
    buffer: Option<Buffer>,
    len: usize,
    bytes: usize,
}

impl Args {
    /// No arguments (a statement without `?`).
    pub(crate) fn none() -> Args {
        Args::default()
    }

    /// An empty buffer of `driver`'s, with room for `values` values of `bytes` bytes in all.
    pub(crate) fn with_capacity(driver: Driver, values: usize, bytes: usize) -> Args {
        use sqlx::Arguments as _;
        let buffer = match driver {
            #[cfg(feature = "mysql")]
            Driver::MySql => {
                let mut arguments = sqlx::mysql::MySqlArguments::default();
                arguments.reserve(values, bytes);
                Buffer::MySql(arguments)
            }
            #[cfg(feature = "sqlite")]
            Driver::Sqlite => {
                let mut arguments = sqlx::sqlite::SqliteArguments::default();
                arguments.reserve(values, bytes);
                Buffer::Sqlite(arguments)
            }
        };
        Args {
            buffer: Some(buffer),
            len: 0,
            bytes: 0,
        }
    }

    /// An empty buffer of `driver`'s.
    pub(crate) fn new(driver: Driver) -> Args {
        Args::with_capacity(driver, 0, 0)
    }

    /// Copies one value in.
    pub(crate) fn add(&mut self, arg: Arg<'_>) -> Result<()> {
        match &mut self.buffer {
            #[cfg(feature = "mysql")]
            Some(Buffer::MySql(arguments)) => mysql::add(arguments, arg)?,
            #[cfg(feature = "sqlite")]
            Some(Buffer::Sqlite(arguments)) => sqlite::add(arguments, arg)?,
            None => {
                return Err(Error::InvalidArgument(
                    "a value for a statement made without arguments (a bug in tidb-vector)".into(),
                ));
            }
        }
        self.len += 1;
        self.bytes += arg.wire_size() + ARG_OVERHEAD;
        Ok(())
    }

    /// `args`, added one by one.
    pub(crate) fn of(driver: Driver, args: &[Arg<'_>]) -> Result<Args> {
        let mut out = Args::new(driver);
        for arg in args {
            out.add(*arg)?;
        }
        Ok(out)
    }

    /// How many values.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// About how many bytes the values take on the wire (an upper bound).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    #[cfg(feature = "mysql")]
    pub(super) fn into_mysql(self) -> Result<sqlx::mysql::MySqlArguments> {
        match self.buffer {
            Some(Buffer::MySql(arguments)) => Ok(arguments),
            None => Ok(Default::default()),
            #[allow(unreachable_patterns)]
            _ => Err(another_driver()),
        }
    }

    #[cfg(feature = "sqlite")]
    pub(super) fn into_sqlite(self) -> Result<sqlx::sqlite::SqliteArguments> {
        match self.buffer {
            Some(Buffer::Sqlite(arguments)) => Ok(arguments),
            None => Ok(Default::default()),
            #[allow(unreachable_patterns)]
            _ => Err(another_driver()),
        }
    }
}

fn another_driver() -> Error {
    Error::InvalidArgument("arguments encoded for another driver (a bug in tidb-vector)".into())
}

/// What one bound value costs in a statement beyond its bytes (its type and length prefix), an upper bound.
pub(crate) const ARG_OVERHEAD: usize = 11;

/// The bytes a statement's text and arguments take on the wire, about (an upper bound).
pub(crate) fn statement_size(sql: &str, args: &Args) -> usize {
    sql.len() + args.bytes()
}
