//! The description of a model's table, as data: what `#[derive(VectorModel)]` emits and what the dialects
//! render SQL from.

use std::fmt;

/// A distance function between two vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// Cosine distance, `1 - cos(a, b)`, in `[0, 2]` (`VEC_COSINE_DISTANCE`). Indexable on TiDB.
    Cosine,
    /// Euclidean distance (`VEC_L2_DISTANCE`). Indexable on TiDB.
    L2,
    /// Manhattan distance (`VEC_L1_DISTANCE`).
    L1,
    /// The inner product, negated so that smaller is nearer (`VEC_NEGATIVE_INNER_PRODUCT`).
    NegativeInnerProduct,
}

impl Metric {
    /// Every metric, in a fixed order.
    pub const ALL: [Metric; 4] = [
        Metric::Cosine,
        Metric::L2,
        Metric::L1,
        Metric::NegativeInnerProduct,
    ];

    /// Whether TiDB can build a vector index for this metric (only cosine and L2).
    pub fn is_indexable(self) -> bool {
        matches!(self, Metric::Cosine | Metric::L2)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Metric::Cosine => "cosine",
            Metric::L2 => "L2",
            Metric::L1 => "L1",
            Metric::NegativeInnerProduct => "negative inner product",
        })
    }
}

/// The SQL type family of a scalar column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScalarType {
    /// `bool`.
    Bool,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `String`.
    Text,
    /// `Vec<u8>`: bytes (`LONGBLOB` on TiDB and MariaDB, `BLOB` on SQLite).
    Bytes,
    /// `uuid::Uuid` (feature `uuid`): its hyphenated text, `CHAR(36)` on TiDB and MariaDB (TiDB has no UUID
    /// type, and text keeps the column readable and filterable alike everywhere), `TEXT` on SQLite.
    Uuid,
    /// `chrono::NaiveDateTime` or `chrono::DateTime<Utc>` (feature `chrono`): `DATETIME(6)` on TiDB and
    /// MariaDB (UTC, microseconds), ISO 8601 text on SQLite.
    Timestamp,
    /// `chrono::NaiveDate` (feature `chrono`): `DATE`, ISO 8601 text on SQLite.
    Date,
    /// `serde_json::Value` (feature `json`): `JSON` on TiDB and MariaDB, text on SQLite. Not comparable in
    /// filters (the backends compare JSON differently).
    Json,
}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// A scalar value.
    Scalar(ScalarType),
    /// A vector of fixed dimensions.
    Vector {
        /// The number of dimensions, `1..=16383`.
        dimensions: usize,
    },
}

/// One column of a model's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column's name in the database (not quoted).
    pub name: &'static str,
    /// What it holds.
    pub kind: ColumnKind,
    /// Whether it accepts NULL (the field is an `Option`).
    pub nullable: bool,
    /// The most characters of a text column that is a key or indexed (`#[vector(max_length = N)]`):
    /// `VARCHAR(N)` on TiDB and MariaDB instead of `LONGTEXT`.
    pub max_length: Option<u32>,
    /// The vector index declared on a vector column (`#[vector(index = "...")]`), built with the table.
    pub index: Option<Metric>,
    /// Whether a text column has a full-text index (`#[vector(fulltext)]`), built with the table, for
    /// [`VectorModel::search_text`](crate::VectorModel::search_text) and hybrid search.
    pub fulltext: bool,
    /// A vector column that TiDB Cloud computes from a text column (`#[vector(source = "...",
    /// embed_on_server = "...")]`): generated, never written by the library.
    pub server_embedding: Option<ServerEmbedding>,
}

/// TiDB Cloud's auto-embedding of a vector column: `VECTOR(N) GENERATED ALWAYS AS (EMBED_TEXT('<model>',
/// <source>)) STORED`, searched from text with `VEC_EMBED_COSINE_DISTANCE` / `VEC_EMBED_L2_DISTANCE`
/// ([`VectorModel::search_server_semantic`](crate::VectorModel::search_server_semantic)). TiDB Cloud
/// Starter only (on AWS, as its documentation says); MariaDB, SQLite and TiDB without it refuse such a table
/// with [`Error::Unsupported`](crate::Error::Unsupported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerEmbedding {
    /// TiDB Cloud's name of the model, e.g. `tidbcloud_free/amazon/titan-embed-text-v2`.
    pub model: &'static str,
    /// The name of the text column it embeds.
    pub source: &'static str,
}

impl Column {
    /// Whether the server computes it ([`Column::server_embedding`]): reads return it, writes leave it out.
    pub(crate) fn is_generated(&self) -> bool {
        self.server_embedding.is_some()
    }
}

/// A model's table, as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schema {
    /// The table's name (not quoted).
    pub table: &'static str,
    /// All columns: the hidden key first when there is one, then the fields in declaration order.
    pub columns: &'static [Column],
    /// Position in `columns` of the primary key.
    pub key: usize,
    /// Whether the database assigns the key (an auto-increment integer: writing `0` or `None` to it lets
    /// the database choose); otherwise the caller does (`String`, `Uuid`, or an integer key with
    /// `#[vector(key, auto_increment = false)]`).
    pub auto_key: bool,
    /// Whether TiDB assigns the key with `AUTO_RANDOM` (`#[vector(key, auto_random)]` on an `i64`): random
    /// high bits spread inserts over TiKV's regions instead of appending to one. Implies `auto_key`. TiDB
    /// only: MariaDB and SQLite refuse the model's table ([`Error::Unsupported`](crate::Error::Unsupported)).
    pub auto_random: bool,
    /// Whether the key is a hidden `id BIGINT` column that no field holds (the model has no key field).
    /// Inserts return it and search hits carry it.
    pub hidden_key: bool,
    /// Position in `columns` of the vector column that searches use unless told another (the model's
    /// first vector field).
    pub vector: usize,
}

impl Schema {
    /// The primary key column.
    pub fn key_column(&self) -> &Column {
        &self.columns[self.key]
    }

    /// The vector column that searches use.
    pub fn vector_column(&self) -> &Column {
        &self.columns[self.vector]
    }

    /// The vector index declared on the vector column that searches use.
    pub fn index(&self) -> Option<Metric> {
        self.vector_column().index
    }

    /// The columns with a full-text index (`#[vector(fulltext)]`), in order.
    pub fn fulltext_columns(&self) -> impl Iterator<Item = &'static Column> + '_ {
        self.columns.iter().filter(|c| c.fulltext)
    }

    /// The positions of every vector column, in order.
    pub fn vector_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.kind, ColumnKind::Vector { .. }))
            .map(|(position, _)| position)
    }

    /// The same table, searched by the vector column at `position`.
    pub(crate) fn on_vector(&self, position: usize) -> Schema {
        Schema {
            vector: position,
            ..*self
        }
    }

    /// The vector column's dimensions.
    pub fn dimensions(&self) -> usize {
        match self.vector_column().kind {
            ColumnKind::Vector { dimensions } => dimensions,
            // The derive only ever points `vector` at a vector column.
            ColumnKind::Scalar(_) => 0,
        }
    }

    /// The columns of the model's fields, the ones an insert writes (but for one the server computes,
    /// [`Column::server_embedding`]): all of them but a hidden key.
    pub fn field_columns(&self) -> &'static [Column] {
        if self.hidden_key {
            &self.columns[1..]
        } else {
            self.columns
        }
    }
}
