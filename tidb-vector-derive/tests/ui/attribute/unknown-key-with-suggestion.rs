use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimension = 3)]
    embedding: Vec<f32>,
}

fn main() {}
