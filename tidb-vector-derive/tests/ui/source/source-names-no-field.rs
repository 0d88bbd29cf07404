use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(dimensions = 3, source = "contnet")]
    embedding: Vec<f32>,
}

fn main() {}
