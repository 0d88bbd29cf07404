//! Search statements: nearest-k in the shape a vector index serves, with distance bounds and filters in a
//! `WHERE` or (TiDB) in an outer query over the nearest candidates, and the select lists they share with
//! record reads.

use std::fmt::Write as _;

use super::{DISTANCE_ALIAS, Dialect, MAX_LIMIT, Param, QUERY_ALIAS, Statement};
use crate::error::{Error, Result};
use crate::filter::FilterNode;
use crate::schema::{Column, ColumnKind, Metric, Schema};

/// A search's options, as the [`Search`](crate::Search) builder collects them: the one shape the dialect
/// renders.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SearchOptions {
    /// The distance to rank by.
    pub(crate) metric: Metric,
    /// The most rows to return.
    pub(crate) limit: usize,
    /// How many of the nearest rows to skip before them (a page's start); the statement fetches
    /// `offset + limit` rows and the search skips the first `offset` of those with a distance.
    pub(crate) offset: usize,
    /// Keep rows whose distance is below this.
    pub(crate) max_distance: Option<f64>,
    /// Keep rows whose distance is at least this.
    pub(crate) min_distance: Option<f64>,
    /// On TiDB, how many nearest rows the index-eligible inner query fetches before filtering (default:
    /// see [`SearchOptions::candidates`]).
    pub(crate) candidates: Option<usize>,
    /// Scan every row (exact) rather than use a shape an approximate vector index can serve.
    pub(crate) exact: bool,
    /// On TiDB, the `READ_FROM_STORAGE(TIFLASH[t])` hint.
    pub(crate) read_from_tiflash: bool,
    /// On TiDB, the `IGNORE_PLAN_CACHE()` hint.
    pub(crate) ignore_plan_cache: bool,
    /// Write the (validated) vector and distance bounds into the SQL instead of binding them.
    pub(crate) literal: bool,
    /// On MariaDB, how many candidates the vector index search keeps (`mhnsw_ef_search`, 1 to 10000);
    /// `None`: the dialect's default for an index search.
    pub(crate) ef_search: Option<usize>,
}

impl SearchOptions {
    /// Cosine distance, 10 rows, nothing else.
    pub(crate) fn new() -> Self {
        SearchOptions {
            metric: Metric::Cosine,
            limit: 10,
            offset: 0,
            max_distance: None,
            min_distance: None,
            candidates: None,
            exact: false,
            read_from_tiflash: false,
            ignore_plan_cache: false,
            literal: false,
            ef_search: None,
        }
    }

    /// The rows the statement returns at most: the page and the rows before it.
    pub(crate) fn rows(&self) -> usize {
        self.limit.saturating_add(self.offset)
    }

    /// The candidates TiDB's inner query fetches: as set, else `10 × rows` below 100 rows, else `rows`
    /// (as pytidb does, with `rows` the limit and the offset before it); never fewer than `rows`.
    pub(crate) fn candidates(&self) -> usize {
        let rows = self.rows();
        let default = if rows < 100 {
            rows.saturating_mul(10)
        } else {
            rows
        };
        self.candidates.unwrap_or(default).max(rows)
    }
}

/// One rendering of a search: its options and what the call adds to them.
pub(crate) struct SearchRequest<'a> {
    pub(crate) options: &'a SearchOptions,
    /// The (validated) query vector, written into the SQL in literal mode.
    pub(crate) query: &'a [f32],
    /// A search of a server-embedded vector by text (bound; never literal): the distance is TiDB Cloud's
    /// `VEC_EMBED_*_DISTANCE` of the column and the text.
    pub(crate) by_text: bool,
    /// Keep rows matching this.
    pub(crate) filter: Option<&'a FilterNode>,
    /// Select only the key, these scalar columns and the distance (`Some(&[])`: the key alone); `None`
    /// selects every column.
    pub(crate) columns: Option<&'a [&'a str]>,
    /// Room for rows without a distance (a NULL vector, a zero vector under cosine): this many more rows
    /// are fetched (and, on TiDB, candidates considered), so that such rows, which sort first, do not take
    /// the places of rows with a distance. The search counts them and runs again with more room when
    /// there were more (see [`Search`](crate::Search)).
    pub(crate) reserve: usize,
    /// For `EXPLAIN`, which MariaDB cannot apply to a `SET STATEMENT ... FOR`: no `ef_search` prefix.
    pub(crate) explain: bool,
}

impl<'a> SearchRequest<'a> {
    /// Every column, no filter, no room reserved.
    #[cfg(test)]
    pub(crate) fn new(options: &'a SearchOptions, query: &'a [f32]) -> Self {
        SearchRequest {
            options,
            query,
            by_text: false,
            filter: None,
            columns: None,
            reserve: 0,
            explain: false,
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

    /// Several searches in one statement (one round trip): each search's own statement, rendered with the
    /// same options, as a derived table whose rows are tagged with its position (`_query`, after its
    /// columns), joined by `UNION ALL` and ordered by position, then distance. Each part keeps its
    /// `ORDER BY ... LIMIT` shape inside, the one TiDB's and MariaDB's vector indexes serve; MariaDB's
    /// `SET STATEMENT ... FOR` prefix, the same for every part, goes once in front.
    pub(crate) fn search_union(&self, statements: &[Statement]) -> Statement {
        let prefix = statements
            .first()
            .and_then(|s| s.sql.find("SELECT").map(|at| s.sql[..at].to_owned()))
            .unwrap_or_default();
        let query = self.quote(QUERY_ALIAS);
        let mut sql = prefix.clone();
        let mut params = Vec::new();
        for (i, statement) in statements.iter().enumerate() {
            if i > 0 {
                sql.push_str(" UNION ALL ");
            }
            let part = self.quote(&format!("_s{i}"));
            let inner = statement
                .sql
                .strip_prefix(prefix.as_str())
                .unwrap_or(&statement.sql);
            let _ = write!(
                sql,
                "SELECT {part}.*, {i} AS {query} FROM ({inner}) AS {part}"
            );
            params.extend(statement.params.iter().cloned());
        }
        let _ = write!(sql, " ORDER BY {query}, {}", self.quote(DISTANCE_ALIAS));
        Statement { sql, params }
    }

    /// The distance of a server-embedded column to a bound text: TiDB Cloud's `VEC_EMBED_COSINE_DISTANCE`
    /// or `VEC_EMBED_L2_DISTANCE` (the two its auto-embedding documents), which embed the text with the
    /// column's own model.
    fn server_embedded_distance(&self, metric: Metric, column: &str) -> Result<String> {
        let function = match (self.backend, metric) {
            (crate::Backend::TiDb, Metric::Cosine) => "VEC_EMBED_COSINE_DISTANCE",
            (crate::Backend::TiDb, Metric::L2) => "VEC_EMBED_L2_DISTANCE",
            (crate::Backend::TiDb, _) => {
                return Err(Error::Unsupported {
                    backend: self.backend,
                    what: format!(
                        "a search of a server-embedded vector by the {metric} distance (TiDB Cloud embeds a query's text for cosine and L2 only)"
                    ),
                });
            }
            (backend, _) => {
                return Err(Error::Unsupported {
                    backend,
                    what: "a search by text embedded on the server (TiDB Cloud's auto-embedding)"
                        .into(),
                });
            }
        };
        Ok(format!("{function}({column}, ?)"))
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
    pub(crate) fn search(&self, schema: &Schema, request: &SearchRequest<'_>) -> Result<Statement> {
        let o = request.options;
        let literal = o.literal.then_some(request.query);
        let limit = o.rows().saturating_add(request.reserve).min(MAX_LIMIT);
        let ef_search = match o.ef_search {
            _ if request.explain => None,
            Some(ef) => Some(ef),
            // An index search gets the dialect's default for the rows it fetches (MariaDB's own, 20
            // whatever the limit, finds too few of the true neighbours); a scan needs none.
            None if schema.index().is_some() && !o.exact => {
                self.default_ef_search.map(|f| f(limit))
            }
            None => None,
        };
        let literal_bound = |bound: f64| format!("{bound:?}");
        let vector = match literal {
            Some(values) => self.vector_literal(values),
            None => self.vector_param.to_owned(),
        };
        let column = self.quote(schema.vector_column().name);
        let distance = if request.by_text {
            self.server_embedded_distance(o.metric, &column)?
        } else {
            (self.distance)(o.metric, &column, &vector, schema.dimensions()).ok_or_else(|| {
                Error::Unsupported {
                    backend: self.backend,
                    what: format!("the {} distance", o.metric),
                }
            })?
        };
        let query_param = || literal.is_none().then_some(Param::Query);
        let alias = self.quote(DISTANCE_ALIAS);
        let table = self.quote(schema.table);
        let only = match request.columns {
            Some(names) => Only::Key(names),
            None => Only::All,
        };
        let list = self.select_list(schema, Some(&distance), only);
        let hint = self.hint(schema, o);
        let prefix = match (ef_search, self.ef_search_prefix) {
            (Some(ef), Some(prefix)) => prefix(ef),
            _ => String::new(),
        };

        let mut params: Vec<Param> = query_param().into_iter().collect();
        let unfiltered =
            request.filter.is_none() && o.max_distance.is_none() && o.min_distance.is_none();
        if unfiltered && !(o.exact && self.exact_needs_where) {
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
        let outer = self.filter_in_outer_query && !o.exact;
        let subject = if outer {
            alias.clone()
        } else {
            distance.clone()
        };
        if o.max_distance.is_none() && o.min_distance.is_none() && !outer {
            // A bound already leaves out rows with no distance; without one, say so. (The outer query on
            // TiDB lets them through instead, to be counted: see `SearchRequest::reserve`.)
            condition_params.extend(query_param());
            conditions.push(format!("{subject} IS NOT NULL"));
        }
        let bounds = [
            (o.max_distance, "<", Param::MaxDistance),
            (o.min_distance, ">=", Param::MinDistance),
        ];
        for (bound, op, param) in bounds {
            let Some(bound) = bound else { continue };
            if !outer {
                condition_params.extend(query_param());
            }
            match literal {
                Some(_) => conditions.push(format!("{subject} {op} {}", literal_bound(bound))),
                None => {
                    conditions.push(format!("{subject} {op} ?"));
                    condition_params.push(param);
                }
            }
        }
        if let Some(filter) = request.filter {
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
            let (outer_list, inner_list) = if let Some(names) = request.columns {
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
                o.candidates()
                    .saturating_add(request.reserve)
                    .min(MAX_LIMIT),
                self.quote("_candidates")
            )
        } else {
            let ignore = if o.exact {
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
    fn hint(&self, schema: &Schema, options: &SearchOptions) -> String {
        if !self.optimizer_hints {
            return String::new();
        }
        let mut hints = Vec::new();
        if options.read_from_tiflash {
            // Table names are ASCII letters, digits and `_` (checked by the derive): no quoting needed.
            hints.push(format!("READ_FROM_STORAGE(TIFLASH[{}])", schema.table));
        }
        if options.ignore_plan_cache {
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
    pub(crate) fn nearest(
        &self,
        schema: &Schema,
        metric: Metric,
        limit: usize,
    ) -> Result<Statement> {
        let options = SearchOptions {
            metric,
            limit,
            ..SearchOptions::new()
        };
        self.search(schema, &SearchRequest::new(&options, &[]))
    }

    /// Rows whose distance is below a bound, nearest first (see [`Dialect::search`]).
    #[cfg(test)]
    pub(crate) fn within(
        &self,
        schema: &Schema,
        metric: Metric,
        limit: usize,
        candidates: usize,
    ) -> Result<Statement> {
        let options = SearchOptions {
            metric,
            limit,
            max_distance: Some(0.0),
            candidates: Some(candidates),
            ..SearchOptions::new()
        };
        self.search(schema, &SearchRequest::new(&options, &[]))
    }
}
