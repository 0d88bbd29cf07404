use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(skip = true)]
    scratch: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
