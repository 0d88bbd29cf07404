use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3, index = "l1")]
    embedding: Vec<f32>,
}

fn main() {}
