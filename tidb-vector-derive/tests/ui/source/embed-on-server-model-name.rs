// The model's name goes into the table's DDL: letters, digits and `_ - . / :` only (no quote can end it).
use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(dimensions = 1024, source = "content", embed_on_server = "titan', content)) STORED; --")]
    content_vector: Option<Vec<f32>>,
}

fn main() {}
