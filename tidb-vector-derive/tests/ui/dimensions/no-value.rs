use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions)]
    embedding: Vec<f32>,
}

fn main() {}
