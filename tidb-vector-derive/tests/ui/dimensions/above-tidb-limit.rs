use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 16384)]
    embedding: Vec<f32>,
}

fn main() {}
