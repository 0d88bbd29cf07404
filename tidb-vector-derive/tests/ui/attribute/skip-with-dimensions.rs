use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(skip, dimensions = 3)]
    scratch: Vec<f32>,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
