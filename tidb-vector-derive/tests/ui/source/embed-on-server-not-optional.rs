// A vector the server computes is never written and is NULL while its text is: it must be an Option.
use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(
        dimensions = 1024,
        source = "content",
        embed_on_server = "tidbcloud_free/amazon/titan-embed-text-v2"
    )]
    content_vector: Vec<f32>,
}

fn main() {}
