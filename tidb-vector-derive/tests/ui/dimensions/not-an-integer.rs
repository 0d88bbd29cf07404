use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3.5)]
    embedding: Vec<f32>,
}

fn main() {}
