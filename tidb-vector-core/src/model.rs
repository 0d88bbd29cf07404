//! The [`VectorModel`] trait: what `#[derive(VectorModel)]` implements, and every operation a model gets.

use std::borrow::Borrow;
use std::future::Future;
use std::pin::Pin;

use crate::bind::{self, RowReader};
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::filter::Filter;
use crate::schema::{Column, Metric, Schema};
use crate::search::{Hit, Search, VectorField};
use crate::value::{ColumnType, QueryVector, ValueRef};

mod load;
pub(crate) mod records;
mod stream;

pub(crate) use records::explain_refused_vector;

/// Reads row `row` of `rows` into `M`; a value the model cannot hold fails with the row's key named.
pub(crate) fn read_record<M: VectorModel>(
    rows: &crate::driver::Rows,
    row: usize,
    dialect: &crate::dialect::Dialect,
) -> Result<M> {
    let schema = &M::SCHEMA;
    M::__from_row(&mut RowReader::new(rows, row, schema, dialect)).map_err(|error| {
        Error::UnreadableRow {
            key: rows.cell(row, schema.key).text(),
            source: Box::new(error),
        }
    })
}

/// Reads the key in column `column` of row `row` (a key the model's type cannot hold is a decode error
/// naming the key column). Every read of a key from a result goes through here.
pub(crate) fn read_key<M: VectorModel>(
    rows: &crate::driver::Rows,
    row: usize,
    column: usize,
) -> Result<M::Key> {
    M::Key::decode(rows.cell(row, column)).map_err(|reason| Error::Decode {
        column: M::SCHEMA.key_column().name,
        reason,
    })
}

pub use load::{DEFAULT_BATCH_BYTES, DEFAULT_BATCH_ROWS, Load, LoadProgress};

/// A struct stored in a table with a vector column, searchable by distance.
///
/// Derive it; do not implement it by hand (the `__` items are the derive's and may change).
///
/// ```no_run
/// use tidb_vector_core::{Db, Metric, VectorModel};
///
/// #[derive(Debug, VectorModel)]
/// struct Document {
///     content: String,
///     #[vector(dimensions = 3)]
///     embedding: Vec<f32>,
/// }
///
/// # async fn run() -> tidb_vector_core::Result<()> {
/// let db = Db::from_env().await?;
/// Document::create_table(&db).await?;
/// Document { content: "dog".into(), embedding: vec![1.0, 2.0, 1.0] }.insert(&db).await?;
/// for hit in Document::nearest_by_cosine(&db, &[1.0, 2.0, 3.0], 3).await? {
///     println!("{} {:.6}", hit.record.content, hit.distance);
/// }
/// let close = Document::within_distance(&db, Metric::Cosine, &[1.0, 2.0, 3.0], 0.2, 10).await?;
/// # Ok(()) }
/// ```
pub trait VectorModel: Sized + Send + Sync + 'static {
    /// The primary key's type: `i64` for a model without a key field.
    type Key: ColumnType + Clone + Ord + Send + Sync + std::fmt::Debug + 'static;
    /// The (first) vector field's type without `Option`: decides which query vectors compile (see
    /// [`QueryVector`]).
    type Embedding;
    /// The table, as data.
    const SCHEMA: Schema;
    /// Typed handles on the columns, one public field per stored field of the model (and `id` for a hidden
    /// key): for [filters](crate::Filter) on scalar columns, `Document::FIELDS.year.ge(2020)`, and for
    /// [`search_on`](VectorModel::search_on) a vector field.
    type Fields: Copy;
    /// See [`VectorModel::Fields`].
    const FIELDS: Self::Fields;

    #[doc(hidden)]
    fn __key(&self) -> Option<Self::Key>;
    #[doc(hidden)]
    fn __key_from_generated(id: u64) -> Option<Self::Key>;
    #[doc(hidden)]
    fn __values<'a>(&'a self, out: &mut Vec<ValueRef<'a>>);
    #[doc(hidden)]
    fn __from_row(row: &mut RowReader<'_>) -> Result<Self>;
    /// (vector column, source column) of each vector field that declares a `source`.
    #[doc(hidden)]
    const __SOURCES: &'static [(usize, usize)] = &[];
    /// (vector column, text) of each source-declared vector left empty whose text is there.
    #[doc(hidden)]
    fn __source_texts<'a>(&'a self, out: &mut Vec<(usize, &'a str)>) {
        let _ = out;
    }
    /// Sets the vector field of the column at `column`.
    #[doc(hidden)]
    fn __set_vector(&mut self, column: usize, floats: Vec<f32>) -> std::result::Result<(), String> {
        let _ = floats;
        Err(format!(
            "no vector field with a `source` has column {column}"
        ))
    }

    /// Creates the table (and its vector index, where the model asks for one and the backend builds it
    /// with the table), unless a table of that name exists; then checks the table against the model, so
    /// that a table of another shape is [`Error::SchemaMismatch`] here rather than wrong answers later
    /// (see [`VectorModel::check_table`]).
    ///
    /// `#[vector(fulltext)]` fields get their full-text index: in the table on MariaDB; on SQLite an FTS5
    /// table and triggers beside it (rows already in the table are indexed when the FTS5 table is new);
    /// on TiDB an `ALTER TABLE ... ADD FULLTEXT INDEX` after it, unless the index exists. A TiDB without
    /// full-text search (all but TiDB Cloud Starter) refuses that statement: the table is kept without
    /// the index (a warning is logged), and [`VectorModel::search_text`] says
    /// [`Error::Unsupported`]. On SQLite a full-text field needs an integer key ([`Error::Unsupported`]
    /// otherwise, before anything is created).
    ///
    /// A vector embedded by the server (`embed_on_server`) is a generated column over TiDB Cloud's
    /// `EMBED_TEXT`: only TiDB Cloud Starter builds that table; MariaDB and SQLite refuse the model before
    /// any SQL, and a TiDB without auto-embedding after its answer, both with [`Error::Unsupported`].
    fn create_table<'c>(db: impl Executor<'c>) -> impl Future<Output = Result<()>> + Send {
        async move {
            let mut session = db.__session("create_table", Self::SCHEMA.table);
            session.dialect().check_key(&Self::SCHEMA)?;
            session.dialect().check_vector_indexes(&Self::SCHEMA)?;
            session.dialect().check_fulltext(&Self::SCHEMA)?;
            // TiDB's vector indexes (built on TiFlash) answer right from v8.5.1 on.
            if session.dialect().index_build == crate::dialect::IndexBuild::TiFlash
                && Self::SCHEMA.columns.iter().any(|c| c.index.is_some())
            {
                crate::index::warn_below_vector_index_floor(&mut session, Self::SCHEMA.table).await;
            }
            let dialect = session.dialect();
            let sql = dialect.create_table(&Self::SCHEMA);
            session
                .execute(sql, crate::driver::Args::none())
                .await
                .map_err(|error| {
                    if Self::SCHEMA.columns.iter().any(Column::is_generated) {
                        dialect.auto_embedding_refusal(error)
                    } else {
                        error
                    }
                })?;
            crate::text_search::create_fulltext(&mut session, &Self::SCHEMA).await?;
            crate::table_check::check(&mut session, &Self::SCHEMA).await
        }
    }

    /// Compares the live table with the model: every column's presence, type, nullability and (for
    /// vectors) dimensions, the key, `NOT NULL` columns the model would not write, and the vector index's
    /// metric where the model declares one (TiDB and MariaDB). Returns [`Error::SchemaMismatch`] with each
    /// difference, in words that say what to do. Columns the model does not know are fine when an insert
    /// may leave them out.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, Error, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// if let Err(Error::SchemaMismatch(mismatch)) = Document::check_table(db).await {
    ///     for difference in &mismatch.differences {
    ///         eprintln!("{difference}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    fn check_table<'c>(db: impl Executor<'c>) -> impl Future<Output = Result<()>> + Send {
        async move {
            let mut session = db.__session("check_table", Self::SCHEMA.table);
            session.dialect().check_key(&Self::SCHEMA)?;
            crate::table_check::check(&mut session, &Self::SCHEMA).await
        }
    }

    /// The statements that create the model's table (and its vector index, where declared and the backend
    /// builds it with the table) on `backend`, without a trailing `;`: for a migration file, e.g. one of
    /// sqlx's migrations, when a team keeps its schema there rather than calling
    /// [`create_table`](VectorModel::create_table).
    ///
    /// ```
    /// use tidb_vector_core::{Backend, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    ///
    /// let ddl = Document::ddl(Backend::TiDb)?;
    /// assert!(ddl[0].contains("`embedding` VECTOR(3) NOT NULL"));
    /// # Ok::<(), tidb_vector_core::Error>(())
    /// ```
    ///
    /// [`Error::Unsupported`] where the backend cannot build the model's table, as `create_table` says.
    fn ddl(backend: crate::Backend) -> Result<Vec<String>> {
        let dialect = crate::dialect::Dialect::of(backend);
        dialect.check_key(&Self::SCHEMA)?;
        dialect.check_vector_indexes(&Self::SCHEMA)?;
        dialect.check_fulltext(&Self::SCHEMA)?;
        let mut statements = vec![dialect.create_table(&Self::SCHEMA)];
        statements.extend(
            dialect
                // Full-text search on TiDB is TiDB Cloud Starter's: its form of the statement.
                .tidb_fulltext_indexes(&Self::SCHEMA, true)
                .into_iter()
                .map(|(_, sql)| sql),
        );
        statements.extend(dialect.fulltext_tables(&Self::SCHEMA));
        statements.extend(dialect.fulltext_rebuild(&Self::SCHEMA));
        Ok(statements)
    }

    /// Drops the table if it exists, with all its rows.
    fn drop_table<'c>(db: impl Executor<'c>) -> impl Future<Output = Result<()>> + Send {
        async move {
            let mut session = db.__session("drop_table", Self::SCHEMA.table);
            crate::text_search::drop_fulltext(&mut session, &Self::SCHEMA).await?;
            let sql = session.dialect().drop_table(&Self::SCHEMA);
            session.execute(sql, crate::driver::Args::none()).await?;
            Ok(())
        }
    }

    /// Adds the vector index for `metric` to an existing table: on TiDB, `ALTER TABLE ... SET TIFLASH
    /// REPLICA 1` when the table has no TiFlash replica yet (a table with more keeps them), then `ALTER
    /// TABLE ... ADD VECTOR INDEX ... USING HNSW`; on MariaDB, `ALTER TABLE ... ADD VECTOR INDEX`. SQLite has
    /// no vector index: [`Error::Unsupported`].
    ///
    /// On TiDB the `ADD VECTOR INDEX` statement returns only when TiFlash has indexed the existing rows:
    /// minutes for a large table (TiDB's docs cite about 20 minutes for 500 MiB of 768-dimension vectors),
    /// during which a client or proxy timeout can cut the connection while the build goes on (see
    /// [`VectorModel::vector_index_progress`]). Declaring the index on the model (`index = "cosine"`), so
    /// that `create_table` builds it with the empty table, avoids the wait. A cluster without TiFlash
    /// answers with [`ServerErrorKind::MissingTiFlashReplica`](crate::ServerErrorKind::MissingTiFlashReplica).
    fn create_vector_index<'c>(
        db: impl Executor<'c>,
        metric: Metric,
    ) -> impl Future<Output = Result<()>> + Send {
        async move {
            let mut session = db.__session("create_vector_index", Self::SCHEMA.table);
            if !metric.is_indexable() {
                return Err(Error::InvalidArgument(format!(
                    "TiDB indexes only cosine and L2 distances, not {metric}"
                )));
            }
            let set_tiflash_replica =
                crate::index::lacks_tiflash_replica(&mut session, &Self::SCHEMA).await?;
            let statements = session
                .dialect()
                .add_vector_index(&Self::SCHEMA, metric, set_tiflash_replica)
                .ok_or_else(|| Error::Unsupported {
                    backend: session.backend(),
                    what: format!("a {metric} vector index"),
                })?;
            for statement in statements {
                session
                    .execute(statement, crate::driver::Args::none())
                    .await?;
            }
            Ok(())
        }
    }

    /// How far the model's vector index has been built, or `None` when the table has none. TiDB builds it
    /// on TiFlash: progress is read from `INFORMATION_SCHEMA.TIFLASH_INDEXES` for this index only (by its
    /// name), counted once per row however many TiFlash replicas the table has, and an index that TiFlash
    /// has not reported on yet comes back with [`IndexProgress::reported`](crate::IndexProgress::reported) `false`. MariaDB builds it at
    /// once. On TiDB `ADD VECTOR INDEX` itself waits for the build, so call this from another task or
    /// process while [`create_vector_index`](VectorModel::create_vector_index) runs.
    fn vector_index_progress<'c>(
        db: impl Executor<'c>,
    ) -> impl Future<Output = Result<Option<crate::IndexProgress>>> + Send {
        async move {
            crate::index::progress(
                &mut db.__session("vector_index_progress", Self::SCHEMA.table),
                &Self::SCHEMA,
            )
            .await
        }
    }

    /// The row with this key, if any.
    fn get<'c>(
        db: impl Executor<'c>,
        key: &Self::Key,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        async move {
            let mut session = db.__session("get", Self::SCHEMA.table);
            let dialect = session.dialect();
            let statement = dialect.get(&Self::SCHEMA);
            let args = records::record_args::<Self>(dialect, &statement, None, Some(key))?;
            let rows = session.fetch_all(statement.sql, args).await?;
            if rows.len() == 0 {
                return Ok(None);
            }
            read_record::<Self>(&rows, 0, dialect).map(Some)
        }
    }

    /// The first `limit` rows in key order, each with its key.
    fn list<'c>(
        db: impl Executor<'c>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(Self::Key, Self)>>> + Send {
        Self::list_after(db, None, limit)
    }

    /// The next `limit` rows in key order after the row with key `after` (from the first row when `None`),
    /// each with its key: walks a table of any size a page at a time, holding one page.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, VectorModel};
    /// # #[derive(VectorModel)] struct Document { id: i64, content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// let mut after = None;
    /// loop {
    ///     let page = Document::list_after(db, after, 1000).await?;
    ///     let Some((last, _)) = page.last() else { break };
    ///     after = Some(*last);
    ///     // ... use the page ...
    /// }
    /// # Ok(()) }
    /// ```
    fn list_after<'c>(
        db: impl Executor<'c>,
        after: Option<Self::Key>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(Self::Key, Self)>>> + Send {
        async move {
            let schema = &Self::SCHEMA;
            let mut session = db.__session("list_after", Self::SCHEMA.table);
            let dialect = session.dialect();
            let statement = dialect.list_after(schema, after.is_some(), limit);
            let args = records::record_args::<Self>(dialect, &statement, None, after.as_ref())?;
            let rows = session.fetch_all(statement.sql, args).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in 0..rows.len() {
                let key = read_key::<Self>(&rows, row, schema.key)?;
                let record = read_record::<Self>(&rows, row, dialect)?;
                out.push((key, record));
            }
            Ok(out)
        }
    }

    /// Every row of the table in key order, as a [`Stream`](futures_core::Stream) of `(key, row)`, read
    /// `page` rows at a time with [`list_after`](VectorModel::list_after), so that memory holds one page
    /// however large the table. Each page is its own operation on `db`: dropping the stream (between
    /// pages or during one) is cancel-safe as every operation on a [`Db`](crate::Db) is. A read that
    /// fails ends the stream with its error. Rows written during the walk are seen when their keys lie
    /// after the page read last.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// use futures_util::StreamExt;
    /// let mut rows = std::pin::pin!(Document::stream_all(db, 1_000));
    /// while let Some(row) = rows.next().await {
    ///     let (key, document) = row?;
    /// #   let _ = (key, document);
    /// }
    /// # Ok(()) }
    /// ```
    fn stream_all(
        db: &crate::Db,
        page: usize,
    ) -> impl futures_core::Stream<Item = Result<(Self::Key, Self)>> + Send + 'static
    where
        Self: Send + 'static,
    {
        stream::stream_all::<Self>(db, page)
    }

    /// Replaces every column but the key of the row with this key by `record`'s values; returns whether a
    /// row had that key.
    fn update<'c>(
        db: impl Executor<'c>,
        key: &Self::Key,
        record: &Self,
    ) -> impl Future<Output = Result<bool>> + Send {
        async move {
            let mut session = db.__session("update", Self::SCHEMA.table);
            let statement = session.dialect().update(&Self::SCHEMA);
            let done = records::execute(&mut session, statement, Some(record), Some(key)).await?;
            // `rows_affected` counts rows found, not only rows changed (sqlx asks MySQL-protocol servers
            // for found rows), so an update that changes nothing still reports its row.
            Ok(done.rows_affected > 0)
        }
    }

    /// Inserts `record` under `key`, or replaces the row that has that key.
    fn upsert<'c>(
        db: impl Executor<'c>,
        key: &Self::Key,
        record: &Self,
    ) -> impl Future<Output = Result<()>> + Send {
        async move {
            let mut session = db.__session("upsert", Self::SCHEMA.table);
            let statement = session.dialect().upsert(&Self::SCHEMA);
            records::execute(&mut session, statement, Some(record), Some(key)).await?;
            Ok(())
        }
    }

    /// Deletes the row with this key; returns whether there was one.
    fn delete<'c>(
        db: impl Executor<'c>,
        key: &Self::Key,
    ) -> impl Future<Output = Result<bool>> + Send {
        async move {
            let mut session = db.__session("delete", Self::SCHEMA.table);
            let statement = session.dialect().delete(&Self::SCHEMA, None);
            let done = records::execute::<Self>(&mut session, statement, None, Some(key)).await?;
            Ok(done.rows_affected > 0)
        }
    }

    /// Deletes the rows matching `filter`; returns how many.
    fn delete_where<'c>(
        db: impl Executor<'c>,
        filter: Filter<Self>,
    ) -> impl Future<Output = Result<u64>> + Send {
        async move {
            let mut session = db.__session("delete_where", Self::SCHEMA.table);
            let statement = session.dialect().delete(&Self::SCHEMA, Some(filter.node()));
            let done = records::execute::<Self>(&mut session, statement, None, None).await?;
            Ok(done.rows_affected)
        }
    }

    /// The number of rows.
    fn count<'c>(db: impl Executor<'c>) -> impl Future<Output = Result<u64>> + Send {
        async move { records::count::<Self>(&mut db.__session("count", Self::SCHEMA.table), None).await }
    }

    /// The number of rows matching `filter`.
    fn count_where<'c>(
        db: impl Executor<'c>,
        filter: Filter<Self>,
    ) -> impl Future<Output = Result<u64>> + Send {
        async move {
            records::count::<Self>(
                &mut db.__session("count_where", Self::SCHEMA.table),
                Some(filter.node()),
            )
            .await
        }
    }

    /// Inserts this row and returns its key (the one the database assigned when the model's key is
    /// unset). The vector is checked before anything is sent.
    fn insert<'c>(&self, db: impl Executor<'c>) -> impl Future<Output = Result<Self::Key>> + Send {
        async move {
            let schema = &Self::SCHEMA;
            let mut session = db.__session("insert", Self::SCHEMA.table);
            let dialect = session.dialect();
            let mut values = Vec::with_capacity(schema.columns.len());
            self.__values(&mut values);
            let mut args = session.args();
            bind::encode_row(dialect, schema.field_columns(), &values, &mut args)?;
            let done = match session.execute(dialect.insert(schema, 1), args).await {
                Ok(done) => done,
                Err(error) => {
                    return crate::in_doubt::settle_insert(&mut session, self, error).await;
                }
            };
            if let Some(key) = self.__key() {
                return Ok(key);
            }
            done.last_insert_id
                .and_then(Self::__key_from_generated)
                .ok_or_else(|| Error::Decode {
                    column: schema.key_column().name,
                    reason: format!(
                        "the database assigned key {:?}, which does not fit the key type",
                        done.last_insert_id
                    ),
                })
        }
    }

    /// Inserts many rows in one transaction, with multi-row statements sized under the driver's
    /// parameter limit, a few MiB each and never over the server's `max_allowed_packet` (a row too large
    /// for any statement is [`Error::TooLarge`], before it is sent). All rows are stored or none: a bad
    /// vector or a server error rolls back what the call had sent. Takes rows by value or by reference,
    /// from any iterator, and encodes one statement at a time, each value copied once into the driver's
    /// buffer. On a [`Db`](crate::Db) it also keeps the rows of its first 16 MiB of statements (a
    /// reference costs nothing to keep; a row taken by value is moved, not copied), to encode and send
    /// them again after a transient error: see [`RetryPolicy`](crate::RetryPolicy). Returns the number of
    /// rows inserted.
    ///
    /// When the connection fails after its `COMMIT` went out (on a [`Db`](crate::Db)), the call reads
    /// whether its first row exists and returns what happened: `Ok` when the rows are stored, the error when
    /// they are not; [`Error::CommitInDoubt`] only when the server cannot be reached to tell (settle it
    /// later with [`Error::rows_stored`]; retrying blindly could store every row twice).
    ///
    /// One transaction has a ceiling on TiDB: at its defaults a transaction fails with
    /// [`ServerErrorKind::TooLarge`](crate::ServerErrorKind::TooLarge) at its 1 GiB memory quota (about
    /// 345,000 rows of 768 dimensions, or 87,000 of 3,072), and only after the whole upload; TiDB Cloud
    /// Starter ends transactions after 30 minutes. For large data use [`VectorModel::load`], which
    /// commits in batches.
    fn insert_many<'c, I>(
        db: impl Executor<'c>,
        rows: I,
    ) -> impl Future<Output = Result<u64>> + Send
    where
        I: IntoIterator + Send,
        I::IntoIter: Send,
        I::Item: Borrow<Self> + Send,
    {
        async move {
            records::insert_many::<Self, I>(
                &mut db.__session("insert_many", Self::SCHEMA.table),
                rows,
                false,
            )
            .await
        }
    }

    /// Inserts many rows, each replacing the row that has its key if there is one, in one transaction:
    /// the statements, sizes, retries and all-or-nothing of [`insert_many`](VectorModel::insert_many), as
    /// `INSERT ... ON DUPLICATE KEY UPDATE` (TiDB, MariaDB) or `INSERT ... ON CONFLICT DO UPDATE` (SQLite,
    /// whose full-text tables follow through their triggers). Returns the number of rows written. The keys
    /// come from the rows: a model whose key is a hidden `id` is [`Error::InvalidArgument`]; a row without
    /// a key (an auto key left `None`) is inserted. Two rows with one key in a call: the last one stays.
    ///
    /// When the connection fails after the `COMMIT` went out, nothing in the table tells whether the upserts
    /// committed (their rows may have been there before), so a retry (when the [`RetryPolicy`](
    /// crate::RetryPolicy) allows) sends them again, and otherwise the error is [`Error::CommitInDoubt`]
    /// without a probe: sending the same call again is safe, as upserts are.
    fn upsert_many<'c, I>(
        db: impl Executor<'c>,
        rows: I,
    ) -> impl Future<Output = Result<u64>> + Send
    where
        I: IntoIterator + Send,
        I::IntoIter: Send,
        I::Item: Borrow<Self> + Send,
    {
        async move {
            if Self::SCHEMA.hidden_key {
                return Err(Error::InvalidArgument(format!(
                    "upsert_many needs each row's key, and `{}` has no key field (its key is a hidden `id`): \
                     add a `#[vector(key)]` field, or use upsert(key, row) one row at a time",
                    Self::SCHEMA.table
                )));
            }
            records::insert_many::<Self, I>(
                &mut db.__session("upsert_many", Self::SCHEMA.table),
                rows,
                true,
            )
            .await
        }
    }

    /// Fills the vector fields that declare a `source` (`#[vector(dimensions = 384, source =
    /// "content")]`) and were left empty (an empty `Vec`, `Vector` or `None`), each with `embedder`'s
    /// vector of its source text, in batches of the embedder's [`max_batch`](Embedder::max_batch); a
    /// `None` text leaves its vector as it is. Returns how many vectors it filled. Sends no SQL: an
    /// embedder of other dimensions than the column's, or one that fails, is [`Error::Embed`] with every
    /// row as it was. A model without a `source` is [`Error::InvalidArgument`].
    fn embed_sources<E: Embedder>(
        embedder: &E,
        rows: &mut [Self],
    ) -> impl Future<Output = Result<u64>> + Send {
        crate::embed::fill::<Self>(embedder, rows)
    }

    /// Inserts this row as [`insert`](VectorModel::insert) does after filling its empty `source` vectors
    /// with `embedder` (see [`embed_sources`](VectorModel::embed_sources)); a failing embedder stores
    /// nothing and leaves the row as it was.
    fn insert_embedded<'c, E: Embedder>(
        &mut self,
        db: impl Executor<'c>,
        embedder: &E,
    ) -> impl Future<Output = Result<Self::Key>> + Send {
        async move {
            crate::embed::fill::<Self>(embedder, std::slice::from_mut(self)).await?;
            self.insert(db).await
        }
    }

    /// Inserts many rows in one transaction, as [`insert_many`](VectorModel::insert_many) does, after
    /// filling their empty `source` vectors with `embedder` in batches (see
    /// [`embed_sources`](VectorModel::embed_sources)). Every text is embedded before the transaction
    /// begins, so a slow embedder holds no locks and a failing one stores nothing. For more rows than
    /// memory holds, [`load`](VectorModel::load) with [`Load::embed_with`] embeds a batch at a time.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, VectorModel};
    /// #[derive(VectorModel)]
    /// struct Document {
    ///     content: String,
    ///     #[vector(dimensions = 3, source = "content")]
    ///     embedding: Vec<f32>,
    /// }
    /// # async fn run(db: &Db, embedder: impl tidb_vector_core::Embedder) -> tidb_vector_core::Result<()> {
    /// let rows = ["dog", "fish", "tree"].map(|t| Document { content: t.into(), embedding: vec![] });
    /// Document::insert_many_embedded(db, &embedder, rows).await?;
    /// let hits = Document::search_semantic(&embedder, "a pet").limit(2).fetch(db).await?;
    /// # Ok(()) }
    /// ```
    fn insert_many_embedded<'c, E, I>(
        db: impl Executor<'c>,
        embedder: &E,
        rows: I,
    ) -> impl Future<Output = Result<u64>> + Send
    where
        E: Embedder,
        I: IntoIterator<Item = Self> + Send,
        I::IntoIter: Send,
    {
        async move {
            let mut rows: Vec<Self> = rows.into_iter().collect();
            crate::embed::fill::<Self>(embedder, &mut rows).await?;
            Self::insert_many(db, &rows).await
        }
    }

    /// Loads rows of any number in batches, each committed on its own (bounded by rows and bytes: see
    /// [`Load`]), streaming them from the iterator with memory for one batch. Await it for the
    /// [`LoadProgress`] at the end; [`Load::on_progress`] reports every committed batch.
    ///
    /// Not all-or-nothing, unlike [`insert_many`](VectorModel::insert_many): when it stops on an error,
    /// the error is [`Error::Load`], whose `committed` says how many rows from the start of the input are
    /// stored, and [`Error::rows_stored`] the same with a batch in doubt settled, so that the load can
    /// resume exactly there. A batch that fails with a transient error is sent again whole (see
    /// [`RetryPolicy`](crate::RetryPolicy)); one whose commit answer was lost is settled by reading the
    /// table, and the load goes on when it committed. Runs on a [`Db`](crate::Db)'s pool only, as its
    /// batches commit.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, Error, VectorModel};
    /// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
    /// # fn documents() -> impl Iterator<Item = Document> + Send { std::iter::empty() }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// let loaded = Document::load(db, documents())
    ///     .on_progress(|p| eprintln!("{} rows, {:.0} rows/s", p.rows, p.rows_per_second()))
    ///     .await;
    /// match loaded {
    ///     Ok(done) => println!("{} rows in {} batches", done.rows, done.batches),
    ///     Err(error @ Error::Load { .. }) => {
    ///         // Resume where it stopped (a lost commit answer settled by reading the table).
    ///         let stored = error.rows_stored(db).await?;
    ///         Document::load(db, documents().skip(stored as usize)).await?;
    ///     }
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(()) }
    /// ```
    fn load<'a, I>(db: &'a crate::Db, rows: I) -> Load<'a, Self, I::IntoIter>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'a,
        I::Item: Borrow<Self> + Send,
    {
        Load::new(db, rows.into_iter())
    }

    /// Starts a search for the rows nearest to `query` (cosine distance and 10 rows unless set otherwise),
    /// by the model's first vector field. (The shortcuts below search it too; [`VectorModel::search_on`]
    /// searches another.)
    fn search<Q>(query: &Q) -> Search<'_, Self>
    where
        Q: QueryVector<Self::Embedding> + ?Sized,
    {
        Search::new(query.query_floats())
    }

    /// Starts a search for the rows nearest to `text`, embedded with `embedder` when the search runs: by
    /// the first vector field that declares a `source` (the first vector field when none does), cosine
    /// distance and 10 rows unless set otherwise, with every option of [`Search`]. Use the embedder that
    /// embedded the rows. An embedder of other dimensions than the field's is [`Error::Embed`] before
    /// anything is sent.
    fn search_semantic<'e, E: Embedder>(
        embedder: &'e E,
        text: impl Into<String>,
    ) -> Search<'e, Self> {
        Search::semantic(semantic_column::<Self>(), embedder, text.into())
    }

    /// Starts a search for the rows nearest to `text` by the vector field that TiDB Cloud embeds
    /// (`#[vector(dimensions = 1024, source = "content", embed_on_server = "<model>")]`; the first such
    /// field): the server embeds `text` with the column's own model (`VEC_EMBED_COSINE_DISTANCE`, or
    /// `VEC_EMBED_L2_DISTANCE` with [`Search::metric`]`(Metric::L2)`), the text bound as a parameter. Every
    /// option of [`Search`] applies but [`literal`](Search::literal).
    ///
    /// TiDB Cloud Starter only: elsewhere [`Error::Unsupported`] (MariaDB and SQLite before any SQL, a TiDB
    /// without auto-embedding from its answer). A model without such a field is
    /// [`Error::InvalidArgument`] when the search runs.
    ///
    /// ```
    /// # use tidb_vector_core::{Backend, VectorModel};
    /// #[derive(VectorModel)]
    /// struct Document {
    ///     content: String,
    ///     #[vector(dimensions = 1024, source = "content",
    ///              embed_on_server = "tidbcloud_free/amazon/titan-embed-text-v2")]
    ///     content_vector: Option<Vec<f32>>,
    /// }
    /// let statement = Document::search_server_semantic("renewable energy").limit(3).statement(Backend::TiDb)?;
    /// assert!(statement.sql.contains("VEC_EMBED_COSINE_DISTANCE(`content_vector`, ?)"));
    /// # Ok::<(), tidb_vector_core::Error>(())
    /// ```
    fn search_server_semantic(text: impl Into<String>) -> Search<'static, Self> {
        let column = Self::SCHEMA
            .columns
            .iter()
            .position(Column::is_generated)
            .unwrap_or(Self::SCHEMA.vector);
        Search::server_semantic(column, text.into())
    }

    /// Starts a hybrid search from text alone: `text` is both the full-text query and, embedded with
    /// `embedder`, the vector half's query (by the field [`search_semantic`](VectorModel::search_semantic)
    /// searches). See [`HybridSearch`](crate::HybridSearch).
    fn search_hybrid_semantic<'e, E: Embedder>(
        embedder: &'e E,
        text: impl Into<String>,
    ) -> crate::HybridSearch<'e, Self> {
        crate::HybridSearch::semantic(semantic_column::<Self>(), embedder, text.into())
    }

    /// Starts many searches with the same options, one per query vector, sent together (up to 32 in one
    /// statement): each result list is what [`search`](VectorModel::search) returns for that vector. See
    /// [`SearchMany`](crate::SearchMany).
    fn search_many<Q>(queries: &[Q]) -> crate::SearchMany<'_, Self>
    where
        Q: QueryVector<Self::Embedding>,
    {
        crate::SearchMany::new(queries.iter().map(|q| q.query_floats()).collect())
    }

    /// Starts a full-text search of the model's first `#[vector(fulltext)]` field for any of the words
    /// of `text`, best matches first (see [`TextSearch`](crate::TextSearch)). On TiDB only TiDB Cloud
    /// Starter has full-text search; elsewhere the search is [`Error::Unsupported`].
    fn search_text(text: impl Into<String>) -> crate::TextSearch<Self> {
        crate::TextSearch::new(text.into())
    }

    /// Starts a hybrid search: the rows nearest to `query` by the first vector field and the rows that
    /// best match `text` by the first full-text field, each search fetching its best candidates, merged
    /// by reciprocal rank fusion unless told otherwise (see [`HybridSearch`](crate::HybridSearch)).
    fn search_hybrid<Q>(query: &Q, text: impl Into<String>) -> crate::HybridSearch<'_, Self>
    where
        Q: QueryVector<Self::Embedding> + ?Sized,
    {
        crate::HybridSearch::new(query.query_floats(), text.into())
    }

    /// Starts a search by the vector field `field`, a handle from `Self::FIELDS`: for models with several
    /// vector fields. The query must fit that field's type (an `[f32; N]` field takes `[f32; N]` queries
    /// only), and a handle of a scalar field is not a `VectorField`, so neither mistake compiles.
    ///
    /// ```no_run
    /// # use tidb_vector_core::{Db, VectorModel};
    /// #[derive(VectorModel)]
    /// struct Product {
    ///     name: String,
    ///     #[vector(dimensions = 3)]
    ///     text_embedding: Vec<f32>,
    ///     #[vector(dimensions = 2)]
    ///     image_embedding: [f32; 2],
    /// }
    /// # async fn run(db: &Db) -> tidb_vector_core::Result<()> {
    /// let by_image = Product::search_on(Product::FIELDS.image_embedding, &[0.5, 0.5])
    ///     .limit(5)
    ///     .fetch(db)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    fn search_on<E, Q>(field: VectorField<Self, E>, query: &Q) -> Search<'_, Self>
    where
        Q: QueryVector<E> + ?Sized,
    {
        Search::on(field.column(), query.query_floats())
    }

    /// The `k` rows nearest to `query` by cosine distance, nearest first.
    ///
    /// On TiDB this is the query shape that a cosine vector index serves. Rows whose distance is undefined
    /// (a stored zero vector, a NULL vector) are left out without taking a place: `k` rows come back when
    /// the table has `k` rows with a distance (see [`Search`]).
    fn nearest_by_cosine<'a, Q>(
        db: impl Executor<'a> + 'a,
        query: &'a Q,
        k: usize,
    ) -> SearchFuture<'a, Self>
    where
        Q: QueryVector<Self::Embedding> + ?Sized + Sync,
    {
        nearest::<Self, Q>(db, query, k, Metric::Cosine)
    }

    /// The `k` rows nearest to `query` by Euclidean (L2) distance, nearest first.
    fn nearest_by_l2<'a, Q>(
        db: impl Executor<'a> + 'a,
        query: &'a Q,
        k: usize,
    ) -> SearchFuture<'a, Self>
    where
        Q: QueryVector<Self::Embedding> + ?Sized + Sync,
    {
        nearest::<Self, Q>(db, query, k, Metric::L2)
    }

    /// The `k` rows nearest to `query` by Manhattan (L1) distance, nearest first (never index-assisted).
    fn nearest_by_l1<'a, Q>(
        db: impl Executor<'a> + 'a,
        query: &'a Q,
        k: usize,
    ) -> SearchFuture<'a, Self>
    where
        Q: QueryVector<Self::Embedding> + ?Sized + Sync,
    {
        nearest::<Self, Q>(db, query, k, Metric::L1)
    }

    /// The `k` rows with the largest inner product with `query` (smallest negative inner product) first
    /// (never index-assisted).
    fn nearest_by_negative_inner_product<'a, Q>(
        db: impl Executor<'a> + 'a,
        query: &'a Q,
        k: usize,
    ) -> SearchFuture<'a, Self>
    where
        Q: QueryVector<Self::Embedding> + ?Sized + Sync,
    {
        nearest::<Self, Q>(db, query, k, Metric::NegativeInnerProduct)
    }

    /// Rows whose `metric` distance to `query` is below `max_distance`, nearest first, at most `limit`.
    ///
    /// On TiDB the threshold is applied to the nearest `10 × limit` candidates found the index-eligible way
    /// (see [`Search::candidates`]), so a row within the threshold but outside those candidates is missed;
    /// raise `candidates` through [`VectorModel::search`] when that matters.
    fn within_distance<'a, Q>(
        db: impl Executor<'a> + 'a,
        metric: Metric,
        query: &'a Q,
        max_distance: f64,
        limit: usize,
    ) -> SearchFuture<'a, Self>
    where
        Q: QueryVector<Self::Embedding> + ?Sized + Sync,
    {
        Box::pin(
            Self::search(query)
                .metric(metric)
                .max_distance(max_distance)
                .limit(limit)
                .fetch(db),
        )
    }
}

/// The future of a search shortcut. Boxed so that its type does not depend on the query vector's type:
/// a query of the wrong type is then reported once, at the call.
pub type SearchFuture<'a, M> = Pin<Box<dyn Future<Output = Result<Vec<Hit<M>>>> + Send + 'a>>;

/// The vector column a semantic search of `M` ranks by: the first that declares a `source`, else the
/// first.
fn semantic_column<M: VectorModel>() -> usize {
    M::__SOURCES
        .first()
        .map_or(M::SCHEMA.vector, |(column, _)| *column)
}

/// The body of the `nearest_by_*` shortcuts: the `k` nearest rows by `metric`.
fn nearest<'a, M, Q>(
    db: impl Executor<'a> + 'a,
    query: &'a Q,
    k: usize,
    metric: Metric,
) -> SearchFuture<'a, M>
where
    M: VectorModel,
    Q: QueryVector<M::Embedding> + ?Sized + Sync,
{
    Box::pin(M::search(query).metric(metric).limit(k).fetch(db))
}
