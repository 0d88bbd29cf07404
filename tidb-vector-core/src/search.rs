//! Distance searches: the [`Search`] builder and its [`Hit`]s.

use std::fmt;

use crate::backend::Backend;
use crate::bind;
use crate::dialect::{Dialect, SearchOptions, SearchRequest, Statement};
use crate::driver::Args;
use crate::embed::DynEmbedder;
use crate::error::{Error, Result, ServerErrorKind};
use crate::executor::Executor;
use crate::filter::Filter;
use crate::model::VectorModel;
use crate::rerank::{Rerank, Reranker};
use crate::schema::Metric;
use crate::session::Session;
use crate::value::ColumnType;

mod hits;
mod many;
mod stream;

pub use crate::filter::VectorField;
use crate::vector::validate;
pub use hits::{Hit, PartialHit};
pub use many::SearchMany;

/// A search for the rows nearest to a query vector; start one with [`VectorModel::search`].
///
/// ```no_run
/// # use tidb_vector_core::{Db, Metric, VectorModel};
/// # #[derive(VectorModel)] struct Document { year: i32, lang: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
/// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
/// let f = Document::FIELDS;
/// let hits = Document::search(&[1.0, 2.0, 3.0])
///     .metric(Metric::L2)
///     .max_distance(1.5)
///     .filter(f.year.ge(2020) & f.lang.is_in(["en", "de"]))
///     .limit(5)
///     .fetch(db)
///     .await?;
/// # Ok(()) }
/// ```
///
/// # How it runs, and when fewer than `limit` rows come back
///
/// Without bounds or filters, the search is the plain nearest-`limit` query, the shape TiDB's and MariaDB's
/// vector indexes serve. With a bound or a filter:
/// - on **TiDB** (by default) the index-eligible query fetches the nearest [`candidates`](Search::candidates)
///   rows and an outer query keeps those that pass, so rows that pass but lie beyond the candidates are
///   missed: raise `candidates`, or ask for an [`exact`](Search::exact) scan;
/// - on **MariaDB** the bounds and filters are a `WHERE` that its index search honours;
/// - on **SQLite** every search is exact.
///
/// With a vector index, results are approximate (that is the index's trade); [`exact`](Search::exact)
/// ranks every row. Rows with no distance (a NULL vector; a zero vector under cosine) never come back and
/// never take the place of a row that has one: the search fetches room for them and, when it met more than
/// it had room for, runs again with twice as much (one more query, or a few, for a search that meets them;
/// nothing for one that does not). So a search returns fewer than `limit` rows only when the table has
/// fewer rows with a distance, when the bounds and filters leave fewer, or (on TiDB, not exact) when fewer
/// of the nearest `candidates` rows with a distance pass.
///
/// On MariaDB, an index search without [`ef_search`](Search::ef_search) uses this crate's default: ten
/// candidates for each row it fetches, at least 40.
#[must_use = "a search does nothing until `fetch`"]
pub struct Search<'q, M> {
    /// The query vector (empty for a semantic search until its text is embedded).
    query: &'q [f32],
    /// A semantic search's text and embedder.
    pub(crate) semantic: Option<(String, &'q dyn DynEmbedder)>,
    /// A search of a server-embedded vector: the text TiDB Cloud embeds (bound, never literal).
    server_text: Option<String>,
    /// The position in the schema of the vector column searched.
    pub(crate) column: usize,
    options: SearchOptions,
    filter: Option<Filter<M>>,
    rerank: Option<Rerank<'q, M>>,
}

impl<M> Clone for Search<'_, M> {
    fn clone(&self) -> Self {
        Search {
            query: self.query,
            semantic: self.semantic.clone(),
            server_text: self.server_text.clone(),
            column: self.column,
            options: self.options,
            filter: self.filter.clone(),
            rerank: self.rerank.clone(),
        }
    }
}

impl<M> fmt::Debug for Search<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Search")
            .field("dimensions", &self.query.len())
            .field("text", &self.semantic.as_ref().map(|(text, _)| text))
            .field("server_text", &self.server_text)
            .field("metric", &self.options.metric)
            .field("limit", &self.options.limit)
            .field("offset", &self.options.offset)
            .field("max_distance", &self.options.max_distance)
            .field("min_distance", &self.options.min_distance)
            .field("candidates", &self.options.candidates)
            .field("filter", &self.filter)
            .field("exact", &self.options.exact)
            .field("reranked", &self.rerank.is_some())
            .finish_non_exhaustive()
    }
}

impl<'q, M: VectorModel> Search<'q, M> {
    pub(crate) fn new(query: &'q [f32]) -> Self {
        Search::on(M::SCHEMA.vector, query)
    }

    /// A search of the vector column at `column` (a position in the schema).
    pub(crate) fn on(column: usize, query: &'q [f32]) -> Self {
        Search {
            query,
            semantic: None,
            server_text: None,
            column,
            options: SearchOptions::new(),
            filter: None,
            rerank: None,
        }
    }

    /// A search of the vector column at `column` by `text`, embedded with `embedder` when it runs.
    pub(crate) fn semantic(column: usize, embedder: &'q dyn DynEmbedder, text: String) -> Self {
        Search {
            semantic: Some((text, embedder)),
            ..Search::on(column, &[])
        }
    }

    /// A search of the vector column at `column`, which TiDB Cloud embeds from text, by `text` (embedded by
    /// the server with the column's model).
    pub(crate) fn server_semantic(column: usize, text: String) -> Self {
        Search {
            server_text: Some(text),
            ..Search::on(column, &[])
        }
    }

    /// This search with `query` as its vector (or the server's text, for a search of a server-embedded
    /// vector), neither semantic nor reranked.
    fn with_query<'v>(&self, query: &'v [f32]) -> Search<'v, M>
    where
        'q: 'v,
    {
        Search {
            query,
            semantic: None,
            server_text: self.server_text.clone(),
            column: self.column,
            options: self.options,
            filter: self.filter.clone(),
            rerank: None,
        }
    }

    /// Reorders the search's candidates with `reranker`, which scores the text that `text` reads from
    /// each row against `query`, and returns the best [`limit`](Search::limit) of them by that score,
    /// each with its [`rerank_score`](Hit::rerank_score). The search fetches
    /// [`rerank_candidates`](Search::rerank_candidates) rows for it (default three times the limit).
    /// Only [`fetch`](Search::fetch) reranks (the other fetches have no rows to read text from), and
    /// not with an [`offset`](Search::offset): those are [`Error::InvalidArgument`].
    ///
    /// ```no_run
    /// # use tidb_vector_core::{BoxError, Db, Reranker, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # struct Shortest;
    /// # impl Reranker for Shortest {
    /// #     async fn rerank(&self, _: String, d: Vec<String>) -> Result<Vec<f64>, BoxError> {
    /// #         Ok(d.iter().map(|t| -(t.len() as f64)).collect())
    /// #     }
    /// # }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// let hits = Document::search(&[1.0, 2.0, 3.0])
    ///     .limit(3)
    ///     .rerank(&Shortest, "a fish", |d: &Document| &d.content)
    ///     .fetch(db)
    ///     .await?;
    /// # Ok(()) }
    /// ```
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

    /// How many rows a [reranked](Search::rerank) search fetches for its reranker to score (default
    /// three times the limit; never fewer than the limit). Without a reranker it changes nothing.
    pub fn rerank_candidates(mut self, candidates: usize) -> Self {
        Rerank::set_candidates(&mut self.rerank, candidates);
        self
    }

    /// The table as this search sees it: its vector column the one searched.
    fn schema(&self) -> crate::Schema {
        M::SCHEMA.on_vector(self.column)
    }

    /// The distance to rank by (default: cosine).
    pub fn metric(mut self, metric: Metric) -> Self {
        self.options.metric = metric;
        self
    }

    /// The most rows to return (default: 10). Must be at least 1.
    pub fn limit(mut self, limit: usize) -> Self {
        self.options.limit = limit;
        self
    }

    /// Skips the `offset` nearest rows, for a page of results: `.offset(20).limit(10)` returns the 21st to
    /// 30th (default: 0). Each page is its own query, which fetches the rows before it too (on TiDB, not
    /// exact, its candidates follow `offset + limit`), so a deep page costs as much as one search of
    /// `offset + limit` rows: for long result lists, [`fetch_keys`](Search::fetch_keys) keeps pages cheap, and
    /// a bound from the last distance seen (`distance_range(last..f64::MAX)`, which keeps rows at exactly
    /// that distance: skip the keys already shown) starts the next page without fetching the earlier ones.
    ///
    /// Pages of an [`exact`](Search::exact) search, and of any search on SQLite, are the slices of one
    /// ranking: consecutive pages together are the search of their combined limit (rows at the same
    /// distance aside, whose order among themselves no backend fixes). With a vector index, each page is
    /// its own approximate search, which may rank a row differently from the page before.
    pub fn offset(mut self, offset: usize) -> Self {
        self.options.offset = offset;
        self
    }

    /// Keep only rows whose distance is strictly below `max_distance`.
    pub fn max_distance(mut self, max_distance: f64) -> Self {
        self.options.max_distance = Some(max_distance);
        self
    }

    /// Keep only rows whose distance is in `min..max` (`min` included, `max` not).
    pub fn distance_range(mut self, range: std::ops::Range<f64>) -> Self {
        self.options.min_distance = Some(range.start);
        self.options.max_distance = Some(range.end);
        self
    }

    /// Keep only rows matching `filter` (combined with `AND` with any earlier filter).
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.filter = Some(Filter::after(self.filter.take(), filter));
        self
    }

    /// On TiDB, how many nearest rows the index-eligible inner query fetches before bounds and filters are
    /// applied (default: `10 × limit` below a limit of 100, else `limit`, as pytidb does). Ignored elsewhere,
    /// in exact mode, and without bounds or filters.
    pub fn candidates(mut self, candidates: usize) -> Self {
        self.options.candidates = Some(candidates);
        self
    }

    /// Rank every row instead of using a shape a vector index can serve: exact results, at the cost of a
    /// full scan. On TiDB the bounds and filters then go into a `WHERE` (which keeps TiDB off its vector
    /// index); on MariaDB the query says `IGNORE INDEX`; on SQLite every search is exact anyway.
    pub fn exact(mut self) -> Self {
        self.options.exact = true;
        self
    }

    /// On TiDB, add the hint `READ_FROM_STORAGE(TIFLASH[table])`, so the query reads the TiFlash replica
    /// (where the vector index lives) even when the optimizer would pick TiKV. Ignored elsewhere.
    pub fn read_from_tiflash(mut self) -> Self {
        self.options.read_from_tiflash = true;
        self
    }

    /// On TiDB, add the hint `IGNORE_PLAN_CACHE()`, so a plan chosen for one query vector (say a TiKV plan
    /// picked while the TiFlash replica was not ready) is never reused for the next. Ignored elsewhere.
    pub fn ignore_plan_cache(mut self) -> Self {
        self.options.ignore_plan_cache = true;
        self
    }

    /// On MariaDB, how many candidates the vector index search keeps (`mhnsw_ef_search`, 1 to 10000), for
    /// this one statement: higher finds more of the true nearest rows, more slowly. Without it, an index
    /// search on MariaDB uses this crate's default, ten candidates for each row it fetches (offset and limit)
    /// and at least 40, not the server's fixed 20. Ignored elsewhere (TiDB exposes no such setting).
    /// Measured recall@10 with this crate's `M=16` index: on 65,000 real text embeddings (384 dimensions)
    /// 0.99 at 100, the default for nearest 10; on 10,000 random 128-dimension vectors, HNSW's worst case,
    /// 0.46 at 20, 0.91 at 100, 0.98 at 400 (BENCHMARKS.md has the latencies).
    pub fn ef_search(mut self, ef_search: usize) -> Self {
        self.options.ef_search = Some(ef_search);
        self
    }

    /// Write the query vector and distance bounds into the SQL instead of binding them, so a search without
    /// filters is sent with no arguments (over the text protocol). Safe: only the validated, finite values
    /// of this crate's codec are written. Filter values are still bound.
    pub fn literal(mut self) -> Self {
        self.options.literal = true;
        self
    }

    fn validate(&self, schema: &crate::Schema) -> Result<()> {
        if let Some(text) = &self.server_text {
            let column = schema.vector_column();
            if !column.is_generated() {
                return Err(Error::InvalidArgument(format!(
                    "`search_server_semantic` searches a vector that TiDB Cloud embeds (`#[vector(source = \"...\", \
                     embed_on_server = \"<model>\")]`), and `{}` of `{}` is not one: search it with \
                     `search_semantic` and an embedder",
                    column.name, schema.table
                )));
            }
            if text.trim().is_empty() {
                return Err(Error::InvalidArgument(
                    "the search's text is empty; say what to look for".into(),
                ));
            }
            if self.options.literal {
                return Err(Error::InvalidArgument(
                    "`literal` writes a query vector into the SQL, and a search by text has none (its text is always bound)"
                        .into(),
                ));
            }
            return self.validate_options();
        }
        validate(self.query, Some(schema.dimensions()))?;
        if self.options.metric == Metric::Cosine && self.query.iter().all(|v| *v == 0.0) {
            return Err(Error::ZeroQueryVector);
        }
        self.validate_options()
    }

    /// The checks of the options alone (a semantic search makes them before it embeds its text).
    fn validate_options(&self) -> Result<()> {
        if self.options.limit == 0 {
            return Err(Error::InvalidArgument(
                "limit is 0; ask for at least one row".into(),
            ));
        }
        for (name, bound) in [
            ("max_distance", self.options.max_distance),
            ("min_distance", self.options.min_distance),
        ] {
            if let Some(bound) = bound
                && !bound.is_finite()
            {
                return Err(Error::InvalidArgument(format!(
                    "{name} is {bound}; pass a finite number"
                )));
            }
        }
        Ok(())
    }

    /// The statement this search sends to `backend`, for inspection; no connection is needed. The query
    /// vector and the options are checked as by [`Search::fetch`]. (`fetch` may run it again with room for
    /// rows without a distance: see above.)
    ///
    /// ```
    /// # use tidb_vector_core::{Backend, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// let statement = Document::search(&[1.0, 2.0, 3.0]).limit(3).statement(Backend::TiDb)?;
    /// assert!(statement.sql.ends_with("ORDER BY `_distance` LIMIT 3"));
    /// # Ok::<(), tidb_vector_core::Error>(())
    /// ```
    ///
    /// A [semantic](VectorModel::search_semantic) search's query is embedded when it runs, so it has no
    /// statement here ([`Error::InvalidArgument`]).
    pub fn statement(&self, backend: Backend) -> Result<Statement> {
        if self.semantic.is_some() {
            return Err(Error::InvalidArgument(
                "a semantic search embeds its text when it runs, so it has no statement before; \
                 embed the text yourself and inspect `search(&vector).statement(..)`"
                    .into(),
            ));
        }
        self.render(Dialect::of(backend), None, 0, false)
    }

    fn render(
        &self,
        dialect: &'static Dialect,
        columns: Option<&[&str]>,
        reserve: usize,
        explain: bool,
    ) -> Result<Statement> {
        let schema = &self.schema();
        self.validate(schema)?;
        if let Some(ef) = self.options.ef_search
            && !(1..=10_000).contains(&ef)
        {
            return Err(Error::InvalidArgument(format!(
                "ef_search is {ef}; MariaDB takes 1 to 10000"
            )));
        }
        let request = SearchRequest {
            options: &self.options,
            query: self.query,
            by_text: self.server_text.is_some(),
            filter: self.filter.as_ref().map(|f| &f.node),
            columns,
            reserve,
            explain,
        };
        dialect.search(schema, &request)
    }

    fn args(&self, dialect: &Dialect, statement: &Statement) -> Result<Args> {
        let binds = bind::Binds {
            query: self.query,
            query_text: self.server_text.as_deref(),
            max_distance: self.options.max_distance,
            min_distance: self.options.min_distance,
            ..bind::Binds::default()
        };
        let mut args = dialect.args();
        bind::bind(dialect, statement, &binds, &mut args)?;
        Ok(args)
    }

    /// Runs the search and decodes each row with `decode` (`None`: the row has no distance), keeping at
    /// most `limit` rows that have one, after the first `offset` of them.
    ///
    /// Rows without a distance (a NULL vector; a zero vector under cosine, which TiDB and SQLite call NULL
    /// and MariaDB NaN) sort first, or anywhere, and cannot be left out by a `WHERE` without losing TiDB's
    /// vector index. So the statement fetches `reserve` more rows (and considers as many more candidates)
    /// than asked, counts the rows without a distance, and when they were more than `reserve`, runs again
    /// with twice their number: a table without such rows costs nothing more, one with them a query or a
    /// few (the room at least doubles each time).
    async fn run<T>(
        &self,
        session: &mut Session<'_>,
        columns: Option<&[&str]>,
        decode: impl FnMut(&crate::driver::Rows, usize) -> Result<Option<T>>,
    ) -> Result<Vec<T>> {
        match &self.semantic {
            None => self.run_vector(session, columns, decode).await,
            Some((text, embedder)) => {
                self.validate_options()?;
                let query = crate::embed::embed_query::<M>(*embedder, text, self.column).await?;
                self.with_query(&query)
                    .run_vector(session, columns, decode)
                    .await
            }
        }
    }

    /// [`Search::run`] with the query vector at hand.
    async fn run_vector<T>(
        &self,
        session: &mut Session<'_>,
        columns: Option<&[&str]>,
        mut decode: impl FnMut(&crate::driver::Rows, usize) -> Result<Option<T>>,
    ) -> Result<Vec<T>> {
        let mut reserve = 0;
        loop {
            let statement = self.render(session.dialect(), columns, reserve, false)?;
            let args = self.args(session.dialect(), &statement)?;
            let rows = match session.fetch_all(statement.sql, args).await {
                Ok(rows) => rows,
                Err(error) if self.server_text.is_some() => {
                    return Err(session.dialect().auto_embedding_refusal(error));
                }
                Err(error)
                    if error.server_error_kind() == Some(ServerErrorKind::DimensionMismatch) =>
                {
                    return Err(self
                        .stored_dimensions_differ(session)
                        .await?
                        .unwrap_or(error));
                }
                Err(error) => return Err(error),
            };
            let mut found = Vec::with_capacity(rows.len());
            let mut missing = 0;
            for row in 0..rows.len() {
                match decode(&rows, row)? {
                    Some(item) => found.push(item),
                    None => missing += 1,
                }
            }
            // Not one row had a distance: MariaDB's answer when the table's vectors have other dimensions
            // than the query (TiDB and sqlite-vec refuse instead). Asked only then.
            if found.is_empty()
                && missing > 0
                && reserve == 0
                && let Some(error) = self.stored_dimensions_differ(session).await?
            {
                return Err(error);
            }
            if missing <= reserve {
                found.truncate(self.options.limit.saturating_add(self.options.offset));
                found.drain(..self.options.offset.min(found.len()));
                return Ok(found);
            }
            reserve = missing.saturating_mul(2);
        }
    }

    /// The table's vectors have other dimensions than the model's (and so the query's): a
    /// [`SchemaMismatch`](crate::SchemaMismatch) that says so, read from one stored vector; `None` when they
    /// match or no vector is stored.
    async fn stored_dimensions_differ(&self, session: &mut Session<'_>) -> Result<Option<Error>> {
        let schema = self.schema();
        let sql = session.dialect().stored_dimensions(&schema);
        let rows = session.fetch_all(sql, crate::driver::Args::none()).await?;
        if rows.len() == 0 {
            return Ok(None);
        }
        let stored: i64 = rows.cell(0, 0).get().map_err(Error::Database)?;
        let column = schema.vector_column();
        let Ok(stored) = usize::try_from(stored) else {
            return Ok(None);
        };
        if stored == self.query.len() {
            return Ok(None);
        }
        Ok(Some(Error::SchemaMismatch(crate::SchemaMismatch {
            table: schema.table,
            differences: vec![crate::Difference::Dimensions {
                column: column.name,
                expected: self.query.len(),
                found: Some(stored),
            }],
        })))
    }

    /// Runs the search: rows nearest first, each with its key and distance.
    ///
    /// The query vector is checked first (dimensions, finite values, length, and non-zero for cosine), as
    /// are the limit and bounds; nothing is sent when they are wrong.
    pub async fn fetch<'c>(self, db: impl Executor<'c>) -> Result<Vec<Hit<M>>> {
        let mut session = db.__session("search", M::SCHEMA.table);
        let Some(rerank) = &self.rerank else {
            return self.fetch_in(&mut session).await;
        };
        if self.options.offset > 0 {
            return Err(Error::InvalidArgument(
                "a reranked search returns the best `limit` of its candidates; it has no pages (offset)"
                    .into(),
            ));
        }
        let limit = self.options.limit;
        let mut wide = self.clone();
        wide.rerank = None;
        wide.options.limit = rerank.depth(limit);
        let hits = wide.fetch_in(&mut session).await?;
        let scored = rerank.apply(hits, |hit| &hit.record, limit).await?;
        Ok(scored
            .into_iter()
            .map(|(mut hit, score)| {
                hit.rerank_score = Some(score);
                hit
            })
            .collect())
    }

    /// Refuses a rerank step on a fetch that reads no rows.
    fn refuse_rerank(&self, fetch: &str) -> Result<()> {
        match self.rerank {
            Some(_) => Err(Error::InvalidArgument(format!(
                "a reranked search needs the rows' text: use `fetch`, not `{fetch}`"
            ))),
            None => Ok(()),
        }
    }

    /// [`Search::fetch`] in a session (a hybrid search's vector half).
    pub(crate) async fn fetch_in(&self, session: &mut Session<'_>) -> Result<Vec<Hit<M>>> {
        let dialect = session.dialect();
        self.run(session, None, self.hit_reader(dialect)).await
    }

    /// [`Search::fetch_keys`] in a session (a hybrid search's vector half).
    pub(crate) async fn fetch_keys_in(
        &self,
        session: &mut Session<'_>,
    ) -> Result<Vec<(M::Key, f64)>> {
        self.run(session, Some(&[]), Self::key_reader).await
    }

    /// Reads a row of a full search into a [`Hit`]; `None` when it has no distance.
    fn hit_reader(
        &self,
        dialect: &'static Dialect,
    ) -> impl Fn(&crate::driver::Rows, usize) -> Result<Option<Hit<M>>> + use<M> {
        let schema = &M::SCHEMA;
        let distance_column = schema.columns.len();
        let cosine = self.options.metric == Metric::Cosine;
        let column = self.column;
        move |rows, row| {
            let Some(distance) = decode_distance(rows, row, distance_column)? else {
                return Ok(None);
            };
            let key = crate::model::read_key::<M>(rows, row, schema.key)?;
            let record = crate::model::read_record::<M>(rows, row, dialect)?;
            if cosine && is_zero_vector(&record, column) {
                // Cosine is undefined for a zero vector; MariaDB's text protocol (literal mode) shows it as 0.
                return Ok(None);
            }
            Ok(Some(Hit {
                key,
                distance,
                record,
                rerank_score: None,
            }))
        }
    }

    /// Reads a row of a keys-only search; `None` when it has no distance.
    fn key_reader(rows: &crate::driver::Rows, row: usize) -> Result<Option<(M::Key, f64)>> {
        Ok(match decode_distance(rows, row, 1)? {
            Some(distance) => Some((crate::model::read_key::<M>(rows, row, 0)?, distance)),
            None => None,
        })
    }

    /// Runs the search selecting only keys and distances: no row is read or decoded, and the vector column
    /// is not sent (TiDB's docs recommend leaving it out of the select list). Rows without a distance are
    /// left out as by [`Search::fetch`]; the one exception is MariaDB in [`literal`](Search::literal) mode,
    /// whose text protocol sends a zero vector's cosine as `0`, which this mode cannot tell from a real 0.
    pub async fn fetch_keys<'c>(self, db: impl Executor<'c>) -> Result<Vec<(M::Key, f64)>> {
        self.refuse_rerank("fetch_keys")?;
        self.run(
            &mut db.__session("search_keys", M::SCHEMA.table),
            Some(&[]),
            Self::key_reader,
        )
        .await
    }

    /// Runs the search selecting only the key, the named scalar columns (e.g. `[Model::FIELDS.title.name()]`)
    /// and the distance; the vector and other columns are neither sent nor decoded. Each [`PartialHit`] row
    /// holds the values in the order asked. A name that is not a scalar column of the model is an
    /// [`Error::InvalidArgument`]. The same caveat as [`Search::fetch_keys`] applies to literal mode on
    /// MariaDB.
    pub async fn fetch_columns<'c, I>(
        self,
        db: impl Executor<'c>,
        columns: I,
    ) -> Result<Vec<PartialHit<M::Key>>>
    where
        I: IntoIterator<Item = &'static str>,
    {
        self.refuse_rerank("fetch_columns")?;
        let schema = &M::SCHEMA;
        let mut names = Vec::new();
        let mut kinds = Vec::new();
        for name in columns {
            match schema
                .columns
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.kind)
            {
                Some(crate::ColumnKind::Scalar(kind)) => {
                    names.push(name);
                    kinds.push(kind);
                }
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "`{name}` is not a scalar column of `{}`",
                        schema.table
                    )));
                }
            }
        }
        self.run(
            &mut db.__session("search_columns", M::SCHEMA.table),
            Some(&names),
            |rows, row| {
                let Some(distance) = decode_distance(rows, row, names.len() + 1)? else {
                    return Ok(None);
                };
                let mut values = Vec::with_capacity(names.len());
                for (i, (name, kind)) in names.iter().zip(&kinds).enumerate() {
                    let value = crate::value::decode_value(rows.cell(row, i + 1), *kind).map_err(
                        |reason| Error::Decode {
                            column: name,
                            reason,
                        },
                    )?;
                    values.push((*name, value));
                }
                Ok(Some(PartialHit {
                    key: crate::model::read_key::<M>(rows, row, 0)?,
                    distance,
                    values,
                }))
            },
        )
        .await
    }

    /// The server's plan for this search (`EXPLAIN`, or SQLite's `EXPLAIN QUERY PLAN`), one line per plan
    /// row with its columns joined by tabs. On TiDB, a plan that uses the vector index shows `annIndex:`;
    /// on MariaDB, the vector column's name in the `key` column.
    pub async fn explain<'c>(self, db: impl Executor<'c>) -> Result<Vec<String>> {
        if let Some((text, embedder)) = &self.semantic {
            self.validate_options()?;
            let query = crate::embed::embed_query::<M>(*embedder, text, self.column).await?;
            return Box::pin(self.with_query(&query).explain(db)).await;
        }
        let mut session = db.__session("explain", M::SCHEMA.table);
        let dialect = session.dialect();
        // MariaDB cannot EXPLAIN a `SET STATEMENT ... FOR`; the setting does not change the plan.
        let statement = self.render(dialect, None, 0, true)?;
        let args = self.args(dialect, &statement)?;
        let rows = session
            .fetch_all(format!("{} {}", dialect.explain, statement.sql), args)
            .await?;
        Ok(rows.lines())
    }
}

/// A row's distance; `None` when it has none: SQL NULL, or NaN (MariaDB's cosine of a zero vector).
fn decode_distance(rows: &crate::driver::Rows, row: usize, column: usize) -> Result<Option<f64>> {
    let distance =
        <Option<f64> as ColumnType>::decode(rows.cell(row, column)).map_err(|reason| {
            Error::Decode {
                column: crate::dialect::DISTANCE_ALIAS,
                reason,
            }
        })?;
    Ok(distance.filter(|d| !d.is_nan()))
}

/// Whether the record's vector in the column at `column` is all zeros.
fn is_zero_vector<M: VectorModel>(record: &M, column: usize) -> bool {
    let mut values = Vec::new();
    record.__values(&mut values);
    values
        .get(column - usize::from(M::SCHEMA.hidden_key))
        .is_some_and(
            |value| matches!(value, crate::value::ValueRef::Vector(v) if v.iter().all(|x| *x == 0.0)),
        )
}
