use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(source = "content")]
    title: String,
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
