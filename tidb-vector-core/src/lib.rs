//! Vector search on TiDB from Rust.
//!
//! Annotate a struct, derive [`VectorModel`], and get its table DDL (a `VECTOR(N)` column, optionally an
//! HNSW vector index), inserts (one row, or many in one transaction) and nearest-neighbour queries, checked
//! at compile time and executed through [sqlx](https://docs.rs/sqlx):
//!
//! ```no_run
//! use tidb_vector_core::{Db, Metric, VectorModel};
//!
//! #[derive(Debug, VectorModel)]
//! #[vector(table = "documents")]
//! struct Document {
//!     content: String,
//!     #[vector(dimensions = 3)]
//!     embedding: Vec<f32>,
//! }
//!
//! #[tokio::main]
//! async fn main() -> tidb_vector_core::Result<()> {
//!     // TIDB_HOST & co, or DATABASE_URL, or (with nothing set) embedded SQLite.
//!     let db = Db::from_env().await?;
//!     Document::create_table(&db).await?;
//!     Document::insert_many(&db, [
//!         Document { content: "dog".into(), embedding: vec![1.0, 2.0, 1.0] },
//!         Document { content: "fish".into(), embedding: vec![1.0, 2.0, 4.0] },
//!     ]).await?;
//!     for hit in Document::nearest_by_cosine(&db, &[1.0, 2.0, 3.0], 3).await? {
//!         println!("{} {:.6}", hit.record.content, hit.distance);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # The derive
//!
//! ```
//! use tidb_vector_core::{Backend, VectorModel};
//!
//! #[derive(VectorModel)]
//! #[vector(table = "products")]
//! struct Product {
//!     #[vector(key, max_length = 64)]
//!     sku: String,                          // a key the caller gives (also: integers, uuid::Uuid)
//!     #[vector(fulltext)]
//!     description: String,                  // searched by words too (search_text, search_hybrid)
//!     #[vector(rename = "unit_price")]
//!     price: Option<f64>,                   // a nullable column under another name
//!     thumbnail: Vec<u8>,
//!     #[vector(dimensions = 384, index = "cosine")]
//!     text_embedding: Vec<f32>,             // the first vector field: what `search` and the shortcuts use
//!     #[vector(dimensions = 2)]
//!     image_embedding: [f32; 2],            // another, searched with `search_on`
//!     #[vector(skip)]
//!     cached_rank: Option<u32>,             // not stored
//! }
//!
//! let ddl = Product::ddl(Backend::TiDb)?;
//! assert!(ddl[0].contains("`text_embedding` VECTOR(384) NOT NULL"));
//! assert!(ddl[0].contains("VECTOR INDEX `vec_idx_text_embedding_cosine`"));
//! # Ok::<(), tidb_vector_core::Error>(())
//! ```
//!
//! - `#[vector(table = "name")]` on the struct names the table (default: the struct's name in
//!   `snake_case`, plus `s`: `Document` → `documents`).
//! - Vector fields have `#[vector(dimensions = N)]`: `Vec<f32>`, `[f32; N]` or [`Vector`], or an `Option` of
//!   one for a nullable column; a model may have several, each with its own dimensions. `index = "cosine"`
//!   (or `"l2"`) adds an HNSW vector index (MariaDB builds one a table). Embeddings of `f64` convert with
//!   [`Vector::try_from`], which refuses values beyond `f32`. `source = "content"` names the text field
//!   an [`Embedder`] fills the vector from when it is left empty
//!   ([`insert_many_embedded`](VectorModel::insert_many_embedded),
//!   [`search_semantic`](VectorModel::search_semantic)); the field must be a stored `String` or
//!   `Option<String>`, and the vector one that can be empty (not a bare array). Beside it,
//!   `embed_on_server = "<model>"` leaves the embedding to TiDB Cloud Starter (a generated column over its
//!   `EMBED_TEXT`, searched with [`search_server_semantic`](VectorModel::search_server_semantic)): the vector
//!   must be an `Option` (never written), and only TiDB Cloud builds such a table.
//! - Scalar columns: `String`, `bool`, the integer types, `f32`, `f64`, `Vec<u8>`, `uuid::Uuid` (feature
//!   `uuid`), chrono's `DateTime<Utc>`, `NaiveDateTime` and `NaiveDate` (feature `chrono`),
//!   `serde_json::Value` (feature `json`), and `Option` of each. `max_length = N` makes text a
//!   `VARCHAR(N)`; `fulltext` gives a text field a full-text index; `rename = "col"` names the column (a
//!   field whose name is not ASCII needs one); `skip` leaves a field out of the table.
//! - The key is the field marked `#[vector(key)]`, else a field named `id`, else a hidden `id BIGINT`
//!   column. Integer keys (`i32`, `i64`, `u32`, `u64`, or `Option` of one) are auto-increment: `0` or
//!   `None` on insert lets the database assign one, and `insert` returns it; with
//!   `#[vector(key, auto_increment = false)]` the caller assigns every key, and `0` is a key like any
//!   other. `#[vector(key, auto_random)]` on an `i64` key is TiDB's `AUTO_RANDOM`: TiDB assigns random
//!   high bits, which spread inserts over its storage instead of appending to one region (TiDB's advice
//!   for write-heavy tables); `insert` returns the key; MariaDB and SQLite refuse that model's table with
//!   [`Error::Unsupported`] before any SQL. `String` keys (with `max_length`) and `uuid::Uuid` keys are always the caller's. A text key
//!   is the exact string given on every backend: `"abc"` and `"abc "` are two rows.
//! - Values are checked before anything is sent, by one rule per type: finite floats, `max_length`,
//!   timestamps in the years 1 to 9999 to the microsecond, JSON nested at most 31 deep.
//! - A full-text search text with no words (letters or digits) is [`Error::InvalidArgument`].
//!
//! Every attribute key above is listed, and checked to be documented here and in the README, by a test
//! (`tidb-vector-derive`'s `every_attribute_key_is_documented`).
//!
//! # Backends
//!
//! [`Db`] speaks three dialects, chosen from the connection: **TiDB** (the target: `VECTOR(N)`,
//! `VEC_COSINE_DISTANCE` & co, vectors as text), **MariaDB 11.8+** (native `VECTOR`, vectors as bytes) and
//! **embedded SQLite** with sqlite-vec (the zero-setup default).

#![warn(unreachable_pub)]

#[cfg(not(any(feature = "mysql", feature = "sqlite")))]
compile_error!(
    "tidb-vector-core needs a database driver: enable its `mysql` feature (TiDB, MariaDB), its `sqlite` \
     feature (embedded SQLite), or both"
);

mod backend;
mod bind;
mod config;
mod db;
mod dialect;
mod driver;
pub mod embed;
mod error;
mod executor;
mod filter;
mod fusion;
mod in_doubt;
mod index;
mod model;
mod rerank;
mod retry;
#[cfg(feature = "rig")]
pub mod rig;
mod schema;
mod search;
#[cfg(all(test, feature = "serde"))]
mod serde_tests;
mod session;
#[cfg(feature = "sqlite")]
mod sqlite_ext;
mod sqlx_types;
mod table_check;
mod text_search;
mod value;
pub mod vector;

pub use backend::Backend;
pub use config::{Config, Secret, TiDbSettings};
pub use db::{Db, PoolSettings, Transaction};
pub use dialect::{Param, Statement};
pub use embed::{BoxError, Embedder};
pub use error::{CommitProbe, Error, ErrorClass, Result, ServerErrorKind, VectorTextError};
pub use executor::{Conn, Executor};
pub use filter::{Col, Filter, JsonOrdered, JsonPath, JsonScalar};
pub use fusion::Fusion;
pub use index::IndexProgress;
/// The level type of [`PoolSettings`]' statement logging (the `log` crate's, which sqlx uses).
pub use log::LevelFilter;
pub use model::{
    DEFAULT_BATCH_BYTES, DEFAULT_BATCH_ROWS, Load, LoadProgress, SearchFuture, VectorModel,
};
pub use rerank::Reranker;
pub use retry::RetryPolicy;
pub use schema::{Column, ColumnKind, Metric, ScalarType, Schema, ServerEmbedding};
pub use search::{Hit, PartialHit, Search, SearchMany, VectorField};
pub use table_check::{Difference, SchemaMismatch};
pub use text_search::{HybridHit, HybridSearch, TextHit, TextSearch};
pub use value::{ColumnType, KeyColumn, QueryVector, Value, VectorColumn};
pub use vector::Vector;

/// Loads sqlite-vec (and this crate's SQL function for the inner product) into a SQLite connection of the
/// caller's own, unless it has them already. The library's own pools and [`Conn::sqlite`] do this by
/// themselves; a connection that runs this crate's SQL without them needs it: a migration that applies
/// [`VectorModel::ddl`]`(Backend::Sqlite)` (its `CHECK (vec_length(..))`) before any operation ran. For a
/// pool, load it into each connection as it opens:
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = sqlx::sqlite::SqlitePoolOptions::new()
///     .after_connect(|conn, _| {
///         Box::pin(async move {
///             tidb_vector_core::load_sqlite_vec(conn)
///                 .await
///                 .map_err(|e| sqlx::Error::Configuration(e.into()))
///         })
///     })
///     .connect("sqlite://app.db?mode=rwc")
///     .await?;
/// // Then run the migrations (`sqlx::migrate!().run(&pool)`), and `Db::from_sqlite_pool(pool)`.
/// # Ok(()) }
/// ```
#[cfg(feature = "sqlite")]
pub async fn load_sqlite_vec(conn: &mut sqlx::sqlite::SqliteConnection) -> Result<()> {
    sqlite_ext::ensure_loaded(conn).await
}

/// Derives [`VectorModel`](trait@VectorModel) for a struct with named fields; see the [crate
/// documentation](crate#the-derive).
pub use tidb_vector_derive::VectorModel;

/// What the derive's generated code uses. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::bind::RowReader;
    pub use crate::dialect::{sql_string_literal_value, tidb_text_literal};
    pub use crate::value::{Cell, NotOption, SourceText, ValueRef, vector_is_empty};
    pub use core::option::Option;
    pub use core::result::Result;
    pub use std::string::String;
    pub use std::vec::Vec;
}

/// The crate's README (written for crates.io) is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// Lets the derive's `::tidb_vector_core` paths resolve in this crate's own tests.
#[cfg(test)]
extern crate self as tidb_vector_core;
