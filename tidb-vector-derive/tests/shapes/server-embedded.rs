//! A vector TiDB Cloud embeds (`embed_on_server`): its column names the model and the source column (after
//! `rename`), and an embedder of the caller's never fills it (it is not among `__SOURCES`).
use tidb_vector_core::{ServerEmbedding, VectorModel};

#[derive(VectorModel)]
struct Page {
    #[vector(rename = "body")]
    text: String,
    #[vector(
        dimensions = 3,
        source = "text",
        embed_on_server = "tidbcloud_free/amazon/titan-embed-text-v2"
    )]
    by_server: Option<Vec<f32>>,
    #[vector(dimensions = 2, source = "text")]
    by_caller: Option<[f32; 2]>,
}

pub(crate) fn check() {
    let columns = Page::SCHEMA.columns;
    assert_eq!(
        columns[2].server_embedding,
        Some(ServerEmbedding {
            model: "tidbcloud_free/amazon/titan-embed-text-v2",
            source: "body",
        })
    );
    assert_eq!(columns[3].server_embedding, None);
    // Columns: the hidden `id` (0), `body` (1), `by_server` (2), `by_caller` (3).
    assert_eq!(Page::__SOURCES, &[(3, 1)]);
}
