//! MariaDB 11.8+: `VECTOR(D)` columns stored as little-endian `f32`, `VEC_DISTANCE_*` functions, an HNSW
//! `VECTOR INDEX` that must be on a `NOT NULL` column (one per table).
//!
//! Vectors travel as raw `f32` bytes both ways: exact, and faster than text. (MariaDB's `VEC_ToText` keeps
//! only six significant digits, so text would not round-trip.) MariaDB refuses values whose magnitude
//! exceeds `sqrt(f32::MAX)` ≈ 1.8e19 (error 1292), which TiDB accepts. MariaDB has no L1 or inner-product function;
//! those are computed from the stored bytes, decoded bit-exactly in SQL, and never use an index.

use super::mysql::{mysql_auto_key, mysql_scalar_type};
use super::{Backend, Dialect, VectorWire};
use crate::schema::Metric;

/// The `mhnsw_ef_search` of an index search that sets none, for a statement that fetches `rows` rows: ten
/// candidates a row, at least 40, at most MariaDB's 10,000. It follows the limit because recall@k at a
/// fixed setting falls as k grows. On real text (65,000 Debian package descriptions, all-MiniLM-L6-v2, this
/// crate's `M=16` index) nearest 10 at 100 finds 0.99 of the true neighbours at about 20x a scan's speed,
/// where the 300 used before paid twice the latency for a few thousandths of recall (BENCHMARKS.md). On
/// random vectors, HNSW's worst case, it finds less (0.9 on 10,000 x 128; `tests/search.rs` pins it).
/// `Search::ef_search` overrides it.
pub(crate) fn default_ef_search(rows: usize) -> usize {
    rows.saturating_mul(10).clamp(40, 10_000)
}

/// MariaDB's dialect.
pub(crate) static DIALECT: Dialect = Dialect {
    backend: Backend::MariaDb,
    vector_wire: VectorWire::Bytes,
    max_params: 65_535,
    quote: '`',
    scalar_type: mysql_scalar_type,
    vector_type: |_, dimensions| format!("VECTOR({dimensions})"),
    auto_key: mysql_auto_key,
    auto_random_key: None,
    vector_param: "?",
    vector_read: |column| column.to_owned(),
    distance: |metric, column, vector, dimensions| {
        Some(match metric {
            Metric::Cosine => format!("VEC_DISTANCE_COSINE({column}, {vector})"),
            Metric::L2 => format!("VEC_DISTANCE_EUCLIDEAN({column}, {vector})"),
            Metric::L1 => elementwise("SUM(ABS(", " - ", "))", column, vector, dimensions),
            Metric::NegativeInnerProduct => {
                elementwise("-SUM(", " * ", ")", column, vector, dimensions)
            }
        })
    },
    index_clause: |schema, dialect, metric, _| {
        let distance = match metric {
            Metric::Cosine => "cosine",
            Metric::L2 => "euclidean",
            Metric::L1 | Metric::NegativeInnerProduct => return None,
        };
        // M=16 rather than MariaDB's default 6: measured recall@10 on 10,000 random 128-dimension vectors
        // goes from 0.39 to 0.65 at the same ef_search (see tests/search.rs), for a larger index.
        Some(format!(
            "VECTOR INDEX ({}) M=16 DISTANCE={distance}",
            dialect.quote(schema.vector_column().name)
        ))
    },
    filter_in_outer_query: false,
    vector_literal: super::hex_literal,
    // MariaDB names a vector index after its column.
    ignore_vector_index: |schema, dialect| {
        schema.index().map(|_| {
            format!(
                "IGNORE INDEX ({})",
                dialect.quote(schema.vector_column().name)
            )
        })
    },
    upsert_tail: super::mysql::on_duplicate_key_update,
    index_needs_tiflash_replica: false,
    default_ef_search: Some(default_ef_search),
    explain: "EXPLAIN",
    optimizer_hints: false,
    exact_needs_where: true,
    max_integer: u64::MAX,
    index_build: super::IndexBuild::AtOnce,
    ef_search_prefix: Some(|ef| format!("SET STATEMENT mhnsw_ef_search = {ef} FOR ")),
};

/// `(SELECT <open>a<op>b<close> FROM <1..=dimensions> AS _i, (SELECT <vector> AS q) AS _q)` over the
/// elements of the column and the query vector; the query's `?` stands once, each element is read from
/// `_q.q`.
fn elementwise(
    open: &str,
    op: &str,
    close: &str,
    column: &str,
    vector: &str,
    dimensions: usize,
) -> String {
    format!(
        "(SELECT {open}{}{op}{}{close} FROM JSON_TABLE(CONCAT('[', REPEAT('0,', {}), '0]'), '$[*]' \
         COLUMNS (i FOR ORDINALITY)) AS _i, (SELECT {vector} AS q) AS _q)",
        element(column),
        element("_q.q"),
        dimensions.saturating_sub(1)
    )
}

/// Element `_i.i` (1-based) of a vector's bytes as an exact DOUBLE: the IEEE-754 single-precision fields
/// taken apart with integer arithmetic, so no digit is lost on the way.
fn element(vector: &str) -> String {
    let bits = format!(
        "CAST(CONV(HEX(REVERSE(SUBSTRING({vector}, 4 * _i.i - 3, 4))), 16, 10) AS UNSIGNED)"
    );
    format!(
        "(IF({bits} >= 2147483648, -1, 1) * IF(({bits} >> 23) & 255 = 0, ({bits} & 8388607) * POW(2, -149), \
         (({bits} & 8388607) + 8388608) * POW(2, CAST(({bits} >> 23) & 255 AS SIGNED) - 150)))"
    )
}
