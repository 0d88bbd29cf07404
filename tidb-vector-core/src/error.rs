//! The crate's one error type.

use std::fmt;

use crate::dialect::Backend;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, as variants a caller can match.
///
/// Input problems ([`Dimensions`](Error::Dimensions), [`NonFinite`](Error::NonFinite), ...) are found before
/// any SQL is sent. Server problems arrive as [`Database`](Error::Database), with the server's error number
/// and SQLSTATE kept (see [`Error::server_code`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A vector has the wrong number of dimensions for its column (or for the model's query vector).
    #[error(
        "vector has {got} dimensions, but the column is VECTOR({expected}); pass exactly {expected} values"
    )]
    Dimensions {
        /// The column's dimensions.
        expected: usize,
        /// The vector's dimensions.
        got: usize,
    },
    /// A vector holds NaN or an infinity, which TiDB refuses to store or compare.
    #[error(
        "vector value at index {index} is {value}; only finite numbers can be stored or searched (replace NaN and infinities first)"
    )]
    NonFinite {
        /// Position of the first non-finite value.
        index: usize,
        /// The value itself (NaN or an infinity).
        value: f32,
    },
    /// A vector has more dimensions than TiDB allows.
    #[error("vector has {got} dimensions; TiDB allows at most 16383")]
    TooManyDimensions {
        /// The vector's dimensions.
        got: usize,
    },
    /// A cosine search was asked with a zero query vector, for which the cosine distance is undefined.
    #[error(
        "cosine distance is undefined for a zero query vector; use a non-zero vector or another metric"
    )]
    ZeroQueryVector,
    /// Text that should have been a vector (from the server or from a caller) could not be read.
    #[error("invalid vector text: {0}")]
    VectorText(#[from] VectorTextError),
    /// A value read from the database does not fit its field.
    #[error("column `{column}` returned a value that does not fit its field: {reason}")]
    Decode {
        /// The column's name.
        column: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// A value to be written does not fit the backend (for example a `u64` above `i64::MAX` on SQLite).
    #[error("value for column `{column}` cannot be stored: {reason}")]
    Encode {
        /// The column's name.
        column: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// A call's arguments are out of range (for example a `limit` of 0 or a NaN threshold).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The connection settings are incomplete or malformed.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The backend cannot do what was asked (for example a server that is neither TiDB nor MariaDB).
    #[error("{what} is not supported on {backend}")]
    Unsupported {
        /// The backend in use.
        backend: Backend,
        /// What was asked.
        what: String,
    },
    /// The database (or the driver talking to it) returned an error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl Error {
    /// The server's error number and SQLSTATE when the error came from the server, e.g.
    /// `Some((1105, "HY000"))` for TiDB's `vector has 2 dimensions, does not fit VECTOR(3)`.
    ///
    /// MySQL-protocol servers (TiDB, MariaDB) report both; SQLite reports its extended result code as the
    /// number and no SQLSTATE (an empty string).
    pub fn server_code(&self) -> Option<(u32, String)> {
        let Error::Database(sqlx::Error::Database(db)) = self else {
            return None;
        };
        if let Some(mysql) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            return Some((
                u32::from(mysql.number()),
                mysql.code().unwrap_or("").to_owned(),
            ));
        }
        let number = db.code()?.parse().ok()?;
        Some((number, String::new()))
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Database(error)
    }
}

/// Why vector text could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct VectorTextError {
    /// Byte offset of the first problem in the text.
    pub position: usize,
    /// What was expected there.
    pub reason: &'static str,
}

impl fmt::Display for VectorTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}; expected a JSON array of finite numbers such as `[1,2.5,-0.1]`",
            self.reason, self.position
        )
    }
}
