//! SQL dialects: how each backend spells types, vectors and distances, and the statements rendered from a
//! model's [`Schema`].
//!
//! A dialect is data plus a few render functions ([`tidb`], [`mariadb`], [`sqlite`]); everything else here
//! is shared. Identifiers come from the model (checked by the derive) and are always quoted; values are
//! always `?` parameters. `LIMIT` counts are written as integer literals: they are `usize` values from the
//! caller's code, so they cannot carry SQL, and TiDB's vector-index planning is documented and tested only
//! for literal `ORDER BY ... LIMIT k` shapes.

use std::fmt::{self, Write as _};

use crate::error::{Error, Result};
use crate::schema::{Column, ColumnKind, Metric, ScalarType, Schema};

pub mod mariadb;
pub mod sqlite;
pub mod tidb;

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

/// How vectors travel between this crate and the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VectorWire {
    /// As text, `[1,2.5]` (TiDB).
    Text,
    /// As little-endian `f32` bytes (MariaDB, sqlite-vec).
    Bytes,
}

/// What a `?` in a rendered statement is bound to, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// The query vector.
    Query,
    /// The distance threshold.
    MaxDistance,
}

/// A rendered statement and the meaning of its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// How a vector value is written where a `?` stands, e.g. `VEC_FROM_TEXT(?)`.
    vector_param: &'static str,
    /// How a vector column is read, e.g. `VEC_AS_TEXT(col)`.
    vector_read: fn(quoted_column: &str) -> String,
    /// The distance between a column and a vector expression; `None` when the backend cannot compute it.
    distance: fn(Metric, quoted_column: &str, vector: &str, dimensions: usize) -> Option<String>,
    /// The vector index clause inside `CREATE TABLE`.
    index_clause: fn(&Schema, &Dialect, Metric) -> Option<String>,
    /// Whether a threshold search keeps the nearest-k query index-eligible by filtering in an outer query.
    threshold_in_outer_query: bool,
}

/// The alias of the distance in every search's select list. The derive reserves it as a column name.
pub const DISTANCE_ALIAS: &str = "_distance";

impl Dialect {
    /// The dialect for a backend.
    pub fn of(backend: Backend) -> &'static Dialect {
        match backend {
            Backend::TiDb => &tidb::DIALECT,
            Backend::MariaDb => &mariadb::DIALECT,
            Backend::Sqlite => &sqlite::DIALECT,
        }
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

    /// `CREATE TABLE IF NOT EXISTS ...` for the model, with its vector index when the schema asks for one
    /// and the backend can build it inside `CREATE TABLE`.
    pub fn create_table(&self, schema: &Schema) -> String {
        let mut defs: Vec<String> = schema
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| self.column_definition(column, i == schema.key))
            .collect();
        if let Some(metric) = schema.index {
            defs.extend((self.index_clause)(schema, self, metric));
        }
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({})",
            self.quote(schema.table),
            defs.join(", ")
        )
    }

    fn column_definition(&self, column: &Column, is_key: bool) -> String {
        let name = self.quote(column.name);
        let null = if column.nullable { "NULL" } else { "NOT NULL" };
        match column.kind {
            ColumnKind::Scalar(scalar) if is_key => (self.auto_key)(&name, scalar),
            ColumnKind::Scalar(scalar) => format!("{name} {} {null}", (self.scalar_type)(scalar)),
            ColumnKind::Vector { dimensions } => {
                format!("{name} {} {null}", (self.vector_type)(&name, dimensions))
            }
        }
    }

    /// `DROP TABLE IF EXISTS ...`.
    pub fn drop_table(&self, schema: &Schema) -> String {
        format!("DROP TABLE IF EXISTS {}", self.quote(schema.table))
    }

    /// A multi-row `INSERT` of `rows` rows, binding every insert column of each row in order.
    pub fn insert(&self, schema: &Schema, rows: usize) -> String {
        let columns = schema.insert_columns();
        let names: Vec<String> = columns.iter().map(|c| self.quote(c.name)).collect();
        let row: Vec<&str> = columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Vector { .. } => self.vector_param,
                ColumnKind::Scalar(_) => "?",
            })
            .collect();
        let row = format!("({})", row.join(", "));
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.quote(schema.table),
            names.join(", ")
        );
        sql.reserve(rows * (row.len() + 2));
        for i in 0..rows {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&row);
        }
        sql
    }

    /// The select list of a search: every column in schema order (vectors read as the dialect reads them),
    /// then the distance as [`DISTANCE_ALIAS`].
    fn select_list(&self, schema: &Schema, distance: &str) -> String {
        let mut list = String::new();
        for column in schema.columns {
            let name = self.quote(column.name);
            match column.kind {
                ColumnKind::Vector { .. } => {
                    let _ = write!(list, "{} AS {name}, ", (self.vector_read)(&name));
                }
                ColumnKind::Scalar(_) => {
                    let _ = write!(list, "{name}, ");
                }
            }
        }
        let _ = write!(list, "{distance} AS {}", self.quote(DISTANCE_ALIAS));
        list
    }

    fn distance_expression(&self, schema: &Schema, metric: Metric) -> Result<String> {
        let column = self.quote(schema.vector_column().name);
        (self.distance)(metric, &column, self.vector_param, schema.dimensions()).ok_or_else(|| {
            Error::Unsupported {
                backend: self.backend,
                what: format!("the {metric} distance"),
            }
        })
    }

    /// The k-nearest query: `SELECT ..., <distance> AS _distance FROM t ORDER BY _distance LIMIT k`.
    ///
    /// On TiDB this is exactly the shape the vector index serves: one ascending distance between the
    /// column and a constant, directly over the table, with no `WHERE`.
    pub fn nearest(&self, schema: &Schema, metric: Metric, limit: usize) -> Result<Statement> {
        let distance = self.distance_expression(schema, metric)?;
        Ok(Statement {
            sql: format!(
                "SELECT {} FROM {} ORDER BY {} LIMIT {limit}",
                self.select_list(schema, &distance),
                self.quote(schema.table),
                self.quote(DISTANCE_ALIAS),
            ),
            params: vec![Param::Query],
        })
    }

    /// Rows whose distance is below a threshold, nearest first, at most `limit` of them.
    ///
    /// TiDB ignores its vector index as soon as a query has a `WHERE` or `HAVING`, so there the threshold is
    /// applied in an outer query over the index-eligible nearest-`candidates` subquery (the pattern TiDB's
    /// docs and pytidb use): fast, but it only sees the nearest `candidates` rows. Elsewhere the threshold is
    /// a plain `WHERE`.
    pub fn within(
        &self,
        schema: &Schema,
        metric: Metric,
        limit: usize,
        candidates: usize,
    ) -> Result<Statement> {
        let distance = self.distance_expression(schema, metric)?;
        let alias = self.quote(DISTANCE_ALIAS);
        let table = self.quote(schema.table);
        let list = self.select_list(schema, &distance);
        Ok(if self.threshold_in_outer_query {
            Statement {
                sql: format!(
                    "SELECT * FROM (SELECT {list} FROM {table} ORDER BY {alias} LIMIT {candidates}) AS {} \
                     WHERE {alias} < ? ORDER BY {alias} LIMIT {limit}",
                    self.quote("_candidates")
                ),
                params: vec![Param::Query, Param::MaxDistance],
            }
        } else {
            Statement {
                sql: format!(
                    "SELECT {list} FROM {table} WHERE {distance} < ? ORDER BY {alias} LIMIT {limit}"
                ),
                params: vec![Param::Query, Param::Query, Param::MaxDistance],
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(Dialect::of(Backend::TiDb).quote("a`b"), "`a``b`");
        assert_eq!(Dialect::of(Backend::Sqlite).quote("a\"b"), "\"a\"\"b\"");
    }
}
