//! Search statements: nearest-k in the shape a vector index serves, with distance bounds and filters in a
//! `WHERE` or (TiDB) in an outer query over the nearest candidates, and the select lists they share with
//! record reads.

use super::{DISTANCE_ALIAS, Dialect, MAX_LIMIT, Param, Statement};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::filter::FilterNode;
use crate::schema::{Column, ColumnKind, Metric, Schema};

/// Everything a search statement depends on; built by [`Search`](crate::Search).
#[derive(Clone, Debug)]
pub struct SearchPlan<'a> {
    /// The distance to rank by.
    pub metric: Metric,
    /// The most rows to return.
    pub limit: usize,
    /// Keep rows whose distance is below this.
    pub max_distance: Option<f64>,
    /// Keep rows whose distance is at least this.
    pub min_distance: Option<f64>,
    /// Keep rows matching this.
    pub filter: Option<&'a FilterNode>,
    /// Scan every row (exact) rather than use a shape an approximate vector index can serve.
    pub exact: bool,
    /// On TiDB, how many nearest rows the index-eligible inner query fetches before filtering.
    pub candidates: usize,
    /// On TiDB, the `READ_FROM_STORAGE(TIFLASH[t])` hint.
    pub read_from_tiflash: bool,
    /// On TiDB, the `IGNORE_PLAN_CACHE()` hint.
    pub ignore_plan_cache: bool,
    /// Write the (validated) vector and distance bounds into the SQL instead of binding them.
    pub literal: Option<&'a [f32]>,
    /// Select only the key, these scalar columns and the distance (`Some(&[])`: the key alone); `None`
    /// selects every column.
    pub columns: Option<&'a [&'a str]>,
    /// On MariaDB, how many candidates the vector index search keeps (`mhnsw_ef_search`, 1 to 10000).
    pub ef_search: Option<usize>,
    /// Room for rows without a distance (a NULL vector, a zero vector under cosine): this many more rows
    /// are fetched (and, on TiDB, candidates considered), so that such rows, which sort first, do not take
    /// the places of rows with a distance. The search counts them and runs again with more room when
    /// there were more (see [`Search`](crate::Search)).
    pub reserve: usize,
}

impl SearchPlan<'_> {
    /// A plain nearest-`limit` plan.
    #[cfg(test)]
    pub fn nearest(metric: Metric, limit: usize) -> Self {
        SearchPlan {
            metric,
            limit,
            max_distance: None,
            min_distance: None,
            filter: None,
            exact: false,
            candidates: limit,
            read_from_tiflash: false,
            ignore_plan_cache: false,
            literal: None,
            columns: None,
            ef_search: None,
            reserve: 0,
        }
    }
}

/// Which columns a select list carries.
#[derive(Clone, Copy)]
pub(super) enum Only<'a> {
    All,
    /// The key, then these columns in this order.
    Key(&'a [&'a str]),
    Scalars,
}

impl Dialect {
    /// The select list of a search: every column in schema order (vectors read as the dialect reads them),
    /// or only the key, then the distance as [`DISTANCE_ALIAS`].
    pub(super) fn select_list(
        &self,
        schema: &Schema,
        distance: Option<&str>,
        only: Only<'_>,
    ) -> String {
        let mut items = Vec::with_capacity(schema.columns.len() + 1);
        let mut chosen: Vec<&Column> = Vec::new();
        match only {
            Only::All => chosen.extend(schema.columns),
            Only::Scalars => chosen.extend(
                schema
                    .columns
                    .iter()
                    .filter(|c| matches!(c.kind, ColumnKind::Scalar(_))),
            ),
            Only::Key(names) => {
                chosen.push(schema.key_column());
                chosen.extend(
                    names
                        .iter()
                        .filter_map(|n| schema.columns.iter().find(|c| c.name == *n)),
                );
            }
        }
        for column in chosen {
            let name = self.quote(column.name);
            items.push(match column.kind {
                ColumnKind::Vector { .. } => format!("{} AS {name}", (self.vector_read)(&name)),
                ColumnKind::Scalar(_) => name,
            });
        }
        if let Some(distance) = distance {
            items.push(format!("{distance} AS {}", self.quote(DISTANCE_ALIAS)));
        }
        items.join(", ")
    }

    /// A search statement: nearest-k, with optional distance bounds and filters.
    ///
    /// - Nearest-k with no bounds or filters: `SELECT ..., <distance> AS _distance FROM t ORDER BY _distance
    ///   LIMIT k`. On TiDB this is exactly the shape the vector index serves: one ascending distance between
    ///   the column and a constant, directly over the table, no `WHERE`.
    /// - With bounds or filters on TiDB (unless `exact`): the same query fetches the nearest `candidates`
    ///   rows, and an outer query applies the bounds and filters (TiDB ignores its vector index as soon as
    ///   a query has a `WHERE`). Rows beyond the candidates are not seen.
    /// - Otherwise (MariaDB and SQLite, or `exact`): the bounds and filters are a `WHERE`, which also drops
    ///   rows with no distance. On TiDB a `WHERE` means a full scan, so results are exact; on MariaDB an
    ///   exact search also names the vector index in `IGNORE INDEX`.
    pub fn search(&self, schema: &Schema, plan: &SearchPlan<'_>) -> Result<Statement> {
        let literal_bound = |bound: f64| format!("{bound:?}");
        let vector = match plan.literal {
            Some(values) => self.vector_literal(values),
            None => self.vector_param.to_owned(),
        };
        let column = self.quote(schema.vector_column().name);
        let distance = (self.distance)(plan.metric, &column, &vector, schema.dimensions())
            .ok_or_else(|| Error::Unsupported {
                backend: self.backend,
                what: format!("the {} distance", plan.metric),
            })?;
        let query_param = || plan.literal.is_none().then_some(Param::Query);
        let alias = self.quote(DISTANCE_ALIAS);
        let table = self.quote(schema.table);
        let only = match plan.columns {
            Some(names) => Only::Key(names),
            None => Only::All,
        };
        let list = self.select_list(schema, Some(&distance), only);
        let hint = self.hint(schema, plan);
        let prefix = match (plan.ef_search, self.ef_search_prefix) {
            (Some(ef), Some(prefix)) => prefix(ef),
            _ => String::new(),
        };
        let limit = plan.limit.saturating_add(plan.reserve).min(MAX_LIMIT);

        let mut params: Vec<Param> = query_param().into_iter().collect();
        let unfiltered =
            plan.filter.is_none() && plan.max_distance.is_none() && plan.min_distance.is_none();
        if unfiltered && !(plan.exact && self.backend != Backend::Sqlite) {
            return Ok(Statement {
                sql: format!(
                    "{prefix}SELECT {hint}{list} FROM {table} ORDER BY {alias} LIMIT {limit}"
                ),
                params,
            });
        }

        // The conditions, on `subject` (the alias in an outer query, the expression in a WHERE).
        let mut conditions = Vec::new();
        let mut condition_params = Vec::new();
        let outer = self.filter_in_outer_query && !plan.exact;
        let subject = if outer {
            alias.clone()
        } else {
            distance.clone()
        };
        if plan.max_distance.is_none() && plan.min_distance.is_none() && !outer {
            // A bound already leaves out rows with no distance; without one, say so. (The outer query on
            // TiDB lets them through instead, to be counted: see `SearchPlan::reserve`.)
            condition_params.extend(query_param());
            conditions.push(format!("{subject} IS NOT NULL"));
        }
        let bounds = [
            (plan.max_distance, "<", Param::MaxDistance),
            (plan.min_distance, ">=", Param::MinDistance),
        ];
        for (bound, op, param) in bounds {
            let Some(bound) = bound else { continue };
            if !outer {
                condition_params.extend(query_param());
            }
            match plan.literal {
                Some(_) => conditions.push(format!("{subject} {op} {}", literal_bound(bound))),
                None => {
                    conditions.push(format!("{subject} {op} ?"));
                    condition_params.push(param);
                }
            }
        }
        if let Some(filter) = plan.filter {
            let mut sql = String::new();
            self.render_filter(filter, &mut sql, &mut condition_params);
            conditions.push(sql);
        }
        let conditions = match conditions.as_slice() {
            // Alone (a bound, or a filter, which brings its own parentheses) it needs none under `OR`.
            [one] if outer => one.clone(),
            _ if outer => format!("({})", conditions.join(" AND ")),
            _ => conditions.join(" AND "),
        };
        params.extend(condition_params);

        let sql = if outer {
            // Some columns only: the inner query still carries every scalar column the filters may read.
            let (outer_list, inner_list) = if let Some(names) = plan.columns {
                let outer: Vec<String> = std::iter::once(schema.key_column().name)
                    .chain(names.iter().copied())
                    .map(|n| self.quote(n))
                    .chain([alias.clone()])
                    .collect();
                let inner = self.select_list(schema, Some(&distance), Only::Scalars);
                (outer.join(", "), inner)
            } else {
                ("*".to_owned(), list)
            };
            // Candidates without a distance come back too (first), so that the search can tell how many
            // of the candidates they took.
            format!(
                "{prefix}SELECT {outer_list} FROM (SELECT {hint}{inner_list} FROM {table} ORDER BY {alias} LIMIT {}) AS {} \
                 WHERE {alias} IS NULL OR {conditions} ORDER BY {alias} LIMIT {limit}",
                plan.candidates
                    .max(plan.limit)
                    .saturating_add(plan.reserve)
                    .min(MAX_LIMIT),
                self.quote("_candidates")
            )
        } else {
            let ignore = if plan.exact {
                (self.ignore_vector_index)(schema, self)
                    .map(|clause| format!(" {clause}"))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            format!(
                "{prefix}SELECT {hint}{list} FROM {table}{ignore} WHERE {conditions} ORDER BY {alias} LIMIT {limit}"
            )
        };
        Ok(Statement { sql, params })
    }

    /// TiDB optimizer hints, or nothing.
    fn hint(&self, schema: &Schema, plan: &SearchPlan<'_>) -> String {
        if self.backend != Backend::TiDb {
            return String::new();
        }
        let mut hints = Vec::new();
        if plan.read_from_tiflash {
            // Table names are ASCII letters, digits and `_` (checked by the derive): no quoting needed.
            hints.push(format!("READ_FROM_STORAGE(TIFLASH[{}])", schema.table));
        }
        if plan.ignore_plan_cache {
            hints.push("IGNORE_PLAN_CACHE()".to_owned());
        }
        if hints.is_empty() {
            String::new()
        } else {
            format!("/*+ {} */ ", hints.join(", "))
        }
    }

    /// The k-nearest query with no bounds or filters (see [`Dialect::search`]).
    #[cfg(test)]
    pub fn nearest(&self, schema: &Schema, metric: Metric, limit: usize) -> Result<Statement> {
        self.search(schema, &SearchPlan::nearest(metric, limit))
    }

    /// Rows whose distance is below a bound, nearest first (see [`Dialect::search`]).
    #[cfg(test)]
    pub fn within(
        &self,
        schema: &Schema,
        metric: Metric,
        limit: usize,
        candidates: usize,
    ) -> Result<Statement> {
        let mut plan = SearchPlan::nearest(metric, limit);
        plan.max_distance = Some(0.0);
        plan.candidates = candidates;
        self.search(schema, &plan)
    }
}
