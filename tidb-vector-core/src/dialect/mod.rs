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
use crate::filter::{FilterNode, SqlValue};
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
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Param {
    /// The query vector.
    Query,
    /// The upper distance bound (exclusive).
    MaxDistance,
    /// The lower distance bound (inclusive).
    MinDistance,
    /// A filter's or a record statement's value.
    Value(SqlValue),
    /// The model's value of insert column `n` (record statements).
    Column(usize),
    /// The key (record statements).
    Key,
}

/// A rendered statement and the meaning of its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// What each `?` is, in order.
    pub params: Vec<Param>,
}

/// Everything a search statement depends on; built by [`Search`](crate::Search).
#[derive(Clone, Debug)]
pub struct SearchPlan<'a> {
    /// The distance to rank by.
    pub metric: Metric,
    /// The most rows to return.
    pub limit: usize,
    /// Keep rows whose distance is below this.
    pub max_distance: Option<f64>,
    /// Keep rows whose distance is at least this.
    pub min_distance: Option<f64>,
    /// Keep rows matching this.
    pub filter: Option<&'a FilterNode>,
    /// Scan every row (exact) rather than use a shape an approximate vector index can serve.
    pub exact: bool,
    /// On TiDB, how many nearest rows the index-eligible inner query fetches before filtering.
    pub candidates: usize,
    /// On TiDB, the `READ_FROM_STORAGE(TIFLASH[t])` hint.
    pub read_from_tiflash: bool,
    /// On TiDB, the `IGNORE_PLAN_CACHE()` hint.
    pub ignore_plan_cache: bool,
    /// Write the (validated) vector and distance bounds into the SQL instead of binding them.
    pub literal: Option<&'a [f32]>,
    /// Select only the key, these scalar columns and the distance (`Some(&[])`: the key alone); `None`
    /// selects every column.
    pub columns: Option<&'a [&'a str]>,
    /// On MariaDB, how many candidates the vector index search keeps (`mhnsw_ef_search`, 1 to 10000).
    pub ef_search: Option<usize>,
    /// Room for rows without a distance (a NULL vector, a zero vector under cosine): this many more rows
    /// are fetched (and, on TiDB, candidates considered), so that such rows, which sort first, do not take
    /// the places of rows with a distance. The search counts them and runs again with more room when
    /// there were more (see [`Search`](crate::Search)).
    pub reserve: usize,
}

impl SearchPlan<'_> {
    /// A plain nearest-`limit` plan.
    pub fn nearest(metric: Metric, limit: usize) -> Self {
        SearchPlan {
            metric,
            limit,
            max_distance: None,
            min_distance: None,
            filter: None,
            exact: false,
            candidates: limit,
            read_from_tiflash: false,
            ignore_plan_cache: false,
            literal: None,
            columns: None,
            ef_search: None,
            reserve: 0,
        }
    }
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
    /// The `ef_search` of an index search that names none (MariaDB).
    pub(crate) default_ef_search: Option<usize>,
}

/// Which columns a select list carries.
#[derive(Clone, Copy)]
enum Only<'a> {
    All,
    /// The key, then these columns in this order.
    Key(&'a [&'a str]),
    Scalars,
}

/// `ON DUPLICATE KEY UPDATE c = VALUES(c), ...`: TiDB's and MariaDB's upsert.
pub(crate) fn on_duplicate_key_update(dialect: &Dialect, key: &str, columns: &[&str]) -> String {
    let sets: Vec<String> = if columns.is_empty() {
        vec![format!("{0} = {0}", dialect.quote(key))]
    } else {
        columns
            .iter()
            .map(|c| format!("{0} = VALUES({0})", dialect.quote(c)))
            .collect()
    };
    format!("ON DUPLICATE KEY UPDATE {}", sets.join(", "))
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
    /// or only the key, then the distance as [`DISTANCE_ALIAS`].
    fn select_list(&self, schema: &Schema, distance: Option<&str>, only: Only<'_>) -> String {
        let mut items = Vec::with_capacity(schema.columns.len() + 1);
        let mut chosen: Vec<&Column> = Vec::new();
        match only {
            Only::All => chosen.extend(schema.columns),
            Only::Scalars => chosen.extend(
                schema
                    .columns
                    .iter()
                    .filter(|c| matches!(c.kind, ColumnKind::Scalar(_))),
            ),
            Only::Key(names) => {
                chosen.push(schema.key_column());
                chosen.extend(
                    names
                        .iter()
                        .filter_map(|n| schema.columns.iter().find(|c| c.name == *n)),
                );
            }
        }
        for column in chosen {
            let name = self.quote(column.name);
            items.push(match column.kind {
                ColumnKind::Vector { .. } => format!("{} AS {name}", (self.vector_read)(&name)),
                ColumnKind::Scalar(_) => name,
            });
        }
        if let Some(distance) = distance {
            items.push(format!("{distance} AS {}", self.quote(DISTANCE_ALIAS)));
        }
        items.join(", ")
    }

    /// How a validated vector is written inline (literal mode): only digits, signs, `.`, `e`, `,` and
    /// brackets from this crate's codec, or hex digits, so it cannot carry SQL.
    pub fn vector_literal(&self, values: &[f32]) -> String {
        (self.vector_literal)(values)
    }

    /// A search statement: nearest-k, with optional distance bounds and filters.
    ///
    /// - Nearest-k with no bounds or filters: `SELECT ..., <distance> AS _distance FROM t ORDER BY _distance
    ///   LIMIT k`. On TiDB this is exactly the shape the vector index serves: one ascending distance between
    ///   the column and a constant, directly over the table, no `WHERE`.
    /// - With bounds or filters on TiDB (unless `exact`): the same query fetches the nearest `candidates`
    ///   rows, and an outer query applies the bounds and filters (TiDB ignores its vector index as soon as
    ///   a query has a `WHERE`). Rows beyond the candidates are not seen.
    /// - Otherwise (MariaDB and SQLite, or `exact`): the bounds and filters are a `WHERE`, which also drops
    ///   rows with no distance. On TiDB a `WHERE` means a full scan, so results are exact; on MariaDB an
    ///   exact search also names the vector index in `IGNORE INDEX`.
    pub fn search(&self, schema: &Schema, plan: &SearchPlan<'_>) -> Result<Statement> {
        let literal_bound = |bound: f64| format!("{bound:?}");
        let vector = match plan.literal {
            Some(values) => self.vector_literal(values),
            None => self.vector_param.to_owned(),
        };
        let column = self.quote(schema.vector_column().name);
        let distance = (self.distance)(plan.metric, &column, &vector, schema.dimensions())
            .ok_or_else(|| Error::Unsupported {
                backend: self.backend,
                what: format!("the {} distance", plan.metric),
            })?;
        let query_param = || plan.literal.is_none().then_some(Param::Query);
        let alias = self.quote(DISTANCE_ALIAS);
        let table = self.quote(schema.table);
        let only = match plan.columns {
            Some(names) => Only::Key(names),
            None => Only::All,
        };
        let list = self.select_list(schema, Some(&distance), only);
        let hint = self.hint(schema, plan);
        let prefix = match (plan.ef_search, self.ef_search_prefix) {
            (Some(ef), Some(prefix)) => prefix(ef),
            _ => String::new(),
        };
        let limit = plan.limit.saturating_add(plan.reserve).min(MAX_LIMIT);

        let mut params: Vec<Param> = query_param().into_iter().collect();
        let unfiltered =
            plan.filter.is_none() && plan.max_distance.is_none() && plan.min_distance.is_none();
        if unfiltered && !(plan.exact && self.backend != Backend::Sqlite) {
            return Ok(Statement {
                sql: format!(
                    "{prefix}SELECT {hint}{list} FROM {table} ORDER BY {alias} LIMIT {limit}"
                ),
                params,
            });
        }

        // The conditions, on `subject` (the alias in an outer query, the expression in a WHERE).
        let mut conditions = Vec::new();
        let mut condition_params = Vec::new();
        let outer = self.filter_in_outer_query && !plan.exact;
        let subject = if outer {
            alias.clone()
        } else {
            distance.clone()
        };
        if plan.max_distance.is_none() && plan.min_distance.is_none() && !outer {
            // A bound already leaves out rows with no distance; without one, say so. (The outer query on
            // TiDB lets them through instead, to be counted: see `SearchPlan::reserve`.)
            condition_params.extend(query_param());
            conditions.push(format!("{subject} IS NOT NULL"));
        }
        let bounds = [
            (plan.max_distance, "<", Param::MaxDistance),
            (plan.min_distance, ">=", Param::MinDistance),
        ];
        for (bound, op, param) in bounds {
            let Some(bound) = bound else { continue };
            if !outer {
                condition_params.extend(query_param());
            }
            match plan.literal {
                Some(_) => conditions.push(format!("{subject} {op} {}", literal_bound(bound))),
                None => {
                    conditions.push(format!("{subject} {op} ?"));
                    condition_params.push(param);
                }
            }
        }
        if let Some(filter) = plan.filter {
            let mut sql = String::new();
            self.render_filter(filter, &mut sql, &mut condition_params);
            conditions.push(sql);
        }
        let conditions = match conditions.as_slice() {
            // Alone (a bound, or a filter, which brings its own parentheses) it needs none under `OR`.
            [one] if outer => one.clone(),
            _ if outer => format!("({})", conditions.join(" AND ")),
            _ => conditions.join(" AND "),
        };
        params.extend(condition_params);

        let sql = if outer {
            // Some columns only: the inner query still carries every scalar column the filters may read.
            let (outer_list, inner_list) = if let Some(names) = plan.columns {
                let outer: Vec<String> = std::iter::once(schema.key_column().name)
                    .chain(names.iter().copied())
                    .map(|n| self.quote(n))
                    .chain([alias.clone()])
                    .collect();
                let inner = self.select_list(schema, Some(&distance), Only::Scalars);
                (outer.join(", "), inner)
            } else {
                ("*".to_owned(), list)
            };
            // Candidates without a distance come back too (first), so that the search can tell how many
            // of the candidates they took.
            format!(
                "{prefix}SELECT {outer_list} FROM (SELECT {hint}{inner_list} FROM {table} ORDER BY {alias} LIMIT {}) AS {} \
                 WHERE {alias} IS NULL OR {conditions} ORDER BY {alias} LIMIT {limit}",
                plan.candidates
                    .max(plan.limit)
                    .saturating_add(plan.reserve)
                    .min(MAX_LIMIT),
                self.quote("_candidates")
            )
        } else {
            let ignore = if plan.exact {
                (self.ignore_vector_index)(schema, self)
                    .map(|clause| format!(" {clause}"))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            format!(
                "{prefix}SELECT {hint}{list} FROM {table}{ignore} WHERE {conditions} ORDER BY {alias} LIMIT {limit}"
            )
        };
        Ok(Statement { sql, params })
    }

    /// TiDB optimizer hints, or nothing.
    fn hint(&self, schema: &Schema, plan: &SearchPlan<'_>) -> String {
        if self.backend != Backend::TiDb {
            return String::new();
        }
        let mut hints = Vec::new();
        if plan.read_from_tiflash {
            // Table names are ASCII letters, digits and `_` (checked by the derive): no quoting needed.
            hints.push(format!("READ_FROM_STORAGE(TIFLASH[{}])", schema.table));
        }
        if plan.ignore_plan_cache {
            hints.push("IGNORE_PLAN_CACHE()".to_owned());
        }
        if hints.is_empty() {
            String::new()
        } else {
            format!("/*+ {} */ ", hints.join(", "))
        }
    }

    /// Appends a filter as SQL, its values as parameters.
    fn render_filter(&self, node: &FilterNode, sql: &mut String, params: &mut Vec<Param>) {
        match node {
            FilterNode::Compare { column, op, value } => {
                let _ = write!(sql, "{} {} ?", self.quote(column), op.sql());
                params.push(Param::Value(value.clone()));
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
                params.extend(values.iter().cloned().map(Param::Value));
            }
            FilterNode::IsNull { column, negated } => {
                let not = if *negated { "NOT " } else { "" };
                let _ = write!(sql, "{} IS {not}NULL", self.quote(column));
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

    /// The k-nearest query with no bounds or filters (see [`Dialect::search`]).
    pub fn nearest(&self, schema: &Schema, metric: Metric, limit: usize) -> Result<Statement> {
        self.search(schema, &SearchPlan::nearest(metric, limit))
    }

    /// Rows whose distance is below a bound, nearest first (see [`Dialect::search`]).
    pub fn within(
        &self,
        schema: &Schema,
        metric: Metric,
        limit: usize,
        candidates: usize,
    ) -> Result<Statement> {
        let mut plan = SearchPlan::nearest(metric, limit);
        plan.max_distance = Some(0.0);
        plan.candidates = candidates;
        self.search(schema, &plan)
    }

    /// `SELECT <all columns> FROM t WHERE <key> = ?`.
    pub fn get(&self, schema: &Schema) -> Statement {
        Statement {
            sql: format!(
                "SELECT {} FROM {} WHERE {} = ?",
                self.select_list(schema, None, Only::All),
                self.quote(schema.table),
                self.quote(schema.key_column().name)
            ),
            params: vec![Param::Key],
        }
    }

    /// `SELECT <all columns> FROM t ORDER BY <key> LIMIT n`.
    pub fn list(&self, schema: &Schema, limit: usize) -> Statement {
        Statement {
            sql: format!(
                "SELECT {} FROM {} ORDER BY {} LIMIT {}",
                self.select_list(schema, None, Only::All),
                self.quote(schema.table),
                self.quote(schema.key_column().name),
                limit.min(MAX_LIMIT)
            ),
            params: Vec::new(),
        }
    }

    /// `UPDATE t SET <every non-key column> = ? WHERE <key> = ?`.
    pub fn update(&self, schema: &Schema) -> Statement {
        let mut params = Vec::new();
        let mut sets = Vec::new();
        for (i, column) in schema.insert_columns().iter().enumerate() {
            if column.name == schema.key_column().name {
                continue;
            }
            let value = match column.kind {
                ColumnKind::Vector { .. } => self.vector_param,
                ColumnKind::Scalar(_) => "?",
            };
            sets.push(format!("{} = {value}", self.quote(column.name)));
            params.push(Param::Column(i));
        }
        params.push(Param::Key);
        Statement {
            sql: format!(
                "UPDATE {} SET {} WHERE {} = ?",
                self.quote(schema.table),
                sets.join(", "),
                self.quote(schema.key_column().name)
            ),
            params,
        }
    }

    /// An insert of one row with its key that updates the row when the key exists.
    pub fn upsert(&self, schema: &Schema) -> Statement {
        let key = schema.key_column().name;
        let mut names = vec![self.quote(key)];
        let mut values = vec!["?"];
        let mut params = vec![Param::Key];
        let mut updated = Vec::new();
        for (i, column) in schema.insert_columns().iter().enumerate() {
            if column.name == key {
                continue;
            }
            names.push(self.quote(column.name));
            values.push(match column.kind {
                ColumnKind::Vector { .. } => self.vector_param,
                ColumnKind::Scalar(_) => "?",
            });
            params.push(Param::Column(i));
            updated.push(column.name);
        }
        let tail = (self.upsert_tail)(self, key, &updated);
        Statement {
            sql: format!(
                "INSERT INTO {} ({}) VALUES ({}) {tail}",
                self.quote(schema.table),
                names.join(", "),
                values.join(", ")
            ),
            params,
        }
    }

    /// `DELETE FROM t WHERE <key> = ?`, or `WHERE <filter>`.
    pub fn delete(&self, schema: &Schema, filter: Option<&FilterNode>) -> Statement {
        let (condition, params) = self.condition(schema, filter);
        Statement {
            sql: format!("DELETE FROM {} WHERE {condition}", self.quote(schema.table)),
            params,
        }
    }

    /// `SELECT COUNT(*) FROM t`, with an optional filter.
    pub fn count(&self, schema: &Schema, filter: Option<&FilterNode>) -> Statement {
        let table = self.quote(schema.table);
        match filter {
            None => Statement {
                sql: format!("SELECT COUNT(*) FROM {table}"),
                params: Vec::new(),
            },
            Some(filter) => {
                let mut sql = String::new();
                let mut params = Vec::new();
                self.render_filter(filter, &mut sql, &mut params);
                Statement {
                    sql: format!("SELECT COUNT(*) FROM {table} WHERE {sql}"),
                    params,
                }
            }
        }
    }

    fn condition(&self, schema: &Schema, filter: Option<&FilterNode>) -> (String, Vec<Param>) {
        match filter {
            None => (
                format!("{} = ?", self.quote(schema.key_column().name)),
                vec![Param::Key],
            ),
            Some(filter) => {
                let mut sql = String::new();
                let mut params = Vec::new();
                self.render_filter(filter, &mut sql, &mut params);
                (sql, params)
            }
        }
    }

    /// The statements that add the model's vector index to an existing table, in order; `None` when the
    /// backend has no vector index for `metric`.
    pub fn add_vector_index(&self, schema: &Schema, metric: Metric) -> Option<Vec<String>> {
        let clause = (self.index_clause)(schema, self, metric)?;
        let table = self.quote(schema.table);
        let mut statements = Vec::new();
        if self.index_needs_tiflash_replica {
            statements.push(format!("ALTER TABLE {table} SET TIFLASH REPLICA 1"));
        }
        statements.push(format!("ALTER TABLE {table} ADD {clause}"));
        Some(statements)
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
