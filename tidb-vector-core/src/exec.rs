//! Runs rendered statements: turns [`Value`]s into driver binds, reads rows back through [`RowReader`].

use sqlx::mysql::{MySql, MySqlArguments, MySqlRow};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteRow};
use sqlx::{AssertSqlSafe, Transaction};

use crate::db::{Db, Pool};
use crate::dialect::{Dialect, VectorWire};
use crate::error::{Error, Result};
use crate::schema::{Column, ColumnKind, Schema};
use crate::value::Value;
use crate::value::{Cell, ColumnType, ValueRef, VectorColumn};
use crate::vector::{self, validate};

/// A bind parameter. It owns its data, so that a statement can run on a task of its own (see
/// [`detached`]).
#[derive(Debug)]
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
}

impl Arg {
    /// About how many bytes the argument takes on the wire (for sizing bulk statements).
    pub(crate) fn wire_size(&self) -> usize {
        match self {
            Arg::Str(s) => s.len(),
            Arg::Text(s) => s.len(),
            Arg::Bytes(b) => b.len(),
            _ => 8,
        }
    }
}

/// A vector as the dialect binds it; validate it first.
pub(crate) fn vector_arg(dialect: &Dialect, values: &[f32]) -> Arg {
    match dialect.vector_wire {
        VectorWire::Text => Arg::Text(vector::encode_text(values)),
        VectorWire::Bytes => Arg::Bytes(vector::encode_bytes(values)),
    }
}

/// A filter's or key's value as a bind parameter.
pub(crate) fn sql_value_arg(dialect: &Dialect, column: &'static str, value: &Value) -> Result<Arg> {
    Ok(match value {
        Value::Null => Arg::Null,
        Value::Bool(b) => Arg::Bool(*b),
        Value::Int(i) => Arg::Int(*i),
        Value::UInt(u) if dialect.backend == crate::Backend::Sqlite => {
            Arg::Int(i64::try_from(*u).map_err(|_| Error::Encode {
                column,
                reason: format!("{u} is above SQLite's largest integer, {}", i64::MAX),
            })?)
        }
        Value::UInt(u) => Arg::UInt(*u),
        Value::F32(f) => Arg::F32(finite(column, *f)?),
        Value::F64(f) => Arg::F64(finite(column, *f)?),
        Value::Text(s) => Arg::Text(s.clone()),
    })
}

/// A float scalar, refused when it is NaN or infinite: SQLite would store NaN as NULL (read back as `None`)
/// and infinities as they are, MariaDB and TiDB refuse both; so nowhere is it stored as given.
fn finite<F: Into<f64> + Copy + std::fmt::Display>(column: &'static str, value: F) -> Result<F> {
    if value.into().is_finite() {
        Ok(value)
    } else {
        Err(Error::Encode {
            column,
            reason: format!(
                "{value} is not a finite number; store None (NULL) or a number instead"
            ),
        })
    }
}

/// Checks and encodes one row's values (in `insert_columns` order) onto `out`.
pub(crate) fn encode_row(
    dialect: &Dialect,
    columns: &[Column],
    values: &[ValueRef<'_>],
    out: &mut Vec<Arg>,
) -> Result<()> {
    for (column, value) in columns.iter().zip(values) {
        out.push(encode_value(dialect, column, *value)?);
    }
    Ok(())
}

/// Checks and encodes one value for its column.
fn encode_value(dialect: &Dialect, column: &Column, value: ValueRef<'_>) -> Result<Arg> {
    Ok(match (value, column.kind) {
        (ValueRef::Vector(values), ColumnKind::Vector { dimensions }) => {
            validate(values, Some(dimensions))?;
            vector_arg(dialect, values)
        }
        (ValueRef::Null, _) => Arg::Null,
        (ValueRef::Bool(b), _) => Arg::Bool(b),
        (ValueRef::Int(i), _) => Arg::Int(i),
        (ValueRef::UInt(u), _) if dialect.backend == crate::Backend::Sqlite => {
            Arg::Int(i64::try_from(u).map_err(|_| Error::Encode {
                column: column.name,
                reason: format!("{u} is above SQLite's largest integer, {}", i64::MAX),
            })?)
        }
        (ValueRef::UInt(u), _) => Arg::UInt(u),
        (ValueRef::F32(f), _) => Arg::F32(finite(column.name, f)?),
        (ValueRef::F64(f), _) => Arg::F64(finite(column.name, f)?),
        (ValueRef::Text(s), _) => Arg::Text(s.to_owned()),
        (ValueRef::Vector(_), ColumnKind::Scalar(_)) => {
            return Err(Error::Encode {
                column: column.name,
                reason: "a vector value for a scalar column".into(),
            });
        }
    })
}

fn mysql_query(sql: String, args: Vec<Arg>) -> Query<'static, MySql, MySqlArguments> {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for arg in args {
        query = match arg {
            Arg::Null => query.bind(None::<String>),
            Arg::Bool(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            Arg::UInt(v) => query.bind(v),
            Arg::F32(v) => query.bind(v),
            Arg::F64(v) => query.bind(v),
            Arg::Str(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
        };
    }
    query
}

fn sqlite_query(sql: String, args: Vec<Arg>) -> Query<'static, Sqlite, SqliteArguments> {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for arg in args {
        query = match arg {
            Arg::Null => query.bind(None::<String>),
            Arg::Bool(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            // Converted to `Int` (or refused) by `encode_row`.
            Arg::UInt(v) => query.bind(v as i64),
            Arg::F32(v) => query.bind(v),
            Arg::F64(v) => query.bind(v),
            Arg::Str(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
        };
    }
    query
}

/// What a statement did.
pub(crate) struct Done {
    pub(crate) rows_affected: u64,
    pub(crate) last_insert_id: Option<u64>,
}

impl From<sqlx::mysql::MySqlQueryResult> for Done {
    fn from(result: sqlx::mysql::MySqlQueryResult) -> Self {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: Some(result.last_insert_id()),
        }
    }
}

impl From<sqlx::sqlite::SqliteQueryResult> for Done {
    fn from(result: sqlx::sqlite::SqliteQueryResult) -> Self {
        Done {
            rows_affected: result.rows_affected(),
            last_insert_id: u64::try_from(result.last_insert_rowid()).ok(),
        }
    }
}

/// Runs a statement's I/O on a task of its own and waits for it.
///
/// This is what makes every operation cancel-safe: when the caller's future is dropped (a timeout, a
/// `select!`, a web client hanging up), the statement still runs to its end on its task and the connection
/// goes back to the pool in a clean state. A statement abandoned halfway would leave its connection with
/// half a packet sent or a result half read; sqlx cannot always recover such a connection, and then it
/// never returns to the pool, or (embedded SQLite) it is closed with the database it held.
pub(crate) async fn detached<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    match tokio::spawn(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // The runtime is shutting down under us.
        Err(_) => Err(Error::Database(sqlx::Error::PoolClosed)),
    }
}

/// What one bound value costs in a statement beyond its bytes (its type and length prefix), an upper bound.
pub(crate) const ARG_OVERHEAD: usize = 11;

/// The bytes a statement's text and arguments take on the wire, about (an upper bound).
pub(crate) fn statement_size(sql: &str, args: &[Arg]) -> usize {
    sql.len()
        + args
            .iter()
            .map(|a| a.wire_size() + ARG_OVERHEAD)
            .sum::<usize>()
}

/// Statements below this size are sent without asking the server's packet limit (MySQL's own minimum
/// `max_allowed_packet` default is 16 MiB on MariaDB, 64 MiB on TiDB; 1 MiB is far under both).
const SMALL_STATEMENT: usize = 1 << 20;

/// Refuses, before anything is sent, a statement with more parameters than the backend takes or more
/// bytes than the server's packet limit (a server answers that by closing the connection).
async fn check_statement(db: &Db, sql: &str, args: &[Arg]) -> Result<()> {
    let limit = db.dialect.max_params;
    if args.len() > limit {
        return Err(Error::TooLarge {
            what: "bound values (a filter's `is_in` / `not_in` lists count one each)",
            size: args.len() as u64,
            limit: limit as u64,
            advice: "split the list over several calls",
        });
    }
    let size = statement_size(sql, args);
    if size < SMALL_STATEMENT {
        return Ok(());
    }
    let limit = db.packet_limit().await?;
    if size as u64 > limit {
        return Err(Error::TooLarge {
            what: "bytes in one statement",
            size: size as u64,
            limit,
            advice: "store less in one value, or raise the server's max_allowed_packet",
        });
    }
    Ok(())
}

/// Runs a statement that returns no rows.
pub(crate) async fn execute(db: &Db, sql: String, args: Vec<Arg>) -> Result<Done> {
    check_statement(db, &sql, &args).await?;
    match db.pool.clone() {
        Pool::MySql(pool) => {
            detached(async move { Ok(mysql_query(sql, args).execute(&pool).await?.into()) }).await
        }
        Pool::Sqlite(pool) => {
            detached(async move { Ok(sqlite_query(sql, args).execute(&pool).await?.into()) }).await
        }
    }
}

/// Fetched rows of either driver.
pub(crate) enum Rows {
    MySql(Vec<MySqlRow>),
    Sqlite(Vec<SqliteRow>),
}

impl Rows {
    pub(crate) fn len(&self) -> usize {
        match self {
            Rows::MySql(rows) => rows.len(),
            Rows::Sqlite(rows) => rows.len(),
        }
    }

    /// Every row as one line, its columns as text joined by tabs (for `EXPLAIN` output).
    pub(crate) fn lines(&self) -> Vec<String> {
        (0..self.len())
            .map(|row| {
                let width = match self {
                    Rows::MySql(rows) => sqlx::Row::len(&rows[row]),
                    Rows::Sqlite(rows) => sqlx::Row::len(&rows[row]),
                };
                (0..width)
                    .map(|column| self.cell(row, column).text())
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect()
    }

    pub(crate) fn cell(&self, row: usize, column: usize) -> Cell<'_> {
        match self {
            Rows::MySql(rows) => Cell::MySql(&rows[row], column),
            Rows::Sqlite(rows) => Cell::Sqlite(&rows[row], column),
        }
    }
}

/// Runs a query and returns all its rows.
pub(crate) async fn fetch_all(db: &Db, sql: String, args: Vec<Arg>) -> Result<Rows> {
    check_statement(db, &sql, &args).await?;
    match db.pool.clone() {
        Pool::MySql(pool) => {
            detached(async move { Ok(Rows::MySql(mysql_query(sql, args).fetch_all(&pool).await?)) })
                .await
        }
        Pool::Sqlite(pool) => {
            detached(async move {
                Ok(Rows::Sqlite(
                    sqlite_query(sql, args).fetch_all(&pool).await?,
                ))
            })
            .await
        }
    }
}

/// A transaction on either driver.
///
/// Cancel-safe like [`detached`]: each statement runs on a task of its own, which hands the transaction
/// back when it is done. When the caller is gone by then, that task rolls the transaction back itself and
/// the connection returns to the pool clean. Dropped between statements, it rolls back as sqlx's
/// transactions do.
pub(crate) enum Tx {
    MySql(Transaction<'static, MySql>),
    Sqlite(Transaction<'static, Sqlite>),
}

impl Tx {
    pub(crate) async fn begin(db: &Db) -> Result<Tx> {
        match db.pool.clone() {
            Pool::MySql(pool) => detached(async move { Ok(Tx::MySql(pool.begin().await?)) }).await,
            Pool::Sqlite(pool) => {
                detached(async move { Ok(Tx::Sqlite(pool.begin().await?)) }).await
            }
        }
    }

    /// Runs a statement in the transaction; `self` is consumed and handed back with the outcome.
    pub(crate) async fn execute(self, sql: String, args: Vec<Arg>) -> (Option<Tx>, Result<Done>) {
        let (send, receive) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut tx = self;
            let done = match &mut tx {
                Tx::MySql(tx) => mysql_query(sql, args)
                    .execute(&mut **tx)
                    .await
                    .map(Done::from),
                Tx::Sqlite(tx) => sqlite_query(sql, args)
                    .execute(&mut **tx)
                    .await
                    .map(Done::from),
            };
            if let Err((tx, _)) = send.send((tx, done)) {
                // The caller was dropped while the statement ran.
                tx.rollback().await;
            }
        });
        match receive.await {
            Ok((tx, done)) => (Some(tx), done.map_err(Error::from)),
            // The task panicked (or the runtime is shutting down): the transaction went with it.
            Err(_) => (None, Err(Error::Database(sqlx::Error::PoolClosed))),
        }
    }

    pub(crate) async fn commit(self) -> Result<()> {
        detached(async move {
            match self {
                Tx::MySql(tx) => tx.commit().await?,
                Tx::Sqlite(tx) => tx.commit().await?,
            }
            Ok(())
        })
        .await
    }

    async fn rollback(self) {
        let _ = match self {
            Tx::MySql(tx) => tx.rollback().await,
            Tx::Sqlite(tx) => tx.rollback().await,
        };
    }
}

/// Reads one fetched row into a model, field by field, in schema order. Used by the derive's generated
/// code; not meant to be called directly.
pub struct RowReader<'r> {
    rows: &'r Rows,
    row: usize,
    next: usize,
    columns: &'static [Column],
    wire: VectorWire,
}

impl<'r> RowReader<'r> {
    /// A reader positioned at the first field of row `row` (past a hidden key).
    pub(crate) fn new(rows: &'r Rows, row: usize, schema: &Schema, dialect: &Dialect) -> Self {
        RowReader {
            rows,
            row,
            next: usize::from(schema.hidden_key),
            columns: schema.columns,
            wire: dialect.vector_wire,
        }
    }

    fn advance(&mut self) -> Result<(Cell<'r>, &'static Column)> {
        let column = self.columns.get(self.next).ok_or_else(|| Error::Decode {
            column: "?",
            reason: "the model read more fields than the schema has columns".into(),
        })?;
        let cell = self.rows.cell(self.row, self.next);
        self.next += 1;
        Ok((cell, column))
    }

    /// Reads the next field, a scalar.
    pub fn scalar<T: ColumnType>(&mut self) -> Result<T> {
        let (cell, column) = self.advance()?;
        T::decode(cell).map_err(|reason| Error::Decode {
            column: column.name,
            reason,
        })
    }

    /// Reads the next field, a vector.
    pub fn vector<T: VectorColumn>(&mut self) -> Result<T> {
        let (cell, column) = self.advance()?;
        let values = read_vector(cell, self.wire, column)?;
        T::from_floats(values).map_err(|reason| Error::Decode {
            column: column.name,
            reason,
        })
    }
}

/// Reads a vector cell as the dialect sends it, checking it against the column's dimensions.
fn read_vector(
    cell: Cell<'_>,
    wire: VectorWire,
    column: &'static Column,
) -> Result<Option<Vec<f32>>> {
    let decode_error = |reason: String| Error::Decode {
        column: column.name,
        reason,
    };
    if cell.is_null()? {
        return Ok(None);
    }
    let values = match wire {
        VectorWire::Text => {
            let text: String = cell.get().map_err(|e| decode_error(e.to_string()))?;
            vector::parse_text(&text).map_err(|e| decode_error(e.to_string()))?
        }
        VectorWire::Bytes => {
            let bytes: Vec<u8> = cell.get().map_err(|e| decode_error(e.to_string()))?;
            vector::decode_bytes(&bytes).ok_or_else(|| {
                decode_error(format!(
                    "{} bytes is not a whole number of f32 values",
                    bytes.len()
                ))
            })?
        }
    };
    if let ColumnKind::Vector { dimensions } = column.kind
        && values.len() != dimensions
    {
        return Err(decode_error(format!(
            "the vector has {} dimensions, the column {dimensions}",
            values.len()
        )));
    }
    Ok(Some(values))
}
