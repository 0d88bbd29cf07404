use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(rename = "_distance")]
    score: f64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
