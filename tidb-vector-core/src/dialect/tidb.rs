//! TiDB v8.4+: `VECTOR(D)` columns, vectors as text, `VEC_*_DISTANCE` functions, HNSW vector indexes on
//! TiFlash.
//!
//! Every statement follows TiDB's documented vector SQL: vectors go in through `VEC_FROM_TEXT(?)` and come
//! back through `VEC_AS_TEXT(col)` (TiDB sends a raw `VECTOR` column as text anyway; the function keeps the
//! statements valid on other servers that emulate TiDB's functions), and searches keep the
//! `ORDER BY <distance>(col, <constant>) LIMIT k` shape that TiDB's vector index serves.

use super::mysql::{mysql_auto_key, mysql_scalar_type};
use super::{Backend, Dialect, VectorWire};
use crate::schema::Metric;

/// TiDB's dialect.
pub(crate) static DIALECT: Dialect = Dialect {
    backend: Backend::TiDb,
    vector_wire: VectorWire::Text,
    max_params: 65_535,
    quote: '`',
    scalar_type: mysql_scalar_type,
    vector_type: |_, dimensions| format!("VECTOR({dimensions})"),
    auto_key: mysql_auto_key,
    auto_random_key: Some(|name| format!("{name} BIGINT NOT NULL AUTO_RANDOM PRIMARY KEY")),
    vector_param: "VEC_FROM_TEXT(?)",
    vector_read: |column| format!("VEC_AS_TEXT({column})"),
    distance: |metric, column, vector, _| {
        Some(format!("{}({column}, {vector})", distance_function(metric)))
    },
    index_clause: |schema, dialect, metric, if_not_exists| {
        // TiDB builds HNSW indexes for cosine and L2 only.
        if !metric.is_indexable() {
            return None;
        }
        let column = schema.vector_column().name;
        Some(format!(
            "VECTOR INDEX {}{} (({}({}))) USING HNSW",
            if if_not_exists { "IF NOT EXISTS " } else { "" },
            dialect.quote(&index_name(column, metric)),
            distance_function(metric),
            dialect.quote(column)
        ))
    },
    filter_in_outer_query: true,
    // The codec writes only digits, `-`, `.`, `e`, `,` and brackets: safe inside quotes.
    vector_literal: |values| format!("VEC_FROM_TEXT('{}')", crate::vector::encode_text(values)),
    // Exact searches carry a WHERE, which is enough to keep TiDB off its vector index.
    ignore_vector_index: |_, _| None,
    upsert_tail: super::mysql::on_duplicate_key_update,
    default_ef_search: None,
    explain: "EXPLAIN",
    optimizer_hints: true,
    exact_needs_where: true,
    max_integer: u64::MAX,
    index_build: super::IndexBuild::TiFlash,
    ef_search_prefix: None,
    index_needs_tiflash_replica: true,
};

/// TiDB's name for a metric's distance function.
pub(crate) fn distance_function(metric: Metric) -> &'static str {
    match metric {
        Metric::Cosine => "VEC_COSINE_DISTANCE",
        Metric::L2 => "VEC_L2_DISTANCE",
        Metric::L1 => "VEC_L1_DISTANCE",
        Metric::NegativeInnerProduct => "VEC_NEGATIVE_INNER_PRODUCT",
    }
}

/// `vec_idx_<column>_<metric>`; when that would pass TiDB's 64-character limit, the column's first
/// characters and a hash of its whole name instead (`vec_idx_<prefix>_<8 hex digits>_<metric>`), so that two
/// long column names never share an index name.
pub(crate) fn index_name(column: &str, metric: Metric) -> String {
    const LIMIT: usize = 64;
    let metric = match metric {
        Metric::Cosine => "cosine",
        Metric::L2 => "l2",
        Metric::L1 => "l1",
        Metric::NegativeInnerProduct => "nip",
    };
    let name = format!("vec_idx_{column}_{metric}");
    if name.chars().count() <= LIMIT {
        return name;
    }
    // "vec_idx_" + prefix + "_" + 8 hex + "_" + metric.
    let room = LIMIT - "vec_idx_".len() - 1 - 8 - 1 - metric.len();
    let prefix: String = column.chars().take(room).collect();
    format!("vec_idx_{prefix}_{:08x}_{metric}", fnv1a(column))
}

/// The 32-bit FNV-1a hash of `text`: stable across Rust versions and platforms (an index name built from
/// it must be the same every time the crate meets the table), unlike the standard library's hasher.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_column_names_get_distinct_index_names_within_the_limit() {
        assert_eq!(
            index_name("embedding", Metric::Cosine),
            "vec_idx_embedding_cosine"
        );
        let a = "a_very_long_vector_column_name_that_goes_on_and_on_for_the_title";
        let b = "a_very_long_vector_column_name_that_goes_on_and_on_for_the_body";
        for metric in [Metric::Cosine, Metric::L2] {
            let (x, y) = (index_name(a, metric), index_name(b, metric));
            assert_ne!(x, y);
            assert!(
                x.chars().count() <= 64 && y.chars().count() <= 64,
                "{x} {y}"
            );
            assert!(x.starts_with("vec_idx_a_very_long"), "{x}");
        }
        // Stable: the same name every time (FNV-1a of the column's name).
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        // Multi-byte characters are counted as characters, as TiDB counts an identifier's length.
        let wide = "é".repeat(60);
        assert!(index_name(&wide, Metric::L2).chars().count() <= 64);
    }
}
