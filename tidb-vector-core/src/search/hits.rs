//! What a search returns: [`Hit`]s, or [`PartialHit`]s (the key, the distance and the columns asked for).

use std::fmt;

use crate::model::VectorModel;
use crate::value::Value;

/// One search result: the row, its key and its distance to the query.
///
/// With the `serde` feature it (de)serializes as `{"key": .., "distance": .., "record": ..}` when the model
/// and its key do.
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(bound(
        serialize = "M: serde::Serialize, M::Key: serde::Serialize",
        deserialize = "M: serde::Deserialize<'de>, M::Key: serde::Deserialize<'de>"
    ))
)]
pub struct Hit<M: VectorModel> {
    /// The row's primary key.
    pub key: M::Key,
    /// The row's distance to the query (smaller is nearer).
    pub distance: f64,
    /// The row.
    pub record: M,
    /// The [reranker](crate::Search::rerank)'s score, higher is better; `None` when the search was not
    /// reranked.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub rerank_score: Option<f64>,
}

impl<M: VectorModel + fmt::Debug> fmt::Debug for Hit<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hit")
            .field("key", &self.key)
            .field("distance", &self.distance)
            .field("record", &self.record)
            .field("rerank_score", &self.rerank_score)
            .finish()
    }
}

impl<M: VectorModel + Clone> Clone for Hit<M> {
    fn clone(&self) -> Self {
        Hit {
            key: self.key.clone(),
            distance: self.distance,
            record: self.record.clone(),
            rerank_score: self.rerank_score,
        }
    }
}

/// A search result with some columns only (see [`Search::fetch_columns`](crate::Search::fetch_columns)).
///
/// With the `serde` feature it serializes as `{"key": .., "distance": .., "values": [["name", value], ..]}`.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PartialHit<K> {
    /// The row's primary key.
    pub key: K,
    /// The row's distance to the query.
    pub distance: f64,
    /// The selected columns' values, in the order asked.
    pub values: Vec<(&'static str, Value)>,
}

impl<K> PartialHit<K> {
    /// The value of a selected column.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(name, _)| *name == column)
            .map(|(_, v)| v)
    }
}
