use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(max_length = 0)]
    title: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
