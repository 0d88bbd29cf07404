//! Embedded SQLite with sqlite-vec: vectors in `BLOB` columns (little-endian `f32`, dimensions enforced by a
//! `CHECK`), sqlite-vec's distance functions, and exact (scanning) searches only: the model's vector index,
//! if any, is not created here.

use super::{Backend, Dialect, VectorWire};
use crate::schema::{Metric, ScalarType};

/// SQL name of the negative inner product this crate registers on its SQLite connections (sqlite-vec has
/// none).
pub(crate) const NEGATIVE_INNER_PRODUCT: &str = "tidb_vector_negative_inner_product";

/// sqlite-vec's version: the query that tells whether the extension is loaded on a connection.
#[cfg(feature = "sqlite")]
pub(crate) const VEC_VERSION: &str = "SELECT vec_version()";

/// SQLite's dialect.
pub(crate) static DIALECT: Dialect = Dialect {
    backend: Backend::Sqlite,
    vector_wire: VectorWire::Bytes,
    // SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32.
    max_params: 32_766,
    // Grave accents, not double quotes: SQLite reads a double-quoted name that matches no column as a
    // string literal, so a filter on a column missing from the table would compare against a constant
    // (`DELETE ... WHERE "year" > 2000` deletes every row). A grave-accented name is always an identifier.
    quote: '`',
    scalar_type,
    // sqlite-vec raises an error on NULL, hence the CASE (a NULL column passes, as in SQL).
    vector_type: |name, dimensions| {
        format!(
            "BLOB CHECK (CASE WHEN {name} IS NULL THEN 1 ELSE vec_length({name}) = {dimensions} END)"
        )
    },
    auto_key: |name, _| format!("{name} INTEGER PRIMARY KEY AUTOINCREMENT"),
    auto_random_key: None,
    vector_param: "?",
    vector_read: |column| column.to_owned(),
    distance: |metric, column, vector, _| {
        let function = match metric {
            Metric::Cosine => "vec_distance_cosine",
            Metric::L2 => "vec_distance_l2",
            Metric::L1 => "vec_distance_l1",
            // sqlite-vec has no inner product; this crate registers it on its connections.
            Metric::NegativeInnerProduct => NEGATIVE_INNER_PRODUCT,
        };
        // sqlite-vec raises an error on NULL where SQL functions return NULL.
        Some(format!(
            "CASE WHEN {column} IS NULL THEN NULL ELSE {function}({column}, {vector}) END"
        ))
    },
    index_clause: |_, _, _, _| None,
    filter_in_outer_query: false,
    vector_literal: super::hex_literal,
    ignore_vector_index: |_, _| None,
    upsert_tail: |dialect, key, columns| {
        if columns.is_empty() {
            return format!("ON CONFLICT ({}) DO NOTHING", dialect.quote(key));
        }
        let sets: Vec<String> = columns
            .iter()
            .map(|c| format!("{0} = excluded.{0}", dialect.quote(c)))
            .collect();
        format!(
            "ON CONFLICT ({}) DO UPDATE SET {}",
            dialect.quote(key),
            sets.join(", ")
        )
    },
    default_ef_search: None,
    explain: "EXPLAIN QUERY PLAN",
    optimizer_hints: false,
    exact_needs_where: false,
    max_integer: i64::MAX as u64,
    index_build: super::IndexBuild::None,
    ef_search_prefix: None,
    index_needs_tiflash_replica: false,
};

fn scalar_type(scalar: ScalarType) -> &'static str {
    match scalar {
        ScalarType::F32 | ScalarType::F64 => "REAL",
        ScalarType::Text
        | ScalarType::Uuid
        | ScalarType::Timestamp
        | ScalarType::Date
        | ScalarType::Json => "TEXT",
        ScalarType::Bytes => "BLOB",
        _ => "INTEGER",
    }
}
