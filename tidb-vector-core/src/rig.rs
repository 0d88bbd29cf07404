//! A [rig](https://docs.rs/rig-core) vector store on TiDB, MariaDB and SQLite (feature `rig`).
//!
//! [`RigStore`] implements rig-core's [`InsertDocuments`] and [`VectorStoreIndex`] over a table of this
//! crate, so a rig agent retrieves from TiDB as from any other rig store (`dynamic_context`, or the store
//! as a tool: both come with rig's traits). The table is named and sized by a [`StoreTable`]:
//!
//! ```no_run
//! use rig_core::vector_store::{InsertDocuments, VectorSearchRequest, VectorStoreIndex};
//! use tidb_vector_core::Db;
//! use tidb_vector_core::rig::{RigStore, StoreTable};
//!
//! /// The table `movies`, for an embedding model of 1,536 dimensions.
//! struct Movies;
//! impl StoreTable for Movies {
//!     const NAME: &'static str = "movies";
//!     const DIMENSIONS: usize = 1536;
//! }
//!
//! # async fn run(model: rig_core::DynModel<rig_core::operation::Embedding>) -> Result<(), Box<dyn std::error::Error>> {
//! let db = Db::from_env().await?;
//! let store = RigStore::<Movies>::open(&db, model).await?; // creates the table when it is missing
//! let request = VectorSearchRequest::builder().query("a heist in space").samples(5).build();
//! for hit in store.top_n::<serde_json::Value>(request).await? {
//!     println!("{:.3} {} {}", hit.score, hit.id, hit.document);
//! }
//! # Ok(()) }
//! ```
//!
//! # The table
//!
//! One row per embedding: a hidden `row_id` key, `document_id` (a UUID, the `id` rig's results carry; a
//! document embedded several times, e.g. in chunks, has one row per chunk under one id), `document` (the
//! document as JSON), `embedded_text` (the text the embedding was made from) and `embedding`, the vector
//! with its index ([`StoreTable::INDEXED`]). [`RigStore::open`] creates it (the DDL is
//! [`VectorModel::ddl`]`::<`[`StoredEmbedding`]`>` for a migration written by hand) and checks a table
//! that exists.
//!
//! # Searches
//!
//! `top_n` and `top_n_ids` embed the query with the store's model and return each document once, at the
//! distance of its nearest embedding, most similar first. `score` is a similarity, higher is nearer:
//! `1 - distance` for cosine (the cosine similarity, as rig's in-memory store reports), `-distance` for
//! L2 and L1, and the inner product for [`Metric::NegativeInnerProduct`]. rig's `threshold` is a minimum
//! score: a row comes back when its score is at least the threshold (so `0.8` under cosine keeps
//! distances up to `0.2`). The search is the crate's [`Search`]: approximate where the
//! table has a vector index (see [`RigStore::exact`]), with the same rules on every backend.
//!
//! # Filters
//!
//! rig's [`Filter`] (`eq`, `gt`, `lt`, `and`, `or`) applies to the top-level fields of the stored
//! document, as rig's in-memory store reads them, written as bound JSON-path filters
//! ([`JsonPath`](crate::JsonPath)): a key is a plain field name (ASCII letters, digits and `_`, not
//! starting with a digit), anything else is refused with [`FilterError`] before anything is embedded or
//! sent. Values compare as in [`JsonPath`](crate::JsonPath): numbers as numbers (doubles: integers beyond
//! 2^53 may compare equal to their neighbours), strings by their bytes, booleans for equality; a field
//! that is missing or of another type matches no comparison. rig's in-memory store also compares JSON
//! null, arrays and objects for equality and orders booleans; here those filters are refused
//! ([`FilterError::TypeError`]) rather than answered differently.

// rig's traits return its `VectorStoreError`, a large error type of rig's own.
#![allow(clippy::result_large_err)]

use std::cmp::Ordering;
use std::collections::HashSet;
use std::marker::PhantomData;

use rig_core::DynModel;
use rig_core::embeddings::Embedding;
use rig_core::operation::Embedding as EmbeddingOp;
use rig_core::vector_store::request::{Filter, FilterError};
use rig_core::vector_store::{
    InsertDocuments, VectorSearchIdResult, VectorSearchRequest, VectorSearchResult,
    VectorStoreError, VectorStoreIndex,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::__private::{RowReader, ValueRef};
use crate::schema::{Column, ColumnKind, Metric, ScalarType, Schema};
use crate::{Col, ColumnType, Db, Error, Result, Search, Vector, VectorColumn, VectorModel};

/// The table of a [`RigStore`]: its name, the dimensions of the embedding model's vectors, and how it is
/// searched.
///
/// ```
/// use tidb_vector_core::Metric;
/// use tidb_vector_core::rig::StoreTable;
///
/// struct Notes;
/// impl StoreTable for Notes {
///     const NAME: &'static str = "notes";
///     const DIMENSIONS: usize = 384;
///     const METRIC: Metric = Metric::L2;
///     // A TiDB without TiFlash builds no vector index: search by a full scan there.
///     const INDEXED: bool = false;
/// }
/// ```
pub trait StoreTable: Send + Sync + 'static {
    /// The table's name.
    const NAME: &'static str;
    /// The dimensions of the vectors (the embedding model's), `1..=16383`.
    const DIMENSIONS: usize;
    /// The distance searches rank by (default: cosine).
    const METRIC: Metric = Metric::Cosine;
    /// Whether the table has a vector index for [`METRIC`](StoreTable::METRIC) (default: yes; cosine and
    /// L2 only). On TiDB a vector index needs TiFlash (TiDB Cloud has it; a self-managed TiDB needs a
    /// TiFlash node): without one, say `false`.
    const INDEXED: bool = true;
}

/// The table `documents` for vectors of `D` dimensions, cosine, indexed: a [`StoreTable`] for a first
/// store.
#[derive(Debug)]
pub struct Documents<const D: usize>;

impl<const D: usize> StoreTable for Documents<D> {
    const NAME: &'static str = "documents";
    const DIMENSIONS: usize = D;
}

/// One row of a [`RigStore`]'s table: one embedding of one document. Rows are written by
/// [`InsertDocuments::insert_documents`]; the type is public for what the model offers besides
/// (`count`, `drop_table`, `ddl`, `stream_all`, filters on `document`).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEmbedding<T> {
    /// The document's id (a UUID), shared by its embeddings: the `id` of rig's results.
    pub document_id: String,
    /// The document, as JSON.
    pub document: serde_json::Value,
    /// The text the embedding was made from.
    pub embedded_text: String,
    /// The embedding.
    pub embedding: Vec<f32>,
    table: PhantomData<fn() -> T>,
}

/// The column handles of a [`StoredEmbedding`] table, for filters.
pub struct StoredEmbeddingFields<T> {
    /// The hidden key column `row_id`.
    pub row_id: Col<StoredEmbedding<T>, i64>,
    /// The column `document_id`.
    pub document_id: Col<StoredEmbedding<T>, String>,
    /// The JSON column `document`: `FIELDS.document.path("$.genre").eq("drama")`.
    pub document: Col<StoredEmbedding<T>, serde_json::Value>,
    /// The column `embedded_text`.
    pub embedded_text: Col<StoredEmbedding<T>, String>,
}

impl<T> Clone for StoredEmbeddingFields<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for StoredEmbeddingFields<T> {}

const fn text_column(name: &'static str, max_length: Option<u32>) -> Column {
    Column {
        name,
        kind: ColumnKind::Scalar(ScalarType::Text),
        nullable: false,
        max_length,
        index: None,
        fulltext: false,
        server_embedding: None,
    }
}

impl<T: StoreTable> StoredEmbedding<T> {
    /// Refuses, at compile time, a table whose dimensions no backend takes or whose index metric none
    /// indexes.
    const VALID: () = {
        assert!(
            T::DIMENSIONS >= 1 && T::DIMENSIONS <= 16383,
            "StoreTable::DIMENSIONS must be in 1..=16383"
        );
        assert!(
            !T::INDEXED || matches!(T::METRIC, Metric::Cosine | Metric::L2),
            "a vector index ranks by cosine or L2 only: set StoreTable::INDEXED = false for another metric"
        );
    };
}

impl<T: StoreTable> VectorModel for StoredEmbedding<T> {
    type Key = i64;
    type Embedding = <Vec<f32> as VectorColumn>::Embedding;

    const SCHEMA: Schema = Schema {
        table: T::NAME,
        columns: &[
            Column {
                name: "row_id",
                kind: ColumnKind::Scalar(ScalarType::I64),
                nullable: false,
                max_length: None,
                index: None,
                fulltext: false,
                server_embedding: None,
            },
            text_column("document_id", Some(36)),
            Column {
                name: "document",
                kind: ColumnKind::Scalar(ScalarType::Json),
                nullable: false,
                max_length: None,
                index: None,
                fulltext: false,
                server_embedding: None,
            },
            text_column("embedded_text", None),
            Column {
                name: "embedding",
                kind: ColumnKind::Vector {
                    dimensions: T::DIMENSIONS,
                },
                nullable: false,
                max_length: None,
                index: if T::INDEXED { Some(T::METRIC) } else { None },
                fulltext: false,
                server_embedding: None,
            },
        ],
        key: 0,
        auto_key: true,
        auto_random: false,
        hidden_key: true,
        vector: 4,
    };

    type Fields = StoredEmbeddingFields<T>;
    const FIELDS: Self::Fields = StoredEmbeddingFields {
        row_id: Col::new("row_id"),
        document_id: Col::new("document_id"),
        document: Col::new("document"),
        embedded_text: Col::new("embedded_text"),
    };

    fn __key(&self) -> Option<i64> {
        None
    }

    fn __key_from_generated(id: u64) -> Option<i64> {
        i64::try_from(id).ok()
    }

    fn __values<'a>(&'a self, out: &mut Vec<ValueRef<'a>>) {
        out.push(self.document_id.to_value());
        out.push(self.document.to_value());
        out.push(self.embedded_text.to_value());
        out.push(ValueRef::Vector(&self.embedding));
    }

    fn __from_row(row: &mut RowReader<'_>) -> Result<Self> {
        Ok(StoredEmbedding {
            document_id: row.scalar()?,
            document: row.scalar()?,
            embedded_text: row.scalar()?,
            embedding: row.vector()?,
            table: PhantomData,
        })
    }
}

/// A rig embedding model is an [`Embedder`](crate::Embedder): it fills `source` vectors and runs
/// [semantic searches](VectorModel::search_semantic) of any model, not only a [`RigStore`]'s table. Its
/// dimensions are the model's declared `ndims` (0, unknown, when it declares none: each vector is then
/// checked against the column); a batch is at most its `max_documents` texts (64 when it declares no
/// limit). rig's `f64` values are narrowed to `f32`; one beyond `f32` is [`Error::Embed`].
impl crate::Embedder for DynModel<EmbeddingOp> {
    fn dimensions(&self) -> usize {
        self.capabilities().ndims
    }

    fn max_batch(&self) -> usize {
        match self.capabilities().max_documents {
            0 => 64,
            n => n,
        }
    }

    async fn embed(
        &self,
        texts: Vec<String>,
    ) -> std::result::Result<Vec<Vec<f32>>, crate::BoxError> {
        let response = self.call(texts).await?;
        response
            .embeddings
            .iter()
            .map(|embedding| {
                Vector::try_from(&embedding.vec[..])
                    .map(Vector::into_vec)
                    .map_err(Into::into)
            })
            .collect()
    }
}

/// A rig vector store over a [`Db`] and an embedding model: see the [module documentation](self).
pub struct RigStore<T> {
    db: Db,
    model: DynModel<EmbeddingOp>,
    exact: bool,
    table: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for RigStore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RigStore")
            .field("model", &self.model.name())
            .field("exact", &self.exact)
            .finish_non_exhaustive()
    }
}

impl<T: StoreTable> RigStore<T> {
    /// A store over the table `T` in `db`, its queries embedded with `model` (the model that embedded
    /// the documents). Sends nothing. A model that declares dimensions other than
    /// [`StoreTable::DIMENSIONS`] is [`Error::InvalidArgument`].
    pub fn new(db: &Db, model: impl Into<DynModel<EmbeddingOp>>) -> Result<Self> {
        let () = StoredEmbedding::<T>::VALID;
        let model = model.into();
        let declared = model.capabilities().ndims;
        if declared != 0 && declared != T::DIMENSIONS {
            return Err(Error::InvalidArgument(format!(
                "the embedding model `{}` makes vectors of {declared} dimensions and the table `{}` holds {}: \
                 give the StoreTable the model's dimensions",
                model.name(),
                T::NAME,
                T::DIMENSIONS
            )));
        }
        Ok(RigStore {
            db: db.clone(),
            model,
            exact: false,
            table: PhantomData,
        })
    }

    /// [`RigStore::new`], then creates the table (with its vector index) unless it exists, and checks the
    /// table against the store's ([`Error::SchemaMismatch`] when it has another shape).
    pub async fn open(db: &Db, model: impl Into<DynModel<EmbeddingOp>>) -> Result<Self> {
        let store = Self::new(db, model)?;
        StoredEmbedding::<T>::create_table(&store.db).await?;
        Ok(store)
    }

    /// Searches rank every row (a full scan, exact results) instead of using the vector index, whose
    /// results are approximate.
    pub fn exact(mut self) -> Self {
        self.exact = true;
        self
    }

    /// The store's database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The search of `request`'s embedded query with its threshold and filter: `None` when the threshold
    /// leaves no distance possible. The filter is translated first, so a refused one embeds nothing.
    async fn search(
        &self,
        request: &VectorSearchRequest<Filter<serde_json::Value>>,
    ) -> std::result::Result<Option<(Vector, SearchSettings<T>)>, VectorStoreError> {
        let filter = request.filter().cloned().map(translate::<T>).transpose()?;
        let samples = usize::try_from(request.samples())
            .ok()
            .filter(|samples| *samples <= MAX_SAMPLES)
            .ok_or(VectorStoreError::SamplesOutOfRange {
                requested: request.samples(),
                max: MAX_SAMPLES as u64,
            })?;
        let bound = match request.threshold() {
            None => None,
            Some(threshold) => match max_distance(T::METRIC, threshold) {
                Some(bound) => Some(bound),
                None => return Ok(None),
            },
        };
        if samples == 0 {
            return Ok(None);
        }
        let embedded = self.model.embed_text(request.query()).await?;
        let query =
            Vector::try_from(embedded.vec.as_slice()).map_err(VectorStoreError::datastore)?;
        Ok(Some((
            query,
            SearchSettings {
                samples,
                bound,
                filter,
                exact: self.exact,
            },
        )))
    }
}

/// The most documents one search returns.
const MAX_SAMPLES: usize = 10_000;

/// What a search asks besides its query vector.
struct SearchSettings<T> {
    samples: usize,
    bound: Option<f64>,
    filter: Option<crate::Filter<StoredEmbedding<T>>>,
    exact: bool,
}

impl<T: StoreTable> SearchSettings<T> {
    fn build<'q>(&self, query: &'q [f32], limit: usize) -> Search<'q, StoredEmbedding<T>> {
        let mut search = StoredEmbedding::<T>::search(query)
            .metric(T::METRIC)
            .limit(limit);
        if let Some(bound) = self.bound {
            search = search.max_distance(bound);
        }
        if let Some(filter) = &self.filter {
            search = search.filter(filter.clone());
        }
        if self.exact {
            search = search.exact();
        }
        search
    }

    /// Runs the search for `samples` distinct documents, with their documents unless `ids_only`: rows
    /// are fetched nearest first, twice as many again while documents repeat and more rows may follow.
    async fn run(
        &self,
        db: &Db,
        query: &[f32],
        ids_only: bool,
    ) -> Result<Vec<(String, f64, Option<serde_json::Value>)>> {
        let mut limit = self.samples;
        loop {
            let search = self.build(query, limit);
            let rows = if ids_only {
                ids(search.fetch_columns(db, ["document_id"]).await?)?
            } else {
                search
                    .fetch(db)
                    .await?
                    .into_iter()
                    .map(|hit| {
                        let record = hit.record;
                        (record.document_id, hit.distance, Some(record.document))
                    })
                    .collect()
            };
            let fetched = rows.len();
            let mut seen = HashSet::new();
            let mut documents: Vec<_> = rows
                .into_iter()
                .filter(|(id, _, _)| seen.insert(id.clone()))
                .collect();
            if documents.len() >= self.samples || fetched < limit || limit >= MAX_ROWS {
                documents.truncate(self.samples);
                return Ok(documents);
            }
            limit = (limit * 2).min(MAX_ROWS);
        }
    }
}

/// The document ids of a keys-and-columns search.
fn ids(hits: Vec<crate::PartialHit<i64>>) -> Result<Vec<(String, f64, Option<serde_json::Value>)>> {
    hits.into_iter()
        .map(|hit| match hit.get("document_id") {
            Some(crate::Value::Text(id)) => Ok((id.clone(), hit.distance, None)),
            other => Err(Error::Decode {
                column: "document_id",
                reason: format!("expected text, found {other:?}"),
            }),
        })
        .collect()
}

/// The most rows one search of the store fetches while collecting distinct documents.
const MAX_ROWS: usize = 100_000;

/// The largest distance whose score (see the module documentation) is at least `threshold`, as the
/// exclusive bound `max_distance` takes; `None` when no distance is (a negative L2 or L1 bound).
fn max_distance(metric: Metric, threshold: f64) -> Option<f64> {
    let mut bound = match metric {
        Metric::Cosine => 1.0 - threshold,
        _ => -threshold,
    };
    if !bound.is_finite() {
        return None;
    }
    // `1 - threshold` rounds: step to the largest distance whose score is still at least the threshold,
    // so that a row comes back exactly when `score >= threshold` (a few steps at most).
    while score(metric, bound) < threshold {
        bound = bound.next_down();
    }
    while score(metric, bound.next_up()) >= threshold {
        bound = bound.next_up();
    }
    if bound < 0.0 && matches!(metric, Metric::L2 | Metric::L1) {
        return None;
    }
    Some(bound.next_up())
}

/// The score of a distance: higher is nearer.
fn score(metric: Metric, distance: f64) -> f64 {
    match metric {
        Metric::Cosine => 1.0 - distance,
        _ => -distance,
    }
}

fn datastore(error: Error) -> VectorStoreError {
    VectorStoreError::datastore(error)
}

/// rig's filter as this crate's filter on the document's top-level fields.
fn translate<T: StoreTable>(
    filter: Filter<serde_json::Value>,
) -> std::result::Result<crate::Filter<StoredEmbedding<T>>, FilterError> {
    let path = |key: &str| -> std::result::Result<_, FilterError> {
        let plain = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain {
            return Err(FilterError::Must(
                format!("the filter key {key:?}"),
                "be a plain field name (ASCII letters, digits and `_`, not starting with a digit)"
                    .into(),
            ));
        }
        Ok(StoredEmbedding::<T>::FIELDS
            .document
            .path(format!("$.{key}")))
    };
    Ok(match filter {
        Filter::Eq(key, value) => {
            let path = path(&key)?;
            match value {
                serde_json::Value::Bool(b) => path.eq(b),
                serde_json::Value::String(s) => path.eq(s),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => path.eq(i),
                    None => path.eq(number(&key, &n)?),
                },
                other => return Err(unsupported_value(&key, &other, "equality")),
            }
        }
        Filter::Gt(key, value) => ordered(path(&key)?, &key, value, Ordering::Greater)?,
        Filter::Lt(key, value) => ordered(path(&key)?, &key, value, Ordering::Less)?,
        Filter::And(left, right) => translate::<T>(*left)? & translate::<T>(*right)?,
        Filter::Or(left, right) => translate::<T>(*left)? | translate::<T>(*right)?,
    })
}

/// `path > value` (`Greater`) or `path < value` (`Less`), for a number or a string.
fn ordered<T>(
    path: crate::JsonPath<StoredEmbedding<T>>,
    key: &str,
    value: serde_json::Value,
    side: Ordering,
) -> std::result::Result<crate::Filter<StoredEmbedding<T>>, FilterError> {
    let value: crate::JsonOrdered = match value {
        serde_json::Value::String(s) => s.into(),
        serde_json::Value::Number(n) => number(key, &n)?.into(),
        other => return Err(unsupported_value(key, &other, "ordering")),
    };
    Ok(if side == Ordering::Greater {
        path.gt(value)
    } else {
        path.lt(value)
    })
}

fn number(key: &str, n: &serde_json::Number) -> std::result::Result<f64, FilterError> {
    n.as_f64()
        .ok_or_else(|| FilterError::TypeError(format!("the number {n} of the filter on `{key}`")))
}

fn unsupported_value(key: &str, value: &serde_json::Value, what: &str) -> FilterError {
    FilterError::TypeError(format!(
        "the filter on `{key}` compares with {value}: this store filters {what} on numbers and strings{}",
        if what == "equality" {
            " and booleans"
        } else {
            ""
        }
    ))
}

impl<T: StoreTable> InsertDocuments for RigStore<T> {
    /// Inserts each document's embeddings, one row each under a new document id, in one transaction
    /// ([`VectorModel::insert_many`]: all or nothing). rig's `f64` vectors are narrowed to `f32` with a
    /// check ([`Error::NonFinite`] for a value beyond `f32`); a vector of other dimensions than the
    /// table's, or a document without an embedding, is an error; in every case nothing is stored.
    async fn insert_documents<Doc: Serialize + rig_core::Embed + Send>(
        &self,
        documents: Vec<(Doc, Vec<Embedding>)>,
    ) -> std::result::Result<(), VectorStoreError> {
        let mut rows = Vec::new();
        for (position, (document, embeddings)) in documents.into_iter().enumerate() {
            if embeddings.is_empty() {
                return Err(datastore(Error::InvalidArgument(format!(
                    "document {position} of the call has no embedding: give each document at least one"
                ))));
            }
            let document_id = new_document_id();
            let document = serde_json::to_value(&document)?;
            for embedding in embeddings {
                let vector = Vector::try_from(embedding.vec.as_slice()).map_err(datastore)?;
                rows.push(StoredEmbedding::<T> {
                    document_id: document_id.clone(),
                    document: document.clone(),
                    embedded_text: embedding.document,
                    embedding: vector.into(),
                    table: PhantomData,
                });
            }
        }
        StoredEmbedding::<T>::insert_many(&self.db, &rows)
            .await
            .map_err(datastore)?;
        Ok(())
    }
}

/// A new document id: a random (version 4) UUID.
fn new_document_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl<T: StoreTable> VectorStoreIndex for RigStore<T> {
    type Filter = Filter<serde_json::Value>;

    /// The `samples` documents nearest to the embedded query, each once, most similar first: see the
    /// [module documentation](self) for the score, the threshold and the filters. A document that does
    /// not deserialize as `D` is an error ([`VectorStoreError::JsonError`]).
    async fn top_n<D: DeserializeOwned + Send>(
        &self,
        request: VectorSearchRequest<Self::Filter>,
    ) -> std::result::Result<Vec<VectorSearchResult<D>>, VectorStoreError> {
        let Some((query, settings)) = self.search(&request).await? else {
            return Ok(Vec::new());
        };
        let rows = settings
            .run(&self.db, query.as_slice(), false)
            .await
            .map_err(datastore)?;
        rows.into_iter()
            .map(|(id, distance, document)| {
                Ok(VectorSearchResult {
                    score: score(T::METRIC, distance),
                    id,
                    document: serde_json::from_value(document.unwrap_or_default())?,
                })
            })
            .collect()
    }

    /// [`top_n`](VectorStoreIndex::top_n)'s documents, their ids and scores only (no document or vector
    /// is read).
    async fn top_n_ids(
        &self,
        request: VectorSearchRequest<Self::Filter>,
    ) -> std::result::Result<Vec<VectorSearchIdResult>, VectorStoreError> {
        let Some((query, settings)) = self.search(&request).await? else {
            return Ok(Vec::new());
        };
        let rows = settings
            .run(&self.db, query.as_slice(), true)
            .await
            .map_err(datastore)?;
        Ok(rows
            .into_iter()
            .map(|(id, distance, _)| VectorSearchIdResult {
                score: score(T::METRIC, distance),
                id,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tiny;
    impl StoreTable for Tiny {
        const NAME: &'static str = "tiny";
        const DIMENSIONS: usize = 3;
    }

    #[test]
    fn thresholds_are_minimum_scores() {
        // Cosine: a similarity of at least 0.8 is a distance of at most 0.2 (kept, not just below).
        let bound = max_distance(Metric::Cosine, 0.8).unwrap();
        assert!(0.2 < bound && bound < 0.2 + 1e-12);
        for threshold in [0.8, 0.1, 0.7, 0.999, -0.5] {
            let bound = max_distance(Metric::Cosine, threshold).unwrap();
            assert!(score(Metric::Cosine, bound.next_down()) >= threshold);
            assert!(score(Metric::Cosine, bound) < threshold);
        }
        assert_eq!(score(Metric::Cosine, 0.25), 0.75);
        // L2: a score is -distance, so a threshold of -1.5 keeps distances up to 1.5; a positive one none.
        assert!(max_distance(Metric::L2, -1.5).unwrap() > 1.5);
        assert_eq!(max_distance(Metric::L2, 0.5), None);
        assert_eq!(max_distance(Metric::L1, f64::NAN), None);
        // The inner product: a score of at least 2 is a negative inner product of at most -2.
        assert!(max_distance(Metric::NegativeInnerProduct, 2.0).unwrap() > -2.0);
        assert_eq!(score(Metric::NegativeInnerProduct, -3.0), 3.0);
    }

    #[test]
    fn filter_keys_are_plain_names() {
        for key in ["x') OR 1=1 --", "a\"b", "a\\b", "$.a", "a.b", "1a", "", "é"] {
            let filter = Filter::Eq(key.to_owned(), serde_json::json!(1));
            assert!(
                matches!(translate::<Tiny>(filter), Err(FilterError::Must(..))),
                "{key:?} must be refused"
            );
        }
        for key in ["a", "_a1", "Lang"] {
            assert!(translate::<Tiny>(Filter::Eq(key.to_owned(), serde_json::json!("x"))).is_ok());
        }
    }

    #[test]
    fn values_without_one_meaning_are_refused() {
        use serde_json::json;
        for filter in [
            Filter::Eq("a".into(), json!(null)),
            Filter::Eq("a".into(), json!([1])),
            Filter::Eq("a".into(), json!({"b": 1})),
            Filter::Gt("a".into(), json!(true)),
            Filter::Lt("a".into(), json!(null)),
        ] {
            assert!(
                matches!(
                    translate::<Tiny>(filter.clone()),
                    Err(FilterError::TypeError(_))
                ),
                "{filter:?}"
            );
        }
        let nested = Filter::And(
            Box::new(Filter::Gt("n".into(), json!(2))),
            Box::new(Filter::Or(
                Box::new(Filter::Eq("lang".into(), json!("en"))),
                Box::new(Filter::Lt("x".into(), json!(1.5))),
            )),
        );
        assert!(translate::<Tiny>(nested).is_ok());
    }
}
