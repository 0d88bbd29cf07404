//! Hybrid search's fusion: a vector search's and a text search's ranked lists merged into one, in Rust,
//! the same way on every backend.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::schema::Metric;

/// How a hybrid search merges its vector list and its text list into one ranking.
///
/// Either way a row found by only one of the two searches gets nothing from the other, and rows with the
/// same fused score are ordered by key, ascending.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Fusion {
    /// Reciprocal rank fusion: a row scores `Σ 1 / (k + rank)` over the lists it is in, its rank counted
    /// from 1. Only ranks matter, so the two searches' different scales do not. [`Fusion::rrf`] gives
    /// `k = 60`, the value pytidb, TiDB's and MariaDB's documentation use (also the default).
    Rrf {
        /// The damping constant: larger values flatten the difference between the first ranks. Above 0.
        k: f64,
    },
    /// Weighted normalised scores: `vector × v + text × t`, where `v` is the distance mapped to `[0, 1]`
    /// (cosine `1 − d/2`; L2 `1 − 2·atan(d)/π`) and `t` the text score mapped to `[0, 1]` (`2·atan(s)/π`),
    /// as pytidb does. Only for the cosine and L2 metrics. Text scores differ in scale between TiDB
    /// (BM25), MariaDB (InnoDB's relevance) and SQLite (BM25), so these scores are not comparable across
    /// backends; RRF is.
    Weighted {
        /// The vector side's weight, at least 0.
        vector: f64,
        /// The text side's weight, at least 0.
        text: f64,
    },
}

impl Fusion {
    /// Reciprocal rank fusion with `k = 60`.
    pub const fn rrf() -> Self {
        Fusion::Rrf { k: 60.0 }
    }

    /// Weighted normalised scores with these weights.
    pub const fn weighted(vector: f64, text: f64) -> Self {
        Fusion::Weighted { vector, text }
    }

    /// Refuses parameters no fusion can use, and weights for a metric they cannot normalise.
    pub(crate) fn check(self, metric: Metric) -> Result<()> {
        match self {
            Fusion::Rrf { k } if !(k.is_finite() && k > 0.0) => Err(Error::InvalidArgument(
                format!("RRF's k must be a finite number above 0, not {k}; 60 is the usual value"),
            )),
            Fusion::Weighted { vector, text }
                if !(vector.is_finite() && text.is_finite())
                    || vector < 0.0
                    || text < 0.0
                    || vector + text == 0.0 =>
            {
                Err(Error::InvalidArgument(format!(
                    "weights must be finite, at least 0 and not both 0, not vector {vector} and text {text}"
                )))
            }
            Fusion::Weighted { .. } if !matches!(metric, Metric::Cosine | Metric::L2) => {
                Err(Error::InvalidArgument(format!(
                    "weighted fusion maps cosine and L2 distances to [0, 1], not the {metric} distance; \
                     use Fusion::rrf() or another metric"
                )))
            }
            _ => Ok(()),
        }
    }
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion::rrf()
    }
}

/// One row of a fused ranking: its key, fused score, and what each search said of it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fused<K> {
    pub(crate) key: K,
    pub(crate) score: f64,
    pub(crate) distance: Option<f64>,
    pub(crate) text_score: Option<f64>,
    pub(crate) vector_rank: Option<usize>,
    pub(crate) text_rank: Option<usize>,
}

/// Merges `vector` (keys with their distances, nearest first) and `text` (keys with their text scores,
/// best first) into one ranking, best first: fused score descending, then key ascending.
pub(crate) fn fuse<K: Ord + Clone>(
    vector: &[(K, f64)],
    text: &[(K, f64)],
    fusion: Fusion,
    metric: Metric,
) -> Result<Vec<Fused<K>>> {
    fusion.check(metric)?;
    let mut rows: BTreeMap<K, Fused<K>> = BTreeMap::new();
    for (i, (key, distance)) in vector.iter().enumerate() {
        let row = rows.entry(key.clone()).or_insert_with(|| empty(key));
        // A key listed twice keeps its first (best) place.
        if row.vector_rank.is_none() {
            row.vector_rank = Some(i + 1);
            row.distance = Some(*distance);
        }
    }
    for (i, (key, score)) in text.iter().enumerate() {
        let row = rows.entry(key.clone()).or_insert_with(|| empty(key));
        if row.text_rank.is_none() {
            row.text_rank = Some(i + 1);
            row.text_score = Some(*score);
        }
    }
    let mut fused: Vec<Fused<K>> = rows
        .into_values()
        .map(|mut row| {
            row.score = match fusion {
                Fusion::Rrf { k } => [row.vector_rank, row.text_rank]
                    .into_iter()
                    .flatten()
                    .map(|rank| 1.0 / (k + rank as f64))
                    .sum(),
                Fusion::Weighted { vector, text } => {
                    let v = row.distance.map_or(0.0, |d| match metric {
                        Metric::Cosine => 1.0 - d / 2.0,
                        _ => 1.0 - 2.0 * d.atan() / std::f64::consts::PI,
                    });
                    let t = row
                        .text_score
                        .map_or(0.0, |s| 2.0 * s.atan() / std::f64::consts::PI);
                    vector * v + text * t
                }
            };
            row
        })
        .collect();
    // Stable: rows come out of the map in key order, so equal scores stay in ascending key order.
    fused.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(fused)
}

fn empty<K: Clone>(key: &K) -> Fused<K> {
    Fused {
        key: key.clone(),
        score: 0.0,
        distance: None,
        text_score: None,
        vector_rank: None,
        text_rank: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pytidb's fusion test case (tests/test_fusion.py): vector ids by rank with distances 0.1..0.5,
    /// text ids by rank with scores 2.5..2.1.
    /// Keys with their distance or text score, best first.
    type Ranked = Vec<(i64, f64)>;

    fn lists() -> (Ranked, Ranked) {
        let vector = [101, 203, 150, 198, 175]
            .into_iter()
            .zip([0.1, 0.2, 0.3, 0.4, 0.5])
            .collect();
        let text = [198, 101, 110, 175, 250]
            .into_iter()
            .zip([2.5, 2.4, 2.3, 2.2, 2.1])
            .collect();
        (vector, text)
    }

    fn scores(fused: &[Fused<i64>]) -> Vec<(i64, f64)> {
        fused
            .iter()
            .map(|row| (row.key, (row.score * 1e5).round() / 1e5))
            .collect()
    }

    #[test]
    fn rrf_matches_pytidb() {
        let (vector, text) = lists();
        let fused = fuse(&vector, &text, Fusion::rrf(), Metric::L2).unwrap();
        assert_eq!(
            scores(&fused),
            [
                (101, 0.03252),
                (198, 0.03202),
                (175, 0.03101),
                (203, 0.01613),
                // A tie (rank 3 in one list each), broken by key.
                (110, 0.01587),
                (150, 0.01587),
                (250, 0.01538),
            ]
        );
        let first = &fused[0];
        assert_eq!(
            (
                first.vector_rank,
                first.text_rank,
                first.distance,
                first.text_score
            ),
            (Some(1), Some(2), Some(0.1), Some(2.4))
        );
        let text_only = fused.iter().find(|row| row.key == 250).unwrap();
        assert_eq!((text_only.vector_rank, text_only.distance), (None, None));
    }

    #[test]
    fn weighted_matches_pytidb() {
        let (vector, text) = lists();
        let fused = fuse(&vector, &text, Fusion::weighted(0.5, 0.5), Metric::L2).unwrap();
        assert_eq!(
            scores(&fused),
            [
                (101, 0.84261),
                (198, 0.75776),
                (175, 0.71662),
                (203, 0.43717),
                (150, 0.40723),
                (110, 0.36945),
                (250, 0.35854),
            ]
        );
        let fused = fuse(
            &[(101, 0.1), (203, 0.2)],
            &[(101, 2.4), (110, 2.3)],
            Fusion::weighted(0.3, 0.7),
            Metric::L2,
        )
        .unwrap();
        assert_eq!(
            scores(&fused),
            [(101, 0.80503), (110, 0.51723), (203, 0.26230)]
        );
    }

    #[test]
    fn one_empty_list_ranks_by_the_other() {
        let fused = fuse(
            &[(3, 0.1), (1, 0.2), (2, 0.3)],
            &[],
            Fusion::rrf(),
            Metric::Cosine,
        )
        .unwrap();
        let expected = [(3, 1.0 / 61.0), (1, 1.0 / 62.0), (2, 1.0 / 63.0)];
        for (row, (key, score)) in fused.iter().zip(expected) {
            assert_eq!(row.key, key);
            assert!((row.score - score).abs() < 1e-15);
        }
        // Cosine: 1 - d/2, and the text weight has nothing to add.
        let fused = fuse(&[(7, 0.5)], &[], Fusion::weighted(1.0, 1.0), Metric::Cosine).unwrap();
        assert_eq!(fused[0].score, 0.75);
        assert!(
            fuse::<i64>(&[], &[], Fusion::rrf(), Metric::L2)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        for fusion in [
            Fusion::Rrf { k: 0.0 },
            Fusion::Rrf { k: f64::NAN },
            Fusion::weighted(-0.1, 1.0),
            Fusion::weighted(0.0, 0.0),
            Fusion::weighted(f64::INFINITY, 1.0),
        ] {
            let error = fuse::<i64>(&[], &[], fusion, Metric::Cosine).unwrap_err();
            assert!(matches!(error, Error::InvalidArgument(_)), "{fusion:?}");
        }
        let error = fuse::<i64>(&[], &[], Fusion::weighted(0.5, 0.5), Metric::L1).unwrap_err();
        assert!(error.to_string().contains("L1"), "{error}");
    }
}
