//! Full-text and hybrid search: [`TextSearch`] and [`HybridSearch`], their hits, and the full-text
//! indexes' upkeep around `create_table` and `drop_table`.

mod hybrid;

pub use hybrid::{HybridHit, HybridSearch};

use std::fmt;

use crate::bind;
use crate::dialect::{Dialect, words};
use crate::driver::Arg;
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::filter::Filter;
use crate::model::VectorModel;
use crate::schema::Schema;
use crate::session::Session;
use crate::value::ColumnType;

/// A full-text search; start one with [`VectorModel::search_text`].
///
/// The model's first `#[vector(fulltext)]` field is searched for any of the text's words (runs of letters
/// and digits; everything else separates them and is never query syntax), best matches first. On TiDB
/// this needs full-text search, which only TiDB Cloud Starter has: elsewhere the search fails with
/// [`Error::Unsupported`] rather than return nothing.
///
/// ```no_run
/// # use tidb_vector_core::{Db, VectorModel};
/// # #[derive(VectorModel)] struct Document { year: i32, #[vector(fulltext)] content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
/// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
/// let hits = Document::search_text("tropical fish")
///     .filter(Document::FIELDS.year.ge(2020))
///     .limit(5)
///     .fetch(db)
///     .await?;
/// for hit in hits {
///     println!("{} {:.3}", hit.record.content, hit.score);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a search does nothing until `fetch`"]
pub struct TextSearch<M> {
    text: String,
    limit: usize,
    offset: usize,
    filter: Option<Filter<M>>,
}

/// One row a [`TextSearch`] found.
pub struct TextHit<M: VectorModel> {
    /// The row's primary key.
    pub key: M::Key,
    /// How well the row matches, higher is better: BM25 on TiDB, InnoDB's relevance on MariaDB, FTS5's
    /// `bm25()` negated on SQLite. Scores are comparable within one search, not across backends.
    pub score: f64,
    /// The row.
    pub record: M,
}

impl<M: VectorModel + fmt::Debug> fmt::Debug for TextHit<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextHit")
            .field("key", &self.key)
            .field("score", &self.score)
            .field("record", &self.record)
            .finish()
    }
}

impl<M: VectorModel> TextSearch<M> {
    pub(crate) fn new(text: String) -> Self {
        TextSearch {
            text,
            limit: 10,
            offset: 0,
            filter: None,
        }
    }

    /// The most rows to return (default: 10). Must be at least 1.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Skips the first `offset` rows of the ranking (default 0): a page. Consecutive pages are slices of one
    /// ranking (best first, ties by key), so together they hold each matching row once.
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// Keep only rows that pass `filter` (combined with AND with an earlier one).
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.filter = Some(Filter::after(self.filter.take(), filter));
        self
    }

    /// Runs the search: the matching rows, best first (ties by key).
    pub async fn fetch<'c>(self, db: impl Executor<'c>) -> Result<Vec<TextHit<M>>> {
        let mut session = db.__session("search_text", M::SCHEMA.table);
        self.fetch_in(&mut session).await
    }

    pub(crate) async fn fetch_in(&self, session: &mut Session<'_>) -> Result<Vec<TextHit<M>>> {
        let hits = self.ranked(session, true).await?;
        Ok(hits
            .into_iter()
            .filter_map(|(key, score, record)| {
                Some(TextHit {
                    key,
                    score,
                    record: record?,
                })
            })
            .collect())
    }

    /// The matching rows' keys and scores only, best first (ties by key): a hybrid search's text half,
    /// which reads the records of the fused ranking's rows alone.
    pub(crate) async fn fetch_keys_in(
        &self,
        session: &mut Session<'_>,
    ) -> Result<Vec<(M::Key, f64)>> {
        let hits = self.ranked(session, false).await?;
        Ok(hits
            .into_iter()
            .map(|(key, score, _)| (key, score))
            .collect())
    }

    /// The page of matching rows, best first (ties by key), each with its record when `records`.
    async fn ranked(&self, session: &mut Session<'_>, records: bool) -> Result<Vec<Ranked<M>>> {
        let schema = &M::SCHEMA;
        let column = schema.fulltext_columns().next().ok_or_else(|| {
            Error::InvalidArgument(format!(
                "the model of `{}` has no full-text field; mark a String field `#[vector(fulltext)]`",
                schema.table
            ))
        })?;
        if self.limit == 0 {
            return Err(Error::InvalidArgument(
                "a text search's limit must be at least 1".into(),
            ));
        }
        let words = words(&self.text);
        if words.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "the search text {:?} has no words (letters or digits) to search for",
                self.text
            )));
        }
        // TiDB's full-text query takes no second sort key (its documented shape orders by the score
        // alone), so rows tied at the cut are whichever the server kept. One row more than asked tells: when
        // the last row fetched ties the last row kept, the tied rows may go on past it, and the query runs
        // again with twice the room; so the page holds the tied rows lowest in key order, on every backend.
        // MariaDB's and SQLite's statements order ties by key themselves, and fetch the page alone: ties at
        // the cut are common among InnoDB's relevance scores, and the second run took a hybrid search on real
        // text from 91 to 129 ms (medians, BENCHMARKS.md's corpus). A page fetches the rows before it too.
        let ties_by_key = session.dialect().text_ties_by_key();
        let rows = self.limit.saturating_add(self.offset);
        let mut fetch = rows.min(i64::MAX as usize - 1) + usize::from(!ties_by_key);
        let mut hits = loop {
            let hits = self
                .fetch_rows(session, column, &words, fetch, records)
                .await?;
            let complete = ties_by_key
                || hits.len() < fetch
                || hits.get(rows - 1).map(|h| h.1) != hits.last().map(|h| h.1);
            if complete || fetch >= i64::MAX as usize / 2 {
                break hits;
            }
            fetch *= 2;
        };
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hits.truncate(rows);
        hits.drain(..self.offset.min(hits.len()));
        Ok(hits)
    }

    /// One run of the text query for `fetch` rows, best score first (ties in the server's order); the
    /// whole rows when `records`, else keys and scores alone.
    async fn fetch_rows(
        &self,
        session: &mut Session<'_>,
        column: &crate::schema::Column,
        words: &[&str],
        fetch: usize,
        records: bool,
    ) -> Result<Vec<Ranked<M>>> {
        let schema = &M::SCHEMA;
        let dialect = session.dialect();
        let statement = dialect.text_search(
            schema,
            column,
            words,
            self.filter.as_ref().map(|f| &f.node),
            fetch,
            records,
        );
        let mut args = dialect.args();
        bind::bind(dialect, &statement, &bind::Binds::default(), &mut args)?;
        let rows = session
            .fetch_all(statement.sql, args)
            .await
            .map_err(|error| dialect.fulltext_refusal(error))?;
        let (key_column, score_column) = if records {
            (schema.key, schema.columns.len())
        } else {
            (0, 1)
        };
        let mut hits = Vec::with_capacity(rows.len());
        for row in 0..rows.len() {
            let score =
                <f64 as ColumnType>::decode(rows.cell(row, score_column)).map_err(|reason| {
                    Error::Decode {
                        column: crate::dialect::SCORE_ALIAS,
                        reason,
                    }
                })?;
            let record = if records {
                Some(crate::model::read_record::<M>(&rows, row, dialect)?)
            } else {
                None
            };
            hits.push((
                crate::model::read_key::<M>(&rows, row, key_column)?,
                score,
                record,
            ));
        }
        Ok(hits)
    }
}

/// A text search's row: its key, its score, and its record when it was read.
type Ranked<M> = (<M as VectorModel>::Key, f64, Option<M>);

/// After `CREATE TABLE`: SQLite's FTS5 tables and triggers, and when an FTS5 table is new, the indexing
/// of rows the table already had.
pub(crate) async fn create_fulltext(session: &mut Session<'_>, schema: &Schema) -> Result<()> {
    let dialect = session.dialect();
    let starter = session.on_tidb_cloud_starter();
    for (name, sql) in dialect.tidb_fulltext_indexes(schema, starter) {
        let rows = session
            .fetch_all(
                dialect.index_exists().into(),
                session.args_of(&[Arg::Text(schema.table), Arg::Text(&name)])?,
            )
            .await?;
        let count: i64 = rows.cell(0, 0).get().map_err(Error::Database)?;
        if count > 0 {
            continue;
        }
        // Outside TiDB Cloud Starter the index needs a TiFlash replica first, as a vector index does.
        let sent = async {
            if !starter
                && crate::index::lacks_tiflash_replica(session, schema).await?
                && let Some(replica) = dialect.set_tiflash_replica(schema)
            {
                session
                    .execute(replica, crate::driver::Args::none())
                    .await?;
            }
            session
                .execute(sql, crate::driver::Args::none())
                .await
                .map(|_| ())
        }
        .await;
        if let Err(error) = sent {
            match error {
                // This TiDB has no full-text search (only TiDB Cloud Starter does): the table stays
                // without the index, and text searches say so (`Unsupported`).
                Error::Server { .. } => tracing::warn!(
                    table = schema.table,
                    %error,
                    "no full-text index: this TiDB has no full-text search; text and hybrid searches will be refused"
                ),
                other => return Err(other),
            }
        }
    }
    let statements = dialect.fulltext_tables(schema);
    if statements.is_empty() {
        return Ok(());
    }
    let mut new = false;
    for column in schema.fulltext_columns() {
        let rows = session
            .fetch_all(
                dialect.sqlite_table_exists().into(),
                session.args_of(&[Arg::Text(&Dialect::fts5_table(schema, column))])?,
            )
            .await?;
        let count: i64 = rows.cell(0, 0).get().map_err(Error::Database)?;
        new |= count == 0;
    }
    for sql in statements {
        session.execute(sql, crate::driver::Args::none()).await?;
    }
    if new {
        for sql in dialect.fulltext_rebuild(schema) {
            session.execute(sql, crate::driver::Args::none()).await?;
        }
    }
    Ok(())
}

/// Before `DROP TABLE`: SQLite's FTS5 tables; TiDB's full-text indexes, which TiDB requires gone first
/// (their failures are ignored: a missing table or index, or a TiDB without full-text search).
pub(crate) async fn drop_fulltext(session: &mut Session<'_>, schema: &Schema) -> Result<()> {
    let dialect = session.dialect();
    for sql in dialect.fulltext_drops(schema) {
        match session.execute(sql, crate::driver::Args::none()).await {
            Err(Error::Server { .. }) if dialect.fulltext_drops_may_fail() => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
}
