use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    created: std::time::SystemTime,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
