//! The attribute's name and keys.

/// `#[vector(...)]`.
pub const VECTOR: &str = "vector";
/// Struct key: the table's name.
pub const TABLE: &str = "table";
/// Field key: the vector's dimensions.
pub const DIMENSIONS: &str = "dimensions";
/// Field key: the vector index's metric.
pub const INDEX: &str = "index";
/// Field key: marks the primary key.
pub const KEY: &str = "key";
/// Field key: the column's name.
pub const RENAME: &str = "rename";
/// Field key: the most characters of a text key or indexed text column.
pub const MAX_LENGTH: &str = "max_length";
/// Field key (with `key`): whether the database assigns an integer key.
pub const AUTO_INCREMENT: &str = "auto_increment";
/// Field key: a field that is not stored.
pub const SKIP: &str = "skip";
/// Field key: a text field with a full-text index (for `search_text` and hybrid search).
pub const FULLTEXT: &str = "fulltext";

/// Keys allowed on the struct.
pub const CONTAINER_KEYS: &[&str] = &[TABLE];
/// Keys allowed on a field.
pub const FIELD_KEYS: &[&str] = &[
    DIMENSIONS,
    INDEX,
    KEY,
    RENAME,
    MAX_LENGTH,
    AUTO_INCREMENT,
    SKIP,
    FULLTEXT,
];
