//! Distance searches: the [`Search`] builder and its [`Hit`]s.

use std::fmt;
use std::marker::PhantomData;

use crate::db::Db;
use crate::dialect::Param;
use crate::error::{Error, Result};
use crate::exec::{self, Arg, RowReader};
use crate::model::VectorModel;
use crate::schema::Metric;
use crate::value::ColumnType;
use crate::vector::validate;

/// One search result: the row, its key and its distance to the query.
pub struct Hit<M: VectorModel> {
    /// The row's primary key.
    pub key: M::Key,
    /// The row's distance to the query (smaller is nearer).
    pub distance: f64,
    /// The row.
    pub record: M,
}

impl<M: VectorModel + fmt::Debug> fmt::Debug for Hit<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hit")
            .field("key", &self.key)
            .field("distance", &self.distance)
            .field("record", &self.record)
            .finish()
    }
}

impl<M: VectorModel + Clone> Clone for Hit<M> {
    fn clone(&self) -> Self {
        Hit {
            key: self.key.clone(),
            distance: self.distance,
            record: self.record.clone(),
        }
    }
}

/// A search for the rows nearest to a query vector; start one with [`VectorModel::search`].
///
/// ```no_run
/// # use tidb_vector_core::{Db, Metric, VectorModel};
/// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
/// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
/// let hits = Document::search(&[1.0, 2.0, 3.0])
///     .metric(Metric::L2)
///     .max_distance(1.5)
///     .limit(5)
///     .fetch(db)
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a search does nothing until `fetch`"]
pub struct Search<'q, M> {
    query: &'q [f32],
    metric: Metric,
    limit: usize,
    max_distance: Option<f64>,
    candidates: Option<usize>,
    model: PhantomData<fn() -> M>,
}

impl<M> Clone for Search<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Search<'_, M> {}

impl<M> fmt::Debug for Search<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Search")
            .field("dimensions", &self.query.len())
            .field("metric", &self.metric)
            .field("limit", &self.limit)
            .field("max_distance", &self.max_distance)
            .field("candidates", &self.candidates)
            .finish()
    }
}

impl<'q, M: VectorModel> Search<'q, M> {
    pub(crate) fn new(query: &'q [f32]) -> Self {
        Search {
            query,
            metric: Metric::Cosine,
            limit: 10,
            max_distance: None,
            candidates: None,
            model: PhantomData,
        }
    }

    /// The distance to rank by (default: cosine).
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// The most rows to return (default: 10). Must be at least 1.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Keep only rows whose distance is strictly below `max_distance`.
    pub fn max_distance(mut self, max_distance: f64) -> Self {
        self.max_distance = Some(max_distance);
        self
    }

    /// On TiDB, how many nearest rows the index-eligible inner query fetches before the threshold is
    /// applied (default: `10 × limit` below a limit of 100, else `limit`, as pytidb does). Ignored
    /// elsewhere and without a threshold.
    pub fn candidates(mut self, candidates: usize) -> Self {
        self.candidates = Some(candidates);
        self
    }

    /// Runs the search: rows nearest first, each with its distance.
    ///
    /// The query vector is checked first (dimensions, finite values, and non-zero for cosine); nothing is
    /// sent when it is wrong. Rows whose distance is undefined (a NULL vector, or a zero vector under cosine)
    /// are left out, so fewer than `limit` rows can come back.
    pub async fn fetch(self, db: &Db) -> Result<Vec<Hit<M>>> {
        let schema = &M::SCHEMA;
        validate(self.query, Some(schema.dimensions()))?;
        if self.metric == Metric::Cosine && self.query.iter().all(|v| *v == 0.0) {
            return Err(Error::ZeroQueryVector);
        }
        if self.limit == 0 {
            return Err(Error::InvalidArgument(
                "limit is 0; ask for at least one row".into(),
            ));
        }
        let statement = match self.max_distance {
            None => db.dialect.nearest(schema, self.metric, self.limit)?,
            Some(max) if max.is_nan() => {
                return Err(Error::InvalidArgument(
                    "max_distance is NaN; pass a number".into(),
                ));
            }
            Some(_) => {
                let candidates = self.candidates.unwrap_or(if self.limit < 100 {
                    self.limit * 10
                } else {
                    self.limit
                });
                db.dialect
                    .within(schema, self.metric, self.limit, candidates.max(self.limit))?
            }
        };
        let args = statement
            .params
            .iter()
            .map(|param| match param {
                Param::Query => exec::vector_arg(db.dialect, self.query),
                Param::MaxDistance => Arg::F64(self.max_distance.unwrap_or(f64::INFINITY)),
            })
            .collect();
        let rows = exec::fetch_all(db, statement.sql, args).await?;
        let distance_column = schema.columns.len();
        let mut hits = Vec::with_capacity(rows.len());
        for row in 0..rows.len() {
            let distance = <Option<f64> as ColumnType>::decode(rows.cell(row, distance_column))
                .map_err(|reason| Error::Decode {
                    column: crate::dialect::DISTANCE_ALIAS,
                    reason,
                })?;
            let Some(distance) = distance else { continue };
            let key =
                M::Key::decode(rows.cell(row, schema.key)).map_err(|reason| Error::Decode {
                    column: schema.key_column().name,
                    reason,
                })?;
            let record = M::__from_row(&mut RowReader::new(&rows, row, schema, db.dialect))?;
            if self.metric == Metric::Cosine && is_zero_vector(&record) {
                // Cosine is undefined for a zero vector: TiDB and sqlite-vec say NULL (dropped above),
                // MariaDB says 0, which would rank it first. Drop it everywhere.
                continue;
            }
            hits.push(Hit {
                key,
                distance,
                record,
            });
        }
        Ok(hits)
    }
}

/// Whether the record's vector is all zeros.
fn is_zero_vector<M: VectorModel>(record: &M) -> bool {
    let mut values = Vec::new();
    record.__values(&mut values);
    values
        .get(M::SCHEMA.vector - usize::from(M::SCHEMA.hidden_key))
        .is_some_and(
            |value| matches!(value, crate::Value::Vector(v) if v.iter().all(|x| *x == 0.0)),
        )
}
