//! The attribute's name and keys.

/// `#[vector(...)]`.
pub(crate) const VECTOR: &str = "vector";
/// Struct key: the table's name.
pub(crate) const TABLE: &str = "table";
/// Field key: the vector's dimensions.
pub(crate) const DIMENSIONS: &str = "dimensions";
/// Field key: the vector index's metric.
pub(crate) const INDEX: &str = "index";
/// Field key: marks the primary key.
pub(crate) const KEY: &str = "key";
/// Field key: the column's name.
pub(crate) const RENAME: &str = "rename";
/// Field key: the most characters of a text key or indexed text column.
pub(crate) const MAX_LENGTH: &str = "max_length";
/// Field key (with `key`): whether the database assigns an integer key.
pub(crate) const AUTO_INCREMENT: &str = "auto_increment";
/// Field key (with `key`): TiDB assigns an `i64` key with `AUTO_RANDOM` (no write hotspot).
pub(crate) const AUTO_RANDOM: &str = "auto_random";
/// Field key: a field that is not stored.
pub(crate) const SKIP: &str = "skip";
/// Field key: a text field with a full-text index (for `search_text` and hybrid search).
pub(crate) const FULLTEXT: &str = "fulltext";
/// Field key (on a vector): the text field an embedder fills the vector from.
pub(crate) const SOURCE: &str = "source";
/// Field key (on a vector with a `source`): TiDB Cloud computes the vector from the source with this model
/// (`EMBED_TEXT`), in a generated column.
pub(crate) const EMBED_ON_SERVER: &str = "embed_on_server";

/// Keys allowed on the struct.
pub(crate) const CONTAINER_KEYS: &[&str] = &[TABLE];
/// Keys allowed on a field.
pub(crate) const FIELD_KEYS: &[&str] = &[
    DIMENSIONS,
    INDEX,
    KEY,
    RENAME,
    MAX_LENGTH,
    AUTO_INCREMENT,
    AUTO_RANDOM,
    SKIP,
    FULLTEXT,
    SOURCE,
    EMBED_ON_SERVER,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate-level docs (docs.rs's front page) and the project README name every key the derive
    /// takes: a key added here without docs fails this test.
    #[test]
    fn every_attribute_key_is_documented() {
        let crate_docs = include_str!("../../tidb-vector-core/src/lib.rs");
        let readme = include_str!("../../README.md");
        for key in CONTAINER_KEYS.iter().chain(FIELD_KEYS) {
            for (name, text) in [
                ("tidb-vector-core's crate docs", crate_docs),
                ("README.md", readme),
            ] {
                let spelled = [
                    format!("{key} ="),
                    format!("{key},"),
                    format!("{key})"),
                    format!("`{key}`"),
                ];
                assert!(
                    spelled.iter().any(|s| text.contains(s.as_str())),
                    "`{key}` is not documented in {name}"
                );
            }
        }
    }
}
