//! Embedders: text in, vectors out. A model whose vector field declares `source = "<text field>"` fills
//! that vector from the text on insert, and searches from text with the same embedder.

use std::future::Future;
use std::pin::Pin;

use crate::error::{Error, Result};
use crate::model::VectorModel;

#[cfg(feature = "local-embeddings")]
mod local;
use crate::schema::ColumnKind;
#[cfg(feature = "local-embeddings")]
pub use local::SentenceTransformer;

/// The error an [`Embedder`] or a [`Reranker`](crate::Reranker) returns: any error, boxed (`?` converts
/// one into it, as it does a `String`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Turns texts into vectors: a client of an embedding service, a local model, a rig `EmbeddingModel`
/// (with the `rig` feature), or a closure ([`from_fn`]).
///
/// ```
/// use tidb_vector_core::{BoxError, Embedder};
///
/// /// A toy embedder: the counts of three letters.
/// struct Letters;
///
/// impl Embedder for Letters {
///     fn dimensions(&self) -> usize {
///         3
///     }
///     async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, BoxError> {
///         Ok(texts
///             .iter()
///             .map(|t| ['a', 'e', 'o'].map(|c| t.matches(c).count() as f32 + 0.5).to_vec())
///             .collect())
///     }
/// }
/// ```
pub trait Embedder: Send + Sync {
    /// The dimensions of every vector it returns: a column of other dimensions is an error before the
    /// embedder is called or any SQL is sent. 0 when not known in advance (then each vector it returns is
    /// checked against the column instead).
    fn dimensions(&self) -> usize;

    /// The most texts one call to [`embed`](Embedder::embed) takes (default 64): longer lists are sent
    /// in batches of this size, one after the other.
    fn max_batch(&self) -> usize {
        64
    }

    /// One vector for each text, in the order of `texts`. Vectors of other dimensions, a count other
    /// than the texts', or values that are not finite are refused ([`Error::Embed`]).
    fn embed(
        &self,
        texts: Vec<String>,
    ) -> impl Future<Output = std::result::Result<Vec<Vec<f32>>, BoxError>> + Send;
}

/// An [`Embedder`] from an async closure; see [`from_fn`].
#[derive(Clone)]
pub struct FnEmbedder<F> {
    dimensions: usize,
    max_batch: usize,
    embed: F,
}

impl<F> std::fmt::Debug for FnEmbedder<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnEmbedder")
            .field("dimensions", &self.dimensions)
            .field("max_batch", &self.max_batch)
            .finish_non_exhaustive()
    }
}

/// An [`Embedder`] of `dimensions` from a closure that embeds a batch of texts: for a service client
/// at hand, or a test.
///
/// ```
/// let embedder = tidb_vector_core::embed::from_fn(3, |texts: Vec<String>| async move {
///     Ok::<_, std::io::Error>(texts.iter().map(|t| vec![t.len() as f32, 1.0, 0.0]).collect())
/// });
/// # use tidb_vector_core::Embedder;
/// assert_eq!(embedder.dimensions(), 3);
/// ```
pub fn from_fn<F, Fut, E>(dimensions: usize, embed: F) -> FnEmbedder<F>
where
    F: Fn(Vec<String>) -> Fut + Send + Sync,
    Fut: Future<Output = std::result::Result<Vec<Vec<f32>>, E>> + Send,
    E: Into<BoxError>,
{
    FnEmbedder {
        dimensions,
        max_batch: 64,
        embed,
    }
}

impl<F> FnEmbedder<F> {
    /// The most texts one call of the closure takes (default 64; at least 1).
    pub fn max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch.max(1);
        self
    }
}

impl<F, Fut, E> Embedder for FnEmbedder<F>
where
    F: Fn(Vec<String>) -> Fut + Send + Sync,
    Fut: Future<Output = std::result::Result<Vec<Vec<f32>>, E>> + Send,
    E: Into<BoxError>,
{
    fn dimensions(&self) -> usize {
        self.dimensions
    }
    fn max_batch(&self) -> usize {
        self.max_batch
    }
    async fn embed(&self, texts: Vec<String>) -> std::result::Result<Vec<Vec<f32>>, BoxError> {
        (self.embed)(texts).await.map_err(Into::into)
    }
}

/// Any [`Embedder`] behind one type, cheap to clone: for an application that chooses its embedder at run
/// time (from its configuration) or keeps one in shared state, such as a web server's.
///
/// ```
/// use tidb_vector_core::embed::{self, BoxEmbedder};
/// use tidb_vector_core::Embedder;
///
/// let chosen: Option<BoxEmbedder> = Some(BoxEmbedder::new(embed::from_fn(3, |texts: Vec<String>| async move {
///     Ok::<_, std::io::Error>(texts.iter().map(|t| vec![t.len() as f32, 1.0, 0.0]).collect())
/// })));
/// assert_eq!(chosen.map(|e| e.dimensions()), Some(3));
/// ```
#[derive(Clone)]
pub struct BoxEmbedder(std::sync::Arc<dyn DynEmbedder>);

impl BoxEmbedder {
    /// Boxes `embedder`.
    pub fn new(embedder: impl Embedder + 'static) -> Self {
        BoxEmbedder(std::sync::Arc::new(embedder))
    }
}

impl std::fmt::Debug for BoxEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoxEmbedder")
            .field("dimensions", &self.0.dimensions())
            .field("max_batch", &self.0.max_batch())
            .finish_non_exhaustive()
    }
}

impl Embedder for BoxEmbedder {
    fn dimensions(&self) -> usize {
        self.0.dimensions()
    }
    fn max_batch(&self) -> usize {
        self.0.max_batch()
    }
    fn embed(
        &self,
        texts: Vec<String>,
    ) -> impl Future<Output = std::result::Result<Vec<Vec<f32>>, BoxError>> + Send {
        self.0.embed_boxed(texts)
    }
}

/// What [`DynEmbedder::embed_boxed`] returns.
type EmbedFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<Vec<Vec<f32>>, BoxError>> + Send + 'a>>;

/// An [`Embedder`] behind a reference of one type, for searches that hold it.
pub(crate) trait DynEmbedder: Send + Sync {
    fn dimensions(&self) -> usize;
    fn max_batch(&self) -> usize;
    fn embed_boxed(&self, texts: Vec<String>) -> EmbedFuture<'_>;
}

impl<E: Embedder> DynEmbedder for E {
    fn dimensions(&self) -> usize {
        Embedder::dimensions(self)
    }
    fn max_batch(&self) -> usize {
        Embedder::max_batch(self)
    }
    fn embed_boxed(&self, texts: Vec<String>) -> EmbedFuture<'_> {
        Box::pin(self.embed(texts))
    }
}

/// The dimensions of the vector column at `column` of `M`'s table.
fn column_dimensions<M: VectorModel>(column: usize) -> usize {
    match M::SCHEMA.columns[column].kind {
        ColumnKind::Vector { dimensions } => dimensions,
        ColumnKind::Scalar(_) => 0,
    }
}

/// Refuses an embedder whose vectors do not fit the vector column at `column`, before anything is sent.
pub(crate) fn check_dimensions<M: VectorModel>(
    embedder: &dyn DynEmbedder,
    column: usize,
) -> Result<()> {
    match embedder.dimensions() {
        0 => Ok(()),
        dimensions => check_length::<M>(dimensions, column, "the embedder makes vectors of"),
    }
}

/// Refuses a vector of `length` values for the vector column at `column`.
pub(crate) fn check_length<M: VectorModel>(length: usize, column: usize, what: &str) -> Result<()> {
    let expected = column_dimensions::<M>(column);
    if length == expected {
        return Ok(());
    }
    Err(Error::Embed {
        reason: format!(
            "{what} {length} dimensions, and the column `{}` of `{}` holds {expected}; \
             use an embedder of {expected} dimensions, or declare the field with `dimensions = {length}`",
            M::SCHEMA.columns[column].name,
            M::SCHEMA.table
        ),
        source: None,
    })
}

/// Embeds `texts` in batches of the embedder's `max_batch`, checking what comes back: one vector per text,
/// each of finite values (and of the embedder's declared dimensions, when it declares them).
pub(crate) async fn embed_all(
    embedder: &dyn DynEmbedder,
    texts: Vec<String>,
) -> Result<Vec<Vec<f32>>> {
    let mut vectors = Vec::with_capacity(texts.len());
    let batch = embedder.max_batch().max(1);
    let declared = embedder.dimensions();
    let mut texts = texts.into_iter().peekable();
    while texts.peek().is_some() {
        let chunk: Vec<String> = texts.by_ref().take(batch).collect();
        let asked = chunk.len();
        let answer = embedder
            .embed_boxed(chunk)
            .await
            .map_err(|source| Error::Embed {
                reason: "the embedder failed".into(),
                source: Some(source),
            })?;
        if answer.len() != asked {
            return Err(Error::Embed {
                reason: format!(
                    "the embedder returned {} vectors for {asked} texts",
                    answer.len()
                ),
                source: None,
            });
        }
        for vector in answer {
            if declared != 0 && vector.len() != declared {
                return Err(Error::Embed {
                    reason: format!(
                        "the embedder returned a vector of {} dimensions; it declares {declared}",
                        vector.len()
                    ),
                    source: None,
                });
            }
            if let Some(value) = vector.iter().find(|v| !v.is_finite()) {
                return Err(Error::Embed {
                    reason: format!("the embedder returned a vector holding {value}"),
                    source: None,
                });
            }
            vectors.push(vector);
        }
    }
    Ok(vectors)
}

/// Embeds one query text for a search of the vector column at `column`.
pub(crate) async fn embed_query<M: VectorModel>(
    embedder: &dyn DynEmbedder,
    text: &str,
    column: usize,
) -> Result<Vec<f32>> {
    check_dimensions::<M>(embedder, column)?;
    let vector = embed_all(embedder, vec![text.to_owned()])
        .await?
        .pop()
        .unwrap_or_default();
    check_length::<M>(vector.len(), column, "the embedder returned a vector of")?;
    Ok(vector)
}

/// Fills the empty source-declared vectors of `rows` (see [`VectorModel::embed_sources`]); returns how
/// many it filled.
pub(crate) async fn fill<M: VectorModel>(
    embedder: &dyn DynEmbedder,
    rows: &mut [M],
) -> Result<u64> {
    if M::__SOURCES.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "`{}` has no vector field with a `source`; declare one, e.g. \
             `#[vector(dimensions = 384, source = \"content\")]`, to fill it from that text",
            M::SCHEMA.table
        )));
    }
    for (column, _) in M::__SOURCES {
        check_dimensions::<M>(embedder, *column)?;
    }
    // (row, vector column) of each vector to fill, and its text.
    let mut targets = Vec::new();
    let mut texts = Vec::new();
    let mut found = Vec::new();
    for (row, record) in rows.iter().enumerate() {
        found.clear();
        record.__source_texts(&mut found);
        for (column, text) in &found {
            targets.push((row, *column));
            texts.push((*text).to_owned());
        }
    }
    let vectors = embed_all(embedder, texts).await?;
    for (&(_, column), vector) in targets.iter().zip(&vectors) {
        check_length::<M>(vector.len(), column, "the embedder returned a vector of")?;
    }
    let filled = vectors.len() as u64;
    for ((row, column), vector) in targets.into_iter().zip(vectors) {
        rows[row]
            .__set_vector(column, vector)
            .map_err(|reason| Error::Embed {
                reason,
                source: None,
            })?;
    }
    Ok(filled)
}
