//! [`Search::fetch_stream`]: a search's rows, nearest first, a page at a time.

use std::collections::VecDeque;

use futures_core::Stream;

use super::{Hit, Search};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::VectorModel;

/// Where a streamed search stands: the rows of the page read last, not yet yielded, and the cursor after
/// the rows yielded so far.
struct Pages<'q, M: VectorModel> {
    /// The search as the caller set it up (its text already embedded).
    search: Search<'q, M>,
    /// The query vector (empty for a search whose text the server embeds).
    query: Vec<f32>,
    db: Db,
    page: usize,
    /// Rows the stream may still yield (the search's limit, less those yielded).
    remaining: usize,
    /// Rows of the offset still to pass over, unyielded (they move the cursor all the same).
    skip: usize,
    /// Rows with a distance passed so far: the offset's and the yielded.
    consumed: usize,
    /// The distance of the row yielded last, and the keys yielded at exactly that distance.
    after: Option<f64>,
    tied: Vec<M::Key>,
    rows: VecDeque<Hit<M>>,
    /// The last page was short: nothing after it.
    ended: bool,
}

impl<'q, M: VectorModel> Search<'q, M> {
    /// Streams the search's rows, nearest first, reading `page` rows at a time: memory for one page
    /// whatever the [`limit`](Search::limit), which caps the rows streamed (set it high for every row
    /// within a [`max_distance`](Search::max_distance)). Each page is a search of its own on `db`, from
    /// a cursor: the distance of the row yielded last (a `min_distance` bound) and the keys already
    /// yielded at that distance, so that ties that straddle pages are neither repeated nor skipped. Rows
    /// without a distance are left out as [`fetch`](Search::fetch) leaves them, each page by its own
    /// re-run, never yielded. An [`offset`](Search::offset) is passed over row by row (it moves the cursor
    /// too). A semantic search's text is embedded once, before the first page.
    ///
    /// Each row once, in `fetch`'s order, as long as the table does not change during the stream; rows
    /// written meanwhile are seen when they lie beyond the cursor. An exact search (SQLite,
    /// [`exact`](Search::exact), or no vector index) streams every row it matches; an index search is
    /// approximate as every index search is, page by page (on TiDB each page's inner query fetches the
    /// candidates before the cursor again, [`candidates`](Search::candidates) plus the rows consumed). A
    /// [reranked](Search::rerank) search cannot be streamed ([`Error::InvalidArgument`]), nor a `page`
    /// of 0. An error ends the stream; dropping it between or during pages is cancel-safe, as every
    /// operation on a `Db` is.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, Metric, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// use futures_util::StreamExt;
    /// let search = Document::search(&[1.0, 2.0, 3.0]).max_distance(0.3).limit(1_000_000).exact();
    /// let mut hits = std::pin::pin!(search.fetch_stream(db, 500));
    /// while let Some(hit) = hits.next().await {
    ///     let hit = hit?;
    /// #   let _ = hit;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn fetch_stream(
        self,
        db: &Db,
        page: usize,
    ) -> impl Stream<Item = Result<Hit<M>>> + Send + 'q {
        let remaining = self.options.limit;
        let skip = self.options.offset;
        let start = Pages {
            search: self,
            query: Vec::new(),
            db: db.clone(),
            page,
            remaining,
            skip,
            consumed: 0,
            after: None,
            tied: Vec::new(),
            rows: VecDeque::new(),
            ended: false,
        };
        futures_util::stream::unfold(Some((start, true)), |state| async move {
            let (mut pages, first) = state?;
            if first && let Err(error) = pages.begin().await {
                return Some((Err(error), None));
            }
            // A page of the offset's rows alone yields nothing: read on.
            while pages.rows.is_empty() && !pages.ended && pages.remaining > 0 {
                if let Err(error) = pages.next_page().await {
                    // The stream stops at an error: the next poll says it has ended.
                    return Some((Err(error), None));
                }
            }
            let hit = pages.rows.pop_front()?;
            Some((Ok(hit), Some((pages, false))))
        })
    }
}

impl<M: VectorModel> Pages<'_, M> {
    /// Checks what no page can change, and embeds a semantic search's text.
    async fn begin(&mut self) -> Result<()> {
        if self.page == 0 {
            return Err(Error::InvalidArgument(
                "fetch_stream reads pages of at least one row; give a page size of 1 or more"
                    .into(),
            ));
        }
        self.search.refuse_rerank("fetch_stream")?;
        self.search.validate_options()?;
        self.query = match &self.search.semantic {
            Some((text, embedder)) => {
                crate::embed::embed_query::<M>(*embedder, text, self.search.column).await?
            }
            None => self.search.query.to_vec(),
        };
        Ok(())
    }

    /// Reads the next page after the cursor: its rows pass over what is left of the offset, then go to
    /// `rows` (at most what the limit leaves).
    async fn next_page(&mut self) -> Result<()> {
        let mut search = self.search.with_query(&self.query);
        let options = &mut search.options;
        // The offset is passed over here, row by row, so that its rows move the cursor too.
        options.offset = 0;
        options.min_distance = self.after.or(options.min_distance);
        // Rows at the cursor's distance that were passed come back first, to be dropped.
        options.limit = self.page + self.tied.len();
        // The candidates of a search of one page, and those before the cursor again.
        let page = crate::dialect::SearchOptions {
            limit: self.page,
            offset: 0,
            ..self.search.options
        };
        options.candidates = Some(page.candidates().saturating_add(self.consumed));
        let asked = options.limit;
        let hits = search.fetch(&self.db).await?;
        self.ended = hits.len() < asked;
        let cursor = self.after;
        let fresh = hits
            .into_iter()
            .filter(|hit| !(Some(hit.distance) == cursor && self.tied.contains(&hit.key)))
            .collect::<Vec<_>>();
        for hit in fresh {
            if self.remaining == 0 {
                break;
            }
            if Some(hit.distance) != self.after {
                self.after = Some(hit.distance);
                self.tied.clear();
            }
            self.tied.push(hit.key.clone());
            self.consumed += 1;
            if self.skip > 0 {
                self.skip -= 1;
            } else {
                self.remaining -= 1;
                self.rows.push_back(hit);
            }
        }
        Ok(())
    }
}
