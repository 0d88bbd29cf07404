//! Rerankers: a second, finer ordering of a search's candidates (a cross-encoder, a service, a rule).

use std::future::Future;
use std::pin::Pin;

use crate::embed::BoxError;
use crate::error::{Error, Result};

/// Scores documents against a query, higher is better: applied to a search's candidates with
/// [`Search::rerank`](crate::Search::rerank) or [`HybridSearch::rerank`](crate::HybridSearch::rerank),
/// which return the best `limit` of them by this score.
///
/// ```
/// use tidb_vector_core::{BoxError, Reranker};
///
/// /// Prefers documents that contain the query's words.
/// struct Overlap;
///
/// impl Reranker for Overlap {
///     async fn rerank(&self, query: String, documents: Vec<String>) -> Result<Vec<f64>, BoxError> {
///         Ok(documents
///             .iter()
///             .map(|d| query.split_whitespace().filter(|w| d.contains(w)).count() as f64)
///             .collect())
///     }
/// }
/// ```
pub trait Reranker: Send + Sync {
    /// One score for each document, in the order of `documents`; higher ranks first. A count other
    /// than the documents' or a NaN is refused ([`Error::Rerank`]).
    fn rerank(
        &self,
        query: String,
        documents: Vec<String>,
    ) -> impl Future<Output = std::result::Result<Vec<f64>, BoxError>> + Send;
}

/// A [`Reranker`] behind a reference of one type, for searches that hold it.
pub(crate) trait DynReranker: Send + Sync {
    fn rerank_boxed(
        &self,
        query: String,
        documents: Vec<String>,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<Vec<f64>, BoxError>> + Send + '_>>;
}

impl<R: Reranker> DynReranker for R {
    fn rerank_boxed(
        &self,
        query: String,
        documents: Vec<String>,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<Vec<f64>, BoxError>> + Send + '_>> {
        Box::pin(self.rerank(query, documents))
    }
}

/// A rerank step of a search: the reranker, the query it scores against, where each record's text is,
/// and how many candidates it sees.
pub(crate) struct Rerank<'r, M> {
    pub(crate) reranker: &'r dyn DynReranker,
    pub(crate) query: String,
    pub(crate) text: fn(&M) -> &str,
    pub(crate) candidates: Option<usize>,
}

impl<M> Clone for Rerank<'_, M> {
    fn clone(&self) -> Self {
        Rerank {
            reranker: self.reranker,
            query: self.query.clone(),
            text: self.text,
            candidates: self.candidates,
        }
    }
}

impl<'r, M> Rerank<'r, M> {
    /// The step a search's `rerank` sets, keeping the candidates of the step it replaces.
    pub(crate) fn replacing(
        previous: Option<&Self>,
        reranker: &'r dyn DynReranker,
        query: String,
        text: fn(&M) -> &str,
    ) -> Self {
        Rerank {
            reranker,
            query,
            text,
            candidates: previous.and_then(|r| r.candidates),
        }
    }

    /// Sets the candidates of a search's step, if it has one.
    pub(crate) fn set_candidates(step: &mut Option<Self>, candidates: usize) {
        if let Some(step) = step {
            step.candidates = Some(candidates);
        }
    }

    /// How many candidates the search fetches for a final `limit` (default three times as many).
    pub(crate) fn depth(&self, limit: usize) -> usize {
        self.candidates
            .unwrap_or_else(|| limit.saturating_mul(3))
            .max(limit)
    }

    /// Scores `hits` and returns the best `limit` of them with their scores, best first (ties keep the
    /// search's order).
    pub(crate) async fn apply<H>(
        &self,
        hits: Vec<H>,
        record: impl Fn(&H) -> &M,
        limit: usize,
    ) -> Result<Vec<(H, f64)>> {
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let documents = hits
            .iter()
            .map(|hit| (self.text)(record(hit)).to_owned())
            .collect();
        let scores = self
            .reranker
            .rerank_boxed(self.query.clone(), documents)
            .await
            .map_err(|source| Error::Rerank {
                reason: "the reranker failed".into(),
                source: Some(source),
            })?;
        if scores.len() != hits.len() {
            return Err(Error::Rerank {
                reason: format!(
                    "the reranker returned {} scores for {} documents",
                    scores.len(),
                    hits.len()
                ),
                source: None,
            });
        }
        if scores.iter().any(|s| s.is_nan()) {
            return Err(Error::Rerank {
                reason: "the reranker returned a NaN score".into(),
                source: None,
            });
        }
        let mut scored: Vec<(H, f64)> = hits.into_iter().zip(scores).collect();
        // Stable: equal scores keep the search's order.
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(limit);
        Ok(scored)
    }
}
