//! SQL dialects: how each backend spells types, vectors and distances, and the statements rendered from a
//! model's [`Schema`].
//!
//! A dialect is data plus a few render functions ([`tidb`], [`mariadb`], [`sqlite`]); everything else here
//! is shared. Identifiers come from the model (checked by the derive) and are always quoted; values are
//! always `?` parameters. `LIMIT` counts are written as integer literals: they are `usize` values from the
//! caller's code, so they cannot carry SQL, and TiDB's vector-index planning is documented and tested only
//! for literal `ORDER BY ... LIMIT k` shapes.

use std::fmt::Write as _;

pub(crate) use crate::backend::Backend;
use crate::filter::{CmpOp, FilterNode};
use crate::schema::{Metric, ScalarType, Schema};
use crate::value::Value;

mod catalog;
mod ddl;
mod fulltext;
#[cfg(test)]
mod golden_tests;
pub(crate) mod mariadb;
mod mysql;
mod records;
mod search;
pub(crate) mod sqlite;
pub(crate) mod tidb;

pub(crate) use fulltext::{SCORE_ALIAS, words};
pub use fulltext::{sql_string_literal_value, tidb_text_literal};
pub(crate) use search::{SearchOptions, SearchRequest};

/// How vectors travel between this crate and the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VectorWire {
    /// As text, `[1,2.5]` (TiDB).
    Text,
    /// As little-endian `f32` bytes (MariaDB, sqlite-vec).
    Bytes,
}

/// What a `?` in a rendered statement is bound to, in order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Param {
    /// The query vector.
    Query,
    /// The upper distance bound (exclusive).
    MaxDistance,
    /// The lower distance bound (inclusive).
    MinDistance,
    /// A value the statement itself needs (a full-text query's words).
    Value(Value),
    /// A filter's comparison value, and the column it is compared with.
    Filter {
        /// The column's name.
        column: &'static str,
        /// The value.
        value: Value,
    },
    /// A JSON path into a filter's JSON column (bound as text, checked against [`JsonPath`](crate::JsonPath)'s
    /// grammar first).
    JsonPath {
        /// The JSON column's name.
        column: &'static str,
        /// The path.
        path: String,
    },
    /// The model's value of field column `n` ([`Schema::field_columns`](crate::Schema::field_columns); record statements).
    Field(usize),
    /// The key (record statements): the first of the bound keys, the same as `KeyAt(0)`.
    Key,
    /// The `n`th of several keys (reading rows by key).
    KeyAt(usize),
}

/// A rendered statement and the meaning of its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// What each `?` is, in order.
    pub params: Vec<Param>,
}

/// A backend's SQL spelling.
#[derive(Debug)]
pub struct Dialect {
    /// The backend this dialect speaks to.
    pub backend: Backend,
    /// How vectors are bound and read.
    pub vector_wire: VectorWire,
    /// The most `?` parameters one statement may have.
    pub max_params: usize,
    /// The character that quotes identifiers.
    quote: char,
    /// The SQL type of a scalar column.
    scalar_type: fn(ScalarType) -> &'static str,
    /// The SQL type of a vector column (and any check it needs), e.g. `VECTOR(3)`.
    vector_type: fn(quoted_name: &str, dimensions: usize) -> String,
    /// Column definition of an auto-increment integer primary key.
    auto_key: fn(quoted_name: &str, ScalarType) -> String,
    /// Column definition of an `AUTO_RANDOM` `BIGINT` primary key; `None` where the backend has none.
    auto_random_key: Option<fn(quoted_name: &str) -> String>,
    /// How a vector value is written where a `?` stands, e.g. `VEC_FROM_TEXT(?)`.
    vector_param: &'static str,
    /// How a vector column is read, e.g. `VEC_AS_TEXT(col)`.
    vector_read: fn(quoted_column: &str) -> String,
    /// The distance between a column and a vector expression; `None` when the backend cannot compute it.
    distance: fn(Metric, quoted_column: &str, vector: &str, dimensions: usize) -> Option<String>,
    /// The vector index clause inside `CREATE TABLE`, or after `ALTER TABLE t ADD` with `if_not_exists`
    /// (TiDB v8.5+ takes `IF NOT EXISTS` there: a second ADD of an index that exists or is being built
    /// is a note, not 1061; MariaDB's clause names no index, and its one-a-table rule refuses a second).
    index_clause: fn(&Schema, &Dialect, Metric, if_not_exists: bool) -> Option<String>,
    /// Whether a filtered search keeps the nearest-k query index-eligible by filtering in an outer query
    /// (TiDB: any `WHERE` turns its vector index off).
    filter_in_outer_query: bool,
    /// How a vector is written inline, from validated values.
    vector_literal: fn(&[f32]) -> String,
    /// The clause that keeps a query off the vector index (exact mode), e.g. MariaDB's `IGNORE INDEX`.
    ignore_vector_index: fn(&Schema, &Dialect) -> Option<String>,
    /// `INSERT ...` continued into an upsert: `ON DUPLICATE KEY UPDATE ...`.
    upsert_tail: fn(&Dialect, key: &str, columns: &[&str]) -> String,
    /// Whether adding a vector index to an existing table needs `SET TIFLASH REPLICA 1` first (TiDB
    /// self-managed does not add the replica itself, except in `CREATE TABLE`).
    index_needs_tiflash_replica: bool,
    /// What makes one statement search its vector index with a given `ef_search` (MariaDB).
    ef_search_prefix: Option<fn(usize) -> String>,
    /// The `ef_search` of an index search that names none, from the rows its statement fetches (MariaDB).
    pub(crate) default_ef_search: Option<fn(usize) -> usize>,
    /// The statement that shows a query's plan.
    pub(crate) explain: &'static str,
    /// Whether the server takes optimizer hints (`/*+ ... */`, TiDB).
    optimizer_hints: bool,
    /// Whether an exact search with no bounds or filters still takes the `WHERE` shape (TiDB: a `WHERE` is
    /// what keeps it off the vector index; MariaDB: that shape carries `IGNORE INDEX`). SQLite's searches
    /// are all exact anyway.
    exact_needs_where: bool,
    /// The largest integer a column stores: `u64::MAX` on TiDB and MariaDB, `i64::MAX` on SQLite.
    pub(crate) max_integer: u64,
    /// How the vector index is built, and where its progress is read.
    pub(crate) index_build: IndexBuild,
}

/// How a backend builds a vector index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IndexBuild {
    /// In the background, on TiFlash: progress in `INFORMATION_SCHEMA.TIFLASH_INDEXES` (TiDB).
    TiFlash,
    /// Within the statement that creates it, kept current afterwards (MariaDB).
    AtOnce,
    /// No vector index (SQLite).
    None,
}

/// `X'0000803f...'`: a vector's little-endian `f32` bytes as a hex literal.
pub(crate) fn hex_literal(values: &[f32]) -> String {
    let mut out = String::with_capacity(3 + values.len() * 8);
    out.push_str("X'");
    for byte in crate::vector::encode_bytes(values) {
        let _ = write!(out, "{byte:02x}");
    }
    out.push('\'');
    out
}

/// The largest `LIMIT` written: SQLite's integers are signed 64-bit (a larger literal is a "datatype
/// mismatch"), and no table holds more rows. A larger `limit` means "every row" on every backend.
const MAX_LIMIT: usize = i64::MAX as usize;

/// The alias of the distance in every search's select list. The derive reserves it as a column name.
pub(crate) const DISTANCE_ALIAS: &str = "_distance";

/// Name of the column that tags each row of several searches in one statement with its search's position.
pub(crate) const QUERY_ALIAS: &str = "_query";

impl Dialect {
    /// The dialect for a backend.
    pub fn of(backend: Backend) -> &'static Dialect {
        match backend {
            Backend::TiDb => &tidb::DIALECT,
            Backend::MariaDb => &mariadb::DIALECT,
            Backend::Sqlite => &sqlite::DIALECT,
        }
    }

    /// The driver that speaks to this dialect's backend: SQLite's, else MySQL's (TiDB and MariaDB). A build
    /// without one driver never meets its backend's connections.
    pub(crate) fn driver(&self) -> crate::driver::Driver {
        use crate::driver::Driver;
        match self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => Driver::Sqlite,
            #[cfg(feature = "mysql")]
            _ => Driver::MySql,
            #[cfg(not(feature = "mysql"))]
            _ => Driver::Sqlite,
        }
    }

    /// Empty arguments for this dialect's driver.
    pub(crate) fn args(&self) -> crate::driver::Args {
        crate::driver::Args::new(self.driver())
    }

    /// Quotes an identifier, doubling any quote character inside it.
    pub fn quote(&self, name: &str) -> String {
        let q = self.quote;
        let mut out = String::with_capacity(name.len() + 2);
        out.push(q);
        for c in name.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
        out
    }

    /// How a validated vector is written inline (literal mode): only digits, signs, `.`, `e`, `,` and
    /// brackets from this crate's codec, or hex digits, so it cannot carry SQL.
    pub fn vector_literal(&self, values: &[f32]) -> String {
        (self.vector_literal)(values)
    }

    /// Appends a filter as SQL, its values as parameters.
    fn render_filter(&self, node: &FilterNode, sql: &mut String, params: &mut Vec<Param>) {
        match node {
            FilterNode::Compare { column, op, value } => {
                let _ = write!(sql, "{} {} ?", self.quote(column), op.sql());
                params.push(Param::Filter {
                    column,
                    value: value.clone(),
                });
            }
            FilterNode::In {
                values, negated, ..
            } if values.is_empty() => {
                sql.push_str(if *negated { "1 = 1" } else { "1 = 0" });
            }
            FilterNode::In {
                column,
                values,
                negated,
            } => {
                let marks = vec!["?"; values.len()].join(", ");
                let not = if *negated { "NOT " } else { "" };
                let _ = write!(sql, "{} {not}IN ({marks})", self.quote(column));
                params.extend(values.iter().map(|value| Param::Filter {
                    column,
                    value: value.clone(),
                }));
            }
            FilterNode::IsNull { column, negated } => {
                let not = if *negated { "NOT " } else { "" };
                let _ = write!(sql, "{} IS {not}NULL", self.quote(column));
            }
            FilterNode::JsonCompare {
                column,
                path,
                op,
                value,
            } => self.render_json_compare(column, path, *op, value, sql, params),
            FilterNode::JsonExists { column, path } => {
                let quoted = self.quote(column);
                match self.backend {
                    // JSON_CONTAINS_PATH is NULL for a NULL column: no path there.
                    Backend::TiDb | Backend::MariaDb => {
                        let _ = write!(
                            sql,
                            "COALESCE(JSON_CONTAINS_PATH({quoted}, 'one', ?), 0) = 1"
                        );
                    }
                    // json_type is SQL NULL where the path is missing, 'null' for JSON null.
                    Backend::Sqlite => {
                        let _ = write!(sql, "json_type({quoted}, ?) IS NOT NULL");
                    }
                }
                params.push(Param::JsonPath {
                    column,
                    path: path.clone(),
                });
            }
            FilterNode::And(parts) | FilterNode::Or(parts) if parts.is_empty() => {
                sql.push_str(if matches!(node, FilterNode::And(_)) {
                    "1 = 1"
                } else {
                    "1 = 0"
                });
            }
            FilterNode::And(parts) | FilterNode::Or(parts) => {
                let joiner = if matches!(node, FilterNode::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                sql.push('(');
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(joiner);
                    }
                    self.render_filter(part, sql, params);
                }
                sql.push(')');
            }
            FilterNode::Not(inner) => {
                sql.push_str("NOT (");
                self.render_filter(inner, sql, params);
                sql.push(')');
            }
        }
    }
}

impl Dialect {
    /// A JSON path's value compared with a number, a string or a boolean: `CASE WHEN <the value's JSON type
    /// is the comparison's> THEN <the value as SQL> END <op> ?`, so that a missing path, JSON null and
    /// another type are all SQL NULL (neither the comparison nor its negation matches) on every backend.
    /// The path is bound twice (the type, the value); the type names are this crate's constants: TiDB's
    /// `JSON_TYPE` says INTEGER, UNSIGNED INTEGER, DOUBLE, STRING, BOOLEAN (pkg/types/json_binary_functions.go
    /// `Type()`), MariaDB's INTEGER, DOUBLE, STRING, BOOLEAN, SQLite's `json_type` integer, real, text, true,
    /// false. Strings compare by their bytes (`utf8mb4_bin`; SQLite's default), numbers as numbers.
    fn render_json_compare(
        &self,
        column: &'static str,
        path: &str,
        op: CmpOp,
        value: &Value,
        sql: &mut String,
        params: &mut Vec<Param>,
    ) {
        let c = self.quote(column);
        let mysql = self.backend != Backend::Sqlite;
        let (types, as_sql, value) = match value {
            Value::Bool(b) => (
                if mysql {
                    "'BOOLEAN'"
                } else {
                    "'true', 'false'"
                },
                if mysql {
                    format!("JSON_UNQUOTE(JSON_EXTRACT({c}, ?))")
                } else {
                    format!("json_type({c}, ?)")
                },
                Value::Text(if *b { "true" } else { "false" }.to_owned()),
            ),
            Value::Text(_) => (
                if mysql { "'STRING'" } else { "'text'" },
                if mysql {
                    format!("JSON_UNQUOTE(JSON_EXTRACT({c}, ?)) COLLATE utf8mb4_bin")
                } else {
                    format!("json_extract({c}, ?)")
                },
                value.clone(),
            ),
            _ => (
                if mysql {
                    "'INTEGER', 'UNSIGNED INTEGER', 'DOUBLE'"
                } else {
                    "'integer', 'real'"
                },
                if mysql {
                    format!("CAST(JSON_EXTRACT({c}, ?) AS DOUBLE)")
                } else {
                    format!("json_extract({c}, ?)")
                },
                value.clone(),
            ),
        };
        let json_type = if mysql {
            format!("JSON_TYPE(JSON_EXTRACT({c}, ?))")
        } else {
            format!("json_type({c}, ?)")
        };
        let _ = write!(
            sql,
            "CASE WHEN {json_type} IN ({types}) THEN {as_sql} END {} ?",
            op.sql()
        );
        for _ in 0..2 {
            params.push(Param::JsonPath {
                column,
                path: path.to_owned(),
            });
        }
        params.push(Param::Filter { column, value });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(Dialect::of(Backend::TiDb).quote("a`b"), "`a``b`");
        assert_eq!(Dialect::of(Backend::Sqlite).quote("a`b"), "`a``b`");
    }
}
