//! Hybrid search: a vector search and a full-text search, fused.

use std::fmt;

use super::TextSearch;
use crate::embed::DynEmbedder;
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::filter::Filter;
use crate::fusion::{Fusion, fuse};
use crate::model::VectorModel;
use crate::rerank::{Rerank, Reranker};
use crate::schema::Metric;
use crate::search::Search;

/// A hybrid search: a vector search and a full-text search run separately, each for the best
/// [`candidates`](HybridSearch::candidates) rows, merged by [`Fusion`] in Rust; start one with
/// [`VectorModel::search_hybrid`].
///
/// The two searches read keys and scores alone; the rows of the page returned are then read whole, by key,
/// in a third statement (a row deleted in between is left out). So a search decodes the rows it returns,
/// not every candidate of both lists.
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
    offset: usize,
    candidates: Option<usize>,
    fusion: Fusion,
    rerank: Option<Rerank<'q, M>>,
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
    /// The [reranker](HybridSearch::rerank)'s score, higher is better; `None` when the search was not
    /// reranked.
    pub rerank_score: Option<f64>,
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
            .field("rerank_score", &self.rerank_score)
            .finish()
    }
}

impl<'q, M: VectorModel> HybridSearch<'q, M> {
    pub(crate) fn new(query: &'q [f32], text: String) -> Self {
        Self::of(Search::new(query), text)
    }

    /// A hybrid search whose vector half searches by `text` embedded with `embedder`.
    pub(crate) fn semantic(column: usize, embedder: &'q dyn DynEmbedder, text: String) -> Self {
        Self::of(Search::semantic(column, embedder, text.clone()), text)
    }

    fn of(vector: Search<'q, M>, text: String) -> Self {
        HybridSearch {
            vector,
            text: TextSearch::new(text),
            metric: Metric::Cosine,
            limit: 10,
            offset: 0,
            candidates: None,
            fusion: Fusion::default(),
            rerank: None,
        }
    }

    /// Reorders the fused ranking's first [`rerank_candidates`](HybridSearch::rerank_candidates) rows
    /// (default three times the limit) with `reranker`, which scores the text that `text` reads from each
    /// row against `query`, and returns the best `limit` of them by that score, each with its
    /// [`rerank_score`](HybridHit::rerank_score) (the fused `score` stays as it was).
    pub fn rerank<R: Reranker>(
        mut self,
        reranker: &'q R,
        query: impl Into<String>,
        text: fn(&M) -> &str,
    ) -> Self {
        self.rerank = Some(Rerank::replacing(
            self.rerank.as_ref(),
            reranker,
            query.into(),
            text,
        ));
        self
    }

    /// How many of the fused ranking's rows a [reranked](HybridSearch::rerank) search gives its reranker
    /// (default three times the limit; never fewer than the limit). Without a reranker it changes
    /// nothing.
    pub fn rerank_candidates(mut self, candidates: usize) -> Self {
        Rerank::set_candidates(&mut self.rerank, candidates);
        self
    }

    /// The most rows to return (default: 10). Must be at least 1.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// How many of the fused ranking's first rows to skip (a page's start; default 0). The fused ranking
    /// depends on the [`candidates`](HybridSearch::candidates): set them to cover the deepest page (at
    /// least `offset + limit`) and keep them for every page, and consecutive pages are slices of one
    /// ranking. Not with a [reranker](HybridSearch::rerank) ([`Error::InvalidArgument`]).
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// How many rows each of the two searches fetches before they are merged (default: the larger of
    /// `offset + limit` and 20, as TiDB's hybrid search guide does). At least `offset + limit`; more
    /// finds rows that rank well in both lists without leading either.
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
        if self.offset > 0 && self.rerank.is_some() {
            return Err(Error::InvalidArgument(
                "a reranked hybrid search returns the best `limit` of its candidates; it has no pages (offset)"
                    .into(),
            ));
        }
        let rows = self.limit.saturating_add(self.offset);
        let candidates = self.candidates.unwrap_or(rows.max(20));
        if candidates < rows {
            return Err(Error::InvalidArgument(format!(
                "candidates ({candidates}) must be at least the offset and the limit ({rows}): each search fetches that many rows"
            )));
        }
        // Checked before any query, so that bad weights fail fast.
        self.fusion.check(self.metric)?;
        if let Some((_, embedder)) = &self.vector.semantic {
            crate::embed::check_dimensions::<M>(*embedder, self.vector.column)?;
        }
        let mut session = db.__session("search_hybrid", M::SCHEMA.table);
        // Both searches read keys and scores alone, and only the rows of the fused ranking's page are read
        // whole afterwards: a third statement, which costs less than decoding every candidate of both
        // lists (and lets the server answer each list from its index; see BENCHMARKS.md).
        // The text search first: where it cannot run, nothing else is sent.
        let by_text = self
            .text
            .limit(candidates)
            .fetch_keys_in(&mut session)
            .await?;
        let by_vector = self
            .vector
            .metric(self.metric)
            .limit(candidates)
            .fetch_keys_in(&mut session)
            .await?;
        let fused = fuse(&by_vector, &by_text, self.fusion, self.metric)?;
        let keep = match &self.rerank {
            Some(rerank) => rerank.depth(self.limit),
            None => self.limit,
        };
        let page: Vec<_> = fused.into_iter().skip(self.offset).take(keep).collect();
        let keys: Vec<M::Key> = page.iter().map(|row| row.key.clone()).collect();
        let mut records = crate::model::records::get_many::<M>(&mut session, &keys).await?;
        // A row deleted between the searches and this read is left out.
        let hits: Vec<HybridHit<M>> = page
            .into_iter()
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
                    rerank_score: None,
                })
            })
            .collect();
        let Some(rerank) = &self.rerank else {
            return Ok(hits);
        };
        let scored = rerank.apply(hits, |hit| &hit.record, self.limit).await?;
        Ok(scored
            .into_iter()
            .map(|(mut hit, score)| {
                hit.rerank_score = Some(score);
                hit
            })
            .collect())
    }
}
