//! Between models and the driver: values checked and encoded into bind arguments the way the dialect wants
//! them, one binder for every statement parameter, and rows read back into models.

use crate::dialect::{Dialect, Param, Statement, VectorWire};
use crate::driver::{Arg, Args, Rows};
use crate::error::{Error, Result};
use crate::schema::{Column, ColumnKind, Schema};
use crate::value::{Cell, ColumnType, Value, ValueRef, VectorColumn};
use crate::vector::{self, validate};

/// What a statement's parameters take their values from; a statement uses what it names (see [`Param`]).
#[derive(Default)]
pub(crate) struct Binds<'a> {
    /// The insert columns, and the model's values for them in that order (record statements).
    pub(crate) columns: &'a [Column],
    pub(crate) record: &'a [ValueRef<'a>],
    /// The key's column and the keys' values: one for a row's statement ([`Param::Key`]), several for
    /// reading rows by key ([`Param::KeyAt`]).
    pub(crate) keys: Option<(&'a Column, &'a [ValueRef<'a>])>,
    /// The query vector, validated (searches).
    pub(crate) query: &'a [f32],
    /// The query's text instead, for the server to embed (searches of a server-embedded vector).
    pub(crate) query_text: Option<&'a str>,
    /// The distance bounds (searches).
    pub(crate) max_distance: Option<f64>,
    pub(crate) min_distance: Option<f64>,
}

/// The arguments of `statement`, one per parameter, in order, added to `args`: every kind of [`Param`] is
/// bound here, each value copied once, into the driver's buffer.
pub(crate) fn bind(
    dialect: &Dialect,
    statement: &Statement,
    binds: &Binds<'_>,
    args: &mut Args,
) -> Result<()> {
    let missing = |what: &str| {
        Error::InvalidArgument(format!("the statement needs {what}, and none was given"))
    };
    let mut scratch = Scratch::default();
    for param in &statement.params {
        let arg = match param {
            Param::Field(i) => {
                let (Some(column), Some(value)) = (binds.columns.get(*i), binds.record.get(*i))
                else {
                    return Err(missing("a column's value"));
                };
                encode_value(dialect, column, *value, &mut scratch)?
            }
            Param::Key | Param::KeyAt(_) => {
                let i = match param {
                    Param::KeyAt(i) => *i,
                    _ => 0,
                };
                let Some((column, value)) = binds
                    .keys
                    .and_then(|(column, keys)| Some((column, keys.get(i)?)))
                else {
                    return Err(missing("a key"));
                };
                encode_value(dialect, column, *value, &mut scratch)?
            }
            Param::Value(value) => value_arg(dialect, "the statement", value)?,
            Param::Filter { column, value } => filter_arg(dialect, column, value)?,
            Param::JsonPath { column, path } => {
                crate::filter::check_json_path(path).map_err(|reason| {
                    Error::InvalidArgument(format!(
                        "a filter on the JSON column `{column}` names the path {path:?}, which this library does not accept: {reason}; write `$.key`, `$.key.sub`, `$.list[0]` or `$.\"any key\"`"
                    ))
                })?;
                Arg::Text(path)
            }
            Param::Query => match binds.query_text {
                Some(text) => Arg::Text(text),
                None => vector_arg(dialect, binds.query, &mut scratch),
            },
            Param::MaxDistance => Arg::F64(binds.max_distance.unwrap_or(f64::INFINITY)),
            Param::MinDistance => Arg::F64(binds.min_distance.unwrap_or(0.0)),
        };
        args.add(arg)?;
    }
    Ok(())
}

/// A vector as the dialect binds it (validate it first): on MariaDB and SQLite its bytes, which in memory
/// an f32 slice already is (little-endian hosts), so nothing is copied before the driver's buffer; on TiDB
/// its text, written into `scratch`.
fn vector_arg<'a>(dialect: &Dialect, values: &'a [f32], scratch: &'a mut Scratch) -> Arg<'a> {
    match dialect.vector_wire {
        VectorWire::Text => {
            scratch.text.clear();
            vector::encode_text_into(values, &mut scratch.text);
            Arg::Text(&scratch.text)
        }
        VectorWire::Bytes if cfg!(target_endian = "little") => {
            Arg::Bytes(bytemuck::cast_slice::<f32, u8>(values))
        }
        VectorWire::Bytes => {
            scratch.bytes.clear();
            scratch
                .bytes
                .extend(values.iter().flat_map(|v| v.to_le_bytes()));
            Arg::Bytes(&scratch.bytes)
        }
    }
}

/// A filter's or the statement's own value as a bind parameter, borrowing it.
fn value_arg<'a>(dialect: &Dialect, column: &'static str, value: &'a Value) -> Result<Arg<'a>> {
    Ok(match value {
        Value::Null => Arg::Null,
        Value::Bool(b) => Arg::Bool(*b),
        Value::Int(i) => Arg::Int(*i),
        Value::UInt(u) => unsigned(dialect, column, *u)?,
        Value::F32(f) => Arg::F32(finite(column, *f)?),
        Value::F64(f) => Arg::F64(finite(column, *f)?),
        Value::Text(s) => Arg::Text(s),
        Value::Bytes(b) => Arg::Bytes(b),
        #[cfg(feature = "chrono")]
        Value::Timestamp(t) => Arg::Timestamp(timestamp(column, *t)?),
        #[cfg(feature = "chrono")]
        Value::Date(d) => Arg::Date(date(column, *d)?),
    })
}

/// A filter's comparison value, checked as a stored value is (what no column can hold matches nothing on
/// one backend and is refused by another), with a filter's advice for NaN and infinities.
fn filter_arg<'a>(dialect: &Dialect, column: &'static str, value: &'a Value) -> Result<Arg<'a>> {
    let non_finite = match value {
        Value::F32(f) => (!f.is_finite()).then(|| f.to_string()),
        Value::F64(f) => (!f.is_finite()).then(|| f.to_string()),
        _ => None,
    };
    if let Some(value) = non_finite {
        return Err(Error::InvalidArgument(format!(
            "a filter on `{column}` compares with {value}: a comparison value must be a finite number (no row holds NaN or an infinity; to find rows without a value, use `is_null()`)"
        )));
    }
    value_arg(dialect, column, value)
}

/// An unsigned integer, as the backend stores it: SQLite's integers are signed, so it takes those up to
/// `i64::MAX` (as signed) and refuses larger ones.
fn unsigned(dialect: &Dialect, column: &'static str, value: u64) -> Result<Arg<'static>> {
    if value > dialect.max_integer {
        return Err(Error::Encode {
            column,
            reason: format!(
                "{value} is above {}'s largest integer, {}",
                dialect.backend, dialect.max_integer
            ),
        });
    }
    Ok(match i64::try_from(value) {
        Ok(signed) if dialect.max_integer <= i64::MAX as u64 => Arg::Int(signed),
        _ => Arg::UInt(value),
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

/// Checks and encodes one row's values (in `field_columns` order) onto `out`.
pub(crate) fn encode_row(
    dialect: &Dialect,
    columns: &[Column],
    values: &[ValueRef<'_>],
    out: &mut Args,
) -> Result<()> {
    let mut scratch = Scratch::default();
    for (column, value) in columns.iter().zip(values) {
        // The server computes it; the statement has no place for it.
        if !column.is_generated() {
            out.add(encode_value(dialect, column, *value, &mut scratch)?)?;
        }
    }
    Ok(())
}

/// Room for what a value has to be turned into before it is bound (a vector's text or bytes, a UUID's or
/// JSON's text), reused from row to row.
#[derive(Default)]
pub(crate) struct Scratch {
    text: String,
    bytes: Vec<u8>,
}

/// Checks one value for its column and says how it is bound, borrowing the value or what it was turned
/// into in `scratch`.
pub(crate) fn encode_value<'a>(
    dialect: &Dialect,
    column: &Column,
    value: ValueRef<'a>,
    scratch: &'a mut Scratch,
) -> Result<Arg<'a>> {
    #[cfg(any(feature = "uuid", feature = "json"))]
    use std::fmt::Write as _;
    Ok(match (value, column.kind) {
        (ValueRef::Vector(values), ColumnKind::Vector { dimensions }) => {
            validate(values, Some(dimensions))?;
            vector_arg(dialect, values, scratch)
        }
        (ValueRef::Null, _) => Arg::Null,
        (ValueRef::Bool(b), _) => Arg::Bool(b),
        (ValueRef::Int(i), _) => Arg::Int(i),
        (ValueRef::UInt(u), _) => unsigned(dialect, column.name, u)?,
        (ValueRef::F32(f), _) => Arg::F32(finite(column.name, f)?),
        (ValueRef::F64(f), _) => Arg::F64(finite(column.name, f)?),
        (ValueRef::Text(s), _) => {
            // `max_length` holds on every backend (SQLite's TEXT has no length of its own).
            if let Some(max) = column.max_length
                && s.chars().count() > max as usize
            {
                return Err(Error::Encode {
                    column: column.name,
                    reason: format!(
                        "{} characters, above the column's max_length of {max}; shorten it or raise max_length (and migrate the column)",
                        s.chars().count()
                    ),
                });
            }
            Arg::Text(s)
        }
        (ValueRef::Bytes(b), _) => Arg::Bytes(b),
        #[cfg(feature = "uuid")]
        (ValueRef::Uuid(u), _) => {
            scratch.text.clear();
            let _ = write!(scratch.text, "{}", u.hyphenated());
            Arg::Text(&scratch.text)
        }
        #[cfg(feature = "chrono")]
        (ValueRef::Timestamp(t), _) => Arg::Timestamp(timestamp(column.name, t)?),
        #[cfg(feature = "chrono")]
        (ValueRef::Date(d), _) => Arg::Date(date(column.name, d)?),
        #[cfg(feature = "json")]
        (ValueRef::Json(value), _) => {
            json(column.name, value)?;
            scratch.text.clear();
            let _ = write!(scratch.text, "{value}");
            Arg::Text(&scratch.text)
        }
        (ValueRef::Vector(_), ColumnKind::Scalar(_)) => {
            return Err(Error::Encode {
                column: column.name,
                reason: "a vector value for a scalar column".into(),
            });
        }
    })
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

/// A timestamp every backend stores and reads back as given: years 1 to 9999 (the range of TiDB's and
/// MariaDB's `DATETIME`; MariaDB stores a zero date for a year past it, and SQLite's text would not read
/// back), no leap second (`23:59:60`, which neither server stores), and no part finer than a microsecond
/// (`DATETIME(6)` keeps six digits: a finer part is refused rather than rounded differently by each
/// backend).
#[cfg(feature = "chrono")]
pub(crate) fn timestamp(
    column: &'static str,
    time: chrono::NaiveDateTime,
) -> Result<chrono::NaiveDateTime> {
    use chrono::Timelike as _;
    let refuse = |reason: String| Err(Error::Encode { column, reason });
    date(column, time.date())?;
    if time.nanosecond() >= 1_000_000_000 {
        return refuse(format!(
            "{time} is a leap second, which TiDB and MariaDB do not store; use the second before or after it"
        ));
    }
    if !time.nanosecond().is_multiple_of(1_000) {
        return refuse(format!(
            "{time} has a part finer than a microsecond, which TiDB and MariaDB do not keep; round it first (chrono's `SubsecRound::trunc_subsecs(6)`)"
        ));
    }
    Ok(time)
}

/// A date every backend stores and reads back as given: years 1 to 9999 (see [`timestamp`]).
#[cfg(feature = "chrono")]
pub(crate) fn date(column: &'static str, date: chrono::NaiveDate) -> Result<chrono::NaiveDate> {
    use chrono::Datelike as _;
    if !(1..=9999).contains(&date.year()) {
        return Err(Error::Encode {
            column,
            reason: format!(
                "{date} is outside the years 1 to 9999 that TiDB's and MariaDB's DATETIME and DATE hold"
            ),
        });
    }
    Ok(date)
}

/// The most arrays and objects nested in one another that a JSON value may have: MariaDB refuses a
/// document of 32 (its `JSON_VALID` depth limit; TiDB's is 100), and serde_json reads back at most 128.
#[cfg(feature = "json")]
pub(crate) const MAX_JSON_NESTING: usize = 31;

/// A JSON value nested no deeper than [`MAX_JSON_NESTING`] (counted with a stack of its own, not by
/// recursion).
#[cfg(feature = "json")]
fn json(column: &'static str, value: &serde_json::Value) -> Result<()> {
    use serde_json::Value as Json;
    let mut pending: Vec<(&Json, usize)> = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Json>> = match value {
            Json::Array(items) => Box::new(items.iter()),
            Json::Object(members) => Box::new(members.values()),
            _ => continue,
        };
        if depth + 1 > MAX_JSON_NESTING {
            return Err(Error::Encode {
                column,
                reason: format!(
                    "the JSON value nests arrays and objects more than {MAX_JSON_NESTING} deep, which MariaDB refuses and serde_json may not read back; flatten it"
                ),
            });
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}
