//! The crate's one error type.

use std::fmt;

use crate::backend::Backend;
pub use crate::in_doubt::CommitProbe;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, as variants a caller can match.
///
/// Input problems ([`Dimensions`](Error::Dimensions), [`NonFinite`](Error::NonFinite), ...) are found before
/// any SQL is sent. Server problems arrive as [`Database`](Error::Database), with the server's error number
/// and SQLSTATE kept (see [`Error::server_code`]).
///
/// ```
/// use tidb_vector_core::{Backend, Error, VectorModel};
/// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
///
/// // A query of the wrong length is refused before any SQL exists.
/// let error = Document::search(&[1.0, 2.0]).statement(Backend::TiDb).unwrap_err();
/// assert!(matches!(error, Error::Dimensions { expected: 3, got: 2 }));
/// assert_eq!(
///     error.to_string(),
///     "vector has 2 dimensions, but the column is VECTOR(3); pass exactly 3 values"
/// );
/// ```
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
    /// A vector is so long that distances to it overflow `f32`, in which every backend computes them (see
    /// [`MAX_NORM`](crate::vector::MAX_NORM)).
    #[error(
        "vector has length (Euclidean norm) {norm:e}, above {max:e}: distances to it would overflow f32 and come back wrong; scale it down (cosine distance ignores scale)"
    )]
    Magnitude {
        /// The vector's Euclidean norm.
        norm: f64,
        /// The largest norm taken, [`MAX_NORM`](crate::vector::MAX_NORM).
        max: f64,
    },
    /// A statement would be larger than the server takes, so it was not sent: too many bound values, or a
    /// row or value over the server's packet size (`max_allowed_packet`).
    #[error("too large: {size} {what}, above the limit of {limit}; {advice}")]
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// How many (or how many bytes).
        size: u64,
        /// The most the server takes.
        limit: u64,
        /// What to do instead.
        advice: &'static str,
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
    /// A stored row could not be read into the model (a value written by other code that the model's field
    /// cannot hold, such as MariaDB's zero date): the read that met it fails, naming the row's key, and
    /// reads that do not meet it work.
    #[error(
        "the row with key {key} cannot be read into the model: {source}; fix or delete that row"
    )]
    UnreadableRow {
        /// The row's key, as text.
        key: String,
        /// What could not be read.
        #[source]
        source: Box<Error>,
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
    /// The table exists with another shape than the model's (see
    /// [`VectorModel::check_table`](crate::VectorModel::check_table)).
    #[error("{0}")]
    SchemaMismatch(crate::SchemaMismatch),
    /// A [`load`](crate::VectorModel::load) stopped: the first `committed` rows of its input are stored
    /// (and nothing of the rows after them, except as `in_doubt` says). Resume with the input's rows after
    /// the first [`rows_stored`](Error::rows_stored), which settles `in_doubt` by reading the table:
    /// `rows.skip(error.rows_stored(&db).await? as usize)`.
    #[error("load stopped after {committed} committed rows{}: {source}", in_doubt_text(*.in_doubt))]
    Load {
        /// How many rows, from the start of the input, are stored.
        committed: u64,
        /// The rows of a batch whose commit was sent but whose answer never came, and which the library
        /// could not settle (the server stayed out of reach): they are stored all or none, and `probe`
        /// tells which. 0 in every other case (a lost answer that the library settled is counted in
        /// `committed` when that batch committed).
        in_doubt: u64,
        /// How to settle `in_doubt` later; `None` when it is 0.
        probe: Option<CommitProbe>,
        /// Why it stopped.
        #[source]
        source: Box<Error>,
    },
    /// The connection failed after a commit was sent and before its answer came, and the library could not
    /// find out whether it happened (the server stayed out of reach, or nothing written tells): the
    /// transaction's writes are stored all or none. Do not simply run it again, which could store its rows
    /// twice: settle it first with [`rows_stored`](Error::rows_stored) (or the `probe`) once the server
    /// answers again. Where the model's keys are the caller's, `insert` and `insert_many` settle it
    /// themselves and return the true outcome instead of this error whenever the server can be reached.
    #[error(
        "the connection failed after the commit was sent, so {} may or may not be stored; {}: {source}",
        in_doubt_rows(*.rows),
        if .probe.is_some() { "settle it with `Error::rows_stored` before writing them again" } else { "check the table before writing them again (an update, upsert or delete can simply be run again)" }
    )]
    CommitInDoubt {
        /// The rows the transaction wrote, when the library knows (`None` for [`Transaction::commit`](crate::Transaction::commit),
        /// which does not count the caller's writes, and for updates and deletes).
        rows: Option<u64>,
        /// How to find out which it was, when one of the transaction's rows is known.
        probe: Option<CommitProbe>,
        /// The driver's error.
        #[source]
        source: Box<Error>,
    },
    /// The server refused a statement; `kind` says why in terms a caller can act on, and the server's
    /// own number, SQLSTATE and message are kept.
    #[error("{kind}: {message} (server error {code})")]
    Server {
        /// What went wrong.
        kind: ServerErrorKind,
        /// The server's error number (MySQL protocol), or SQLite's extended result code.
        code: u32,
        /// The SQLSTATE (MySQL protocol; empty for SQLite).
        sqlstate: String,
        /// The server's message.
        message: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A [`Transaction`](crate::Transaction) is gone: an operation on it was dropped before it finished (a
    /// timeout, a `select!`, a client that hung up), and the transaction was rolled back then, its
    /// connection returned to the pool clean. Begin a new transaction.
    #[error(
        "the transaction is gone: an operation on it was dropped before it finished, and it was rolled back; begin a new transaction"
    )]
    TransactionGone,
    /// The first connection to a server failed: refused, an unknown host, a login the server refused, a
    /// TLS handshake that failed, or no answer within
    /// [`PoolSettings::connect_timeout`](crate::PoolSettings::connect_timeout). Names the host and port
    /// (never the password); a refused login keeps the server's code ([`Error::server_code`]).
    #[error("cannot connect to {address}: {reason}")]
    Connect {
        /// The server's host and port.
        address: String,
        /// Why, in words that say what to check.
        reason: String,
        /// The driver's or server's error, when there was one (not for a timeout).
        #[source]
        source: Option<Box<Error>>,
    },
    /// The connection failed, timed out, or the driver failed otherwise (no statement was refused).
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// An [`Embedder`](crate::Embedder) failed, answered with vectors the column cannot take, or makes
    /// vectors of other dimensions than the column's. Nothing was written: texts are embedded before
    /// any row is sent.
    #[error("embedding: {reason}")]
    Embed {
        /// What went wrong, in words that say what to do.
        reason: String,
        /// The embedder's own error, when it failed.
        #[source]
        source: Option<crate::BoxError>,
    },
    /// A [`Reranker`](crate::Reranker) failed or answered with scores that cannot rank the candidates.
    #[error("reranking: {reason}")]
    Rerank {
        /// What went wrong.
        reason: String,
        /// The reranker's own error, when it failed.
        #[source]
        source: Option<crate::BoxError>,
    },
}

/// What kind of failure an [`Error`] is, for code that maps errors to responses (a web handler: 400, 409,
/// 501, 503, 500) without matching every variant: see [`Error::class`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The caller's input was wrong (a vector of the wrong size or with NaN, a value a column cannot
    /// hold, an argument out of range, a statement too large): change the request; retrying will not help.
    Input,
    /// The request conflicts with what is stored (a duplicate key).
    Conflict,
    /// The server or build cannot do this (a TiDB without full-text search, a vector index without TiFlash,
    /// a feature this build leaves out).
    Unsupported,
    /// Transient: the server is busy or out of reach, a connection was lost, a deadlock or write conflict,
    /// a transaction gone after a dropped call. Running the operation again later may succeed.
    Transient,
    /// A commit's answer was lost and the library could not tell whether it happened: settle it
    /// ([`Error::rows_stored`]) before writing the same rows again, or they may be stored twice.
    InDoubt,
    /// The table does not match the model, or is missing: a deployment or migration problem.
    Schema,
    /// The connection settings are wrong (a malformed URL, a refused login, a file that cannot be opened).
    Config,
    /// The server failed otherwise, or stored data cannot be read: an operator's or a bug's problem.
    Server,
    /// An embedder or reranker (the caller's code, or the service behind it) failed or answered with
    /// something unusable.
    External,
}

/// Why a server refused a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerErrorKind {
    /// A vector value was refused: wrong dimensions for the column, unparsable text, NaN or infinity, a
    /// value out of range (TiDB 1105 `vector has 2 dimensions, does not fit VECTOR(3)`, `Invalid vector
    /// text`, ...; MariaDB 1292 `Incorrect vector value`, 4038, 4079; sqlite-vec's parse errors and the
    /// dimension check).
    InvalidVector,
    /// Two vectors of different dimensions were compared (TiDB 1105 `vectors have different dimensions`;
    /// sqlite-vec's dimension mismatch).
    DimensionMismatch,
    /// TiDB needs a TiFlash replica for a vector index (8200 `columnar replica must exist`, or a cluster
    /// without TiFlash): run `ALTER TABLE ... SET TIFLASH REPLICA 1` or add TiFlash nodes.
    MissingTiFlashReplica,
    /// A row with this key already exists (MySQL 1062; SQLite's UNIQUE/PRIMARY KEY constraint).
    DuplicateKey,
    /// The table does not exist (MySQL 1146; SQLite `no such table`): call `create_table` first.
    NoSuchTable,
    /// The statement or transaction is larger than the server takes: TiDB 8004 (`txn-total-size-limit`),
    /// 8175 (memory quota, about 345,000 rows of 768 dimensions in one transaction at TiDB's defaults),
    /// 8025 (one row over `txn-entry-size-limit`, 6 MiB by default); MariaDB 1153 and 1301 (a packet over
    /// `max_allowed_packet`). Load fewer rows per `insert_many` call (each call is one transaction), or
    /// use [`load`](crate::VectorModel::load), which commits in batches.
    TooLarge,
    /// A transient refusal that the same statement or transaction may pass when run again: TiDB's write
    /// conflict (9007), schema changed (8028), region, store and TiKV-busy errors (9001-9005, 9008,
    /// 9010-9013), resource-group throttling (8252), 8002, 8005, 8022; a lock wait timeout (1205) or deadlock (1213) on TiDB and MariaDB; SQLite's busy and
    /// locked databases. Retry the whole transaction (an `insert_many` is one), after a short pause.
    Retryable,
    /// Anything else the server refused.
    Other,
}

impl fmt::Display for ServerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerErrorKind::InvalidVector => "the server refused a vector",
            ServerErrorKind::DimensionMismatch => "vectors of different dimensions were compared",
            ServerErrorKind::MissingTiFlashReplica => {
                "a TiFlash replica is needed for the vector index"
            }
            ServerErrorKind::DuplicateKey => "a row with this key already exists",
            ServerErrorKind::NoSuchTable => "the table does not exist",
            ServerErrorKind::TooLarge => {
                "the statement or transaction is larger than the server takes; insert fewer rows per call, or load large data with `load`, which commits in batches"
            }
            ServerErrorKind::Retryable => {
                "a transient conflict or busy server; running the transaction again may succeed"
            }
            ServerErrorKind::Other => "the server refused the statement",
        })
    }
}

/// Classifies a server error by its number and message.
fn classify(code: u32, message: &str, sqlite: bool) -> ServerErrorKind {
    let has = |needle: &str| message.contains(needle);
    if sqlite {
        return if has("no such table") {
            ServerErrorKind::NoSuchTable
        } else if has("UNIQUE constraint failed") || code == 1555 || code == 2067 {
            ServerErrorKind::DuplicateKey
        } else if code & 0xff == 5 || code & 0xff == 6 {
            // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes.
            ServerErrorKind::Retryable
        } else if has("imension mis") {
            ServerErrorKind::DimensionMismatch
        } else if has("vec_length") || has("JSON") || has("vector") || has("BLOB") {
            ServerErrorKind::InvalidVector
        } else {
            ServerErrorKind::Other
        };
    }
    // TiDB answers a cached prepared statement whose table changed with 8113 "Schema change caused error:
    // <the inner error>" (pkg/planner/core/plan_cache.go:121, :162 @v8.5.3), e.g. `[schema:1146]Table ...
    // doesn't exist` after the table was dropped: the inner error says what happened.
    if code == 8113
        && let Some(inner) = message
            .split_once("[schema:")
            .and_then(|(_, rest)| rest.split_once(']'))
            .and_then(|(number, _)| number.parse::<u32>().ok())
        && inner != 8113
    {
        return classify(inner, message, false);
    }
    match code {
        1062 => ServerErrorKind::DuplicateKey,
        1146 => ServerErrorKind::NoSuchTable,
        8004 | 8175 | 8025 | 1153 | 1301 => ServerErrorKind::TooLarge,
        // TiDB's transient codes, each of which means "not committed" (tidb-vector-sql.md section 5):
        // region, store and TiKV-busy states, write conflicts, schema changes, resource-group throttling
        // (8252), the store token limit (9008), stale commands (9010), max timestamp not synced (9011).
        9001..=9005
        | 9007
        | 9008
        | 9010..=9013
        | 8002
        | 8005
        | 8022
        | 8028
        | 8252
        | 1205
        | 1213 => ServerErrorKind::Retryable,
        1292 if has("vector") => ServerErrorKind::InvalidVector,
        4038 | 4079 => ServerErrorKind::InvalidVector,
        8200 if has("columnar") || has("TiFlash") => ServerErrorKind::MissingTiFlashReplica,
        _ if has("columnar replica must exist")
            || has("TiFlash store count is 0")
            || has("tiflash server count: 0") =>
        {
            ServerErrorKind::MissingTiFlashReplica
        }
        1105 if has("vectors have different dimensions") => ServerErrorKind::DimensionMismatch,
        1105 if [
            "does not fit VECTOR",
            "Invalid vector text",
            "NaN not allowed in vector",
            "infinite value not allowed in vector",
            "out of range for float32",
            "vector cannot have more than",
            "dimensions for type vector",
        ]
        .iter()
        .any(|needle| has(needle)) =>
        {
            ServerErrorKind::InvalidVector
        }
        _ => ServerErrorKind::Other,
    }
}

impl Error {
    /// The server's error number and SQLSTATE when the error came from the server, e.g.
    /// `Some((1105, "HY000"))` for TiDB's `vector has 2 dimensions, does not fit VECTOR(3)`.
    ///
    /// MySQL-protocol servers (TiDB, MariaDB) report both; SQLite reports its extended result code as the
    /// number and no SQLSTATE (an empty string).
    pub fn server_code(&self) -> Option<(u32, String)> {
        match self {
            Error::Server { code, sqlstate, .. } => Some((*code, sqlstate.clone())),
            Error::Load { source, .. } => source.server_code(),
            Error::Connect {
                source: Some(source),
                ..
            } => source.server_code(),
            _ => None,
        }
    }

    /// What kind of failure this is: the caller's input, a conflict, unsupported here, transient, a commit
    /// in doubt, the schema, the configuration, or the server.
    ///
    /// ```
    /// use tidb_vector_core::{Backend, ErrorClass, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    ///
    /// let error = Document::search(&[1.0, 2.0]).statement(Backend::TiDb).unwrap_err();
    /// assert_eq!(error.class(), ErrorClass::Input); // e.g. 400 in a web handler
    /// ```
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Dimensions { .. }
            | Error::NonFinite { .. }
            | Error::Magnitude { .. }
            | Error::TooLarge { .. }
            | Error::TooManyDimensions { .. }
            | Error::ZeroQueryVector
            | Error::VectorText(_)
            | Error::Encode { .. }
            | Error::InvalidArgument(_) => ErrorClass::Input,
            Error::Decode { .. } | Error::UnreadableRow { .. } => ErrorClass::Server,
            Error::Config(_) => ErrorClass::Config,
            Error::Embed { .. } | Error::Rerank { .. } => ErrorClass::External,
            Error::Unsupported { .. } => ErrorClass::Unsupported,
            Error::SchemaMismatch(_) => ErrorClass::Schema,
            Error::Load { source, .. } => source.class(),
            Error::CommitInDoubt { .. } => ErrorClass::InDoubt,
            Error::TransactionGone => ErrorClass::Transient,
            Error::Connect { source, .. } => match source.as_deref() {
                Some(Error::Server { .. }) => ErrorClass::Config,
                _ => ErrorClass::Transient,
            },
            Error::Server { kind, .. } => match kind {
                ServerErrorKind::InvalidVector | ServerErrorKind::TooLarge => ErrorClass::Input,
                ServerErrorKind::DuplicateKey => ErrorClass::Conflict,
                ServerErrorKind::DimensionMismatch | ServerErrorKind::NoSuchTable => {
                    ErrorClass::Schema
                }
                ServerErrorKind::MissingTiFlashReplica => ErrorClass::Unsupported,
                ServerErrorKind::Retryable => ErrorClass::Transient,
                ServerErrorKind::Other => ErrorClass::Server,
            },
            Error::Database(source) => match source {
                sqlx::Error::Configuration(_) => ErrorClass::Config,
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => ErrorClass::Transient,
                _ => ErrorClass::Server,
            },
        }
    }

    /// Why the server refused the statement, when it did (also for the statement that stopped a
    /// [`Error::Load`]).
    pub fn server_error_kind(&self) -> Option<ServerErrorKind> {
        match self {
            Error::Server { kind, .. } => Some(*kind),
            Error::Load { source, .. } => source.server_error_kind(),
            Error::Connect {
                source: Some(source),
                ..
            } => source.server_error_kind(),
            _ => None,
        }
    }
}

fn in_doubt_rows(rows: Option<u64>) -> String {
    match rows {
        Some(1) => "its row".to_owned(),
        Some(rows) => format!("its {rows} rows"),
        None => "what it wrote".to_owned(),
    }
}

fn in_doubt_text(in_doubt: u64) -> String {
    match in_doubt {
        0 => String::new(),
        rows => format!(" and {rows} more in doubt (their commit's answer was lost)"),
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        let sqlx::Error::Database(db) = &error else {
            return Error::Database(error);
        };
        let message = without_stored_value(db.message());
        let (code, sqlstate, sqlite) = match mysql_error(db.as_ref()) {
            Some((number, sqlstate)) => (number, sqlstate, false),
            None => {
                let code = db.code().and_then(|c| c.parse().ok()).unwrap_or(0);
                (code, String::new(), true)
            }
        };
        Error::Server {
            kind: classify(code, &message, sqlite),
            code,
            sqlstate,
            message,
            source: error,
        }
    }
}

/// The server's message without the value it quotes from a refused vector (MariaDB's `Incorrect vector value:
/// '<the value's bytes>' for column ...`): a vector is the caller's data, and its bytes say nothing to a
/// reader of a log.
fn without_stored_value(message: &str) -> String {
    const QUOTED: &str = "Incorrect vector value: '";
    const AFTER: &str = "' for column ";
    match (message.find(QUOTED), message.rfind(AFTER)) {
        (Some(start), Some(end)) if end >= start + QUOTED.len() => format!(
            "{}Incorrect vector value (not shown) for column {}",
            &message[..start],
            &message[end + AFTER.len()..]
        ),
        _ => message.to_owned(),
    }
}

/// A MySQL-protocol server's error number and SQLSTATE; `None` for another driver's error.
fn mysql_error(error: &dyn sqlx::error::DatabaseError) -> Option<(u32, String)> {
    #[cfg(feature = "mysql")]
    if let Some(mysql) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return Some((
            u32::from(mysql.number()),
            mysql.code().unwrap_or("").to_owned(),
        ));
    }
    #[cfg(not(feature = "mysql"))]
    let _ = error;
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidb_and_mariadb_errors_are_classified() {
        let kind = |code, message| classify(code, message, false);
        assert_eq!(
            kind(1105, "vector has 2 dimensions, does not fit VECTOR(3)"),
            ServerErrorKind::InvalidVector
        );
        assert_eq!(
            kind(1105, "Invalid vector text: [5, ]"),
            ServerErrorKind::InvalidVector
        );
        assert_eq!(
            kind(1105, "vectors have different dimensions: 1 and 3"),
            ServerErrorKind::DimensionMismatch
        );
        assert_eq!(
            kind(
                8200,
                "Unsupported add columnar index: columnar replica must exist to create vector index, columnar index or fulltext index"
            ),
            ServerErrorKind::MissingTiFlashReplica
        );
        assert_eq!(
            kind(
                1105,
                "Unsupported add columnar index: unsupported TiFlash store count is 0"
            ),
            ServerErrorKind::MissingTiFlashReplica
        );
        assert_eq!(
            kind(
                1292,
                "Incorrect vector value: '[1,2]' for column `t`.`e` at row 1"
            ),
            ServerErrorKind::InvalidVector
        );
        assert_eq!(
            kind(1292, "Incorrect datetime value"),
            ServerErrorKind::Other
        );
        assert_eq!(
            kind(1062, "Duplicate entry '1' for key 'PRIMARY'"),
            ServerErrorKind::DuplicateKey
        );
        assert_eq!(kind(1105, "something else"), ServerErrorKind::Other);
        // Seen on a real TiDB (v8.5.3 built from source): a cached prepared search after DROP TABLE.
        assert_eq!(
            kind(
                8113,
                "Schema change caused error: [schema:1146]Table 'db.tags' doesn't exist"
            ),
            ServerErrorKind::NoSuchTable
        );
        assert_eq!(
            kind(8113, "Schema change caused error: something"),
            ServerErrorKind::Other
        );
    }

    #[test]
    fn a_refused_vector_value_stays_out_of_the_message() {
        assert_eq!(
            without_stored_value(
                "Incorrect vector value: '\\x00\\x00\\x80?\\x00' for column `db`.`docs`.`embedding` at row 1"
            ),
            "Incorrect vector value (not shown) for column `db`.`docs`.`embedding` at row 1"
        );
        assert_eq!(
            without_stored_value("Incorrect vector value: '' for column `t`.`e` at row 2"),
            "Incorrect vector value (not shown) for column `t`.`e` at row 2"
        );
        assert_eq!(
            without_stored_value("Duplicate entry '1' for key 'PRIMARY'"),
            "Duplicate entry '1' for key 'PRIMARY'"
        );
    }

    #[test]
    fn every_variant_has_a_class() {
        use ErrorClass::*;
        let server = |kind| Error::Server {
            kind,
            code: 1,
            sqlstate: String::new(),
            message: String::new(),
            source: sqlx::Error::Protocol("x".into()),
        };
        let schema = crate::SchemaMismatch {
            table: "t",
            differences: Vec::new(),
        };
        let cases = [
            (
                Error::Dimensions {
                    expected: 3,
                    got: 2,
                },
                Input,
            ),
            (
                Error::NonFinite {
                    index: 0,
                    value: f32::NAN,
                },
                Input,
            ),
            (
                Error::Magnitude {
                    norm: 1.0,
                    max: 0.5,
                },
                Input,
            ),
            (
                Error::TooLarge {
                    what: "bytes",
                    size: 2,
                    limit: 1,
                    advice: "",
                },
                Input,
            ),
            (Error::TooManyDimensions { got: 20_000 }, Input),
            (Error::ZeroQueryVector, Input),
            (
                Error::VectorText(VectorTextError {
                    position: 0,
                    reason: "x",
                }),
                Input,
            ),
            (
                Error::Decode {
                    column: "c",
                    reason: String::new(),
                },
                Server,
            ),
            (
                Error::UnreadableRow {
                    key: "1".into(),
                    source: Box::new(Error::ZeroQueryVector),
                },
                Server,
            ),
            (
                Error::Encode {
                    column: "c",
                    reason: String::new(),
                },
                Input,
            ),
            (Error::InvalidArgument(String::new()), Input),
            (Error::Config(String::new()), Config),
            (
                Error::Unsupported {
                    backend: Backend::TiDb,
                    what: String::new(),
                },
                Unsupported,
            ),
            (Error::SchemaMismatch(schema), Schema),
            (
                Error::Load {
                    committed: 1,
                    in_doubt: 0,
                    probe: None,
                    source: Box::new(server(ServerErrorKind::Retryable)),
                },
                Transient,
            ),
            (
                Error::CommitInDoubt {
                    rows: None,
                    probe: None,
                    source: Box::new(Error::Database(sqlx::Error::PoolClosed)),
                },
                InDoubt,
            ),
            (Error::TransactionGone, Transient),
            (
                Error::Connect {
                    address: "h:1".into(),
                    reason: String::new(),
                    source: None,
                },
                Transient,
            ),
            (
                Error::Connect {
                    address: "h:1".into(),
                    reason: String::new(),
                    source: Some(Box::new(server(ServerErrorKind::Other))),
                },
                Config,
            ),
            (server(ServerErrorKind::InvalidVector), Input),
            (server(ServerErrorKind::TooLarge), Input),
            (server(ServerErrorKind::DuplicateKey), Conflict),
            (server(ServerErrorKind::DimensionMismatch), Schema),
            (server(ServerErrorKind::NoSuchTable), Schema),
            (server(ServerErrorKind::MissingTiFlashReplica), Unsupported),
            (server(ServerErrorKind::Retryable), Transient),
            (server(ServerErrorKind::Other), Server),
            (Error::Database(sqlx::Error::PoolTimedOut), Transient),
            (
                Error::Database(sqlx::Error::Configuration("x".into())),
                Config,
            ),
            (Error::Database(sqlx::Error::RowNotFound), Server),
        ];
        for (error, class) in cases {
            assert_eq!(error.class(), class, "{error:?}");
        }
    }

    #[test]
    fn size_and_transient_errors_are_classified() {
        let kind = |code, message| classify(code, message, false);
        // TiDB's texts, from pkg/errno (tidb-vector-sql.md section 3).
        for (code, message) in [
            (8004, "Transaction is too large, size: 104857600"),
            (
                8175,
                "Your query has been cancelled due to exceeding the allowed memory limit for a single SQL query",
            ),
            (
                8025,
                "entry too large, the max entry size is 6291456, the size of data is 7340032",
            ),
            (1153, "Got a packet bigger than 'max_allowed_packet' bytes"),
            (
                1301,
                "Result of repeat() was larger than max_allowed_packet (16777216) - truncated",
            ),
        ] {
            assert_eq!(kind(code, message), ServerErrorKind::TooLarge, "{code}");
        }
        for code in [
            9001, 9002, 9003, 9004, 9005, 9007, 9008, 9010, 9011, 9012, 9013, 8002, 8005, 8022,
            8028, 8252, 1205, 1213,
        ] {
            assert_eq!(kind(code, "..."), ServerErrorKind::Retryable, "{code}");
        }
        assert_eq!(
            kind(
                1105,
                "Unsupported add vector index: unsupported TiFlash store count is 0; total tiflash server count: 0"
            ),
            ServerErrorKind::MissingTiFlashReplica
        );
        let sqlite = |code, message| classify(code, message, true);
        assert_eq!(sqlite(5, "database is locked"), ServerErrorKind::Retryable);
        assert_eq!(
            sqlite(261, "database is locked"),
            ServerErrorKind::Retryable
        );
        assert_eq!(
            sqlite(6, "database table is locked"),
            ServerErrorKind::Retryable
        );
        assert_eq!(
            sqlite(2067, "UNIQUE constraint failed: t.id"),
            ServerErrorKind::DuplicateKey
        );
    }

    #[test]
    fn sqlite_errors_are_classified() {
        let kind = |message| classify(1, message, true);
        assert_eq!(
            kind("no such table: documents"),
            ServerErrorKind::NoSuchTable
        );
        assert_eq!(
            kind(
                "CHECK constraint failed: CASE WHEN embedding IS NULL THEN 1 ELSE vec_length(embedding) = 3 END"
            ),
            ServerErrorKind::InvalidVector
        );
        assert_eq!(
            classify(1555, "UNIQUE constraint failed: t.id", true),
            ServerErrorKind::DuplicateKey
        );
    }
}
