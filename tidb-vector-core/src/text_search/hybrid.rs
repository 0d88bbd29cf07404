//! Hybrid search: a vector search and a full-text search, fused.

use std::collections::BTreeMap;
use std::fmt;

use super::TextSearch;
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::filter::Filter;
use crate::fusion::{Fusion, fuse};
use crate::model::VectorModel;
use crate::schema::Metric;
use crate::search::Search;

/// A hybrid search: a vector search and a full-text search run separately, each for the best
/// [`candidates`](HybridSearch::candidates) rows, merged by [`Fusion`] in Rust; start one with
/// [`VectorModel::search_hybrid`].
///
/// Each hit says what both searches found: its distance and vector rank when the vector search found it,
/// its text score and text rank when the text search did. Where the text search cannot run (TiDB without
/// full-text search) the whole search fails with [`Error::Unsupported`]: it never returns vector-only
/// results in its place.
///
/// ```no_run
/// # use tidb_vector_core::{Db, Fusion, VectorModel};
/// # #[derive(VectorModel)] struct Document { #[vector(fulltext)] content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
/// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
/// let hits = Document::search_hybrid(&[1.0, 2.0, 3.0], "fish")
///     .fusion(Fusion::rrf())
///     .limit(3)
///     .fetch(db)
///     .await?;
/// for hit in hits {
///     println!("{} {:.4} {:?} {:?}", hit.record.content, hit.score, hit.distance, hit.text_score);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a search does nothing until `fetch`"]
pub struct HybridSearch<'q, M> {
    vector: Search<'q, M>,
    text: TextSearch<M>,
    metric: Metric,
    limit: usize,
    candidates: Option<usize>,
    fusion: Fusion,
}

/// One row a [`HybridSearch`] returned.
pub struct HybridHit<M: VectorModel> {
    /// The row's primary key.
    pub key: M::Key,
    /// The fused score, higher is better (see [`Fusion`]).
    pub score: f64,
    /// The row's distance to the query vector, when the vector search found it.
    pub distance: Option<f64>,
    /// The row's text score, when the text search found it (see [`TextHit::score`](super::TextHit::score)).
    pub text_score: Option<f64>,
    /// The row's place in the vector search's results, from 1.
    pub vector_rank: Option<usize>,
    /// The row's place in the text search's results, from 1.
    pub text_rank: Option<usize>,
    /// The row.
    pub record: M,
}

impl<M: VectorModel + fmt::Debug> fmt::Debug for HybridHit<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HybridHit")
            .field("key", &self.key)
            .field("score", &self.score)
            .field("distance", &self.distance)
            .field("text_score", &self.text_score)
            .field("vector_rank", &self.vector_rank)
            .field("text_rank", &self.text_rank)
            .field("record", &self.record)
            .finish()
    }
}

impl<'q, M: VectorModel> HybridSearch<'q, M> {
    pub(crate) fn new(query: &'q [f32], text: String) -> Self {
        HybridSearch {
            vector: Search::new(query),
            text: TextSearch::new(text),
            metric: Metric::Cosine,
            limit: 10,
            candidates: None,
            fusion: Fusion::default(),
        }
    }

    /// The most rows to return (default: 10). Must be at least 1.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// How many rows each of the two searches fetches before they are merged (default: the larger of
    /// `limit` and 20, as TiDB's hybrid search guide does). At least `limit`; more finds rows that rank
    /// well in both lists without leading either.
    pub fn candidates(mut self, candidates: usize) -> Self {
        self.candidates = Some(candidates);
        self
    }

    /// The distance of the vector search (default: cosine).
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// How the two lists are merged (default: [`Fusion::rrf`]).
    pub fn fusion(mut self, fusion: Fusion) -> Self {
        self.fusion = fusion;
        self
    }

    /// Keep only rows that pass `filter`, in both searches.
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.vector = self.vector.filter(filter.clone());
        self.text = self.text.filter(filter);
        self
    }

    /// Runs both searches and returns the fused ranking's first `limit` rows, best first (ties by key).
    pub async fn fetch<'c>(self, db: impl Executor<'c>) -> Result<Vec<HybridHit<M>>> {
        if self.limit == 0 {
            return Err(Error::InvalidArgument(
                "a hybrid search's limit must be at least 1".into(),
            ));
        }
        let candidates = self.candidates.unwrap_or(self.limit.max(20));
        if candidates < self.limit {
            return Err(Error::InvalidArgument(format!(
                "candidates ({candidates}) must be at least the limit ({}): each search fetches that many rows",
                self.limit
            )));
        }
        // Checked before any query, so that bad weights fail fast.
        self.fusion.check(self.metric)?;
        let mut session = db.__session("search_hybrid", M::SCHEMA.table);
        // The text search first: where it cannot run, nothing else is sent.
        let text_hits = self.text.limit(candidates).fetch_in(&mut session).await?;
        let vector_hits = self
            .vector
            .metric(self.metric)
            .limit(candidates)
            .fetch_in(&mut session)
            .await?;
        let by_vector: Vec<(M::Key, f64)> = vector_hits
            .iter()
            .map(|hit| (hit.key.clone(), hit.distance))
            .collect();
        let by_text: Vec<(M::Key, f64)> = text_hits
            .iter()
            .map(|hit| (hit.key.clone(), hit.score))
            .collect();
        let fused = fuse(&by_vector, &by_text, self.fusion, self.metric)?;
        let mut records: BTreeMap<M::Key, M> = BTreeMap::new();
        for hit in text_hits {
            records.insert(hit.key, hit.record);
        }
        for hit in vector_hits {
            records.insert(hit.key, hit.record);
        }
        Ok(fused
            .into_iter()
            .take(self.limit)
            .filter_map(|row| {
                let record = records.remove(&row.key)?;
                Some(HybridHit {
                    key: row.key,
                    score: row.score,
                    distance: row.distance,
                    text_score: row.text_score,
                    vector_rank: row.vector_rank,
                    text_rank: row.text_rank,
                    record,
                })
            })
            .collect())
    }
}
