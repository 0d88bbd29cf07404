// TiDB Cloud embeds a text field: `embed_on_server` without `source` names none.
use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(dimensions = 1024, embed_on_server = "tidbcloud_free/amazon/titan-embed-text-v2")]
    content_vector: Option<Vec<f32>>,
}

fn main() {}
