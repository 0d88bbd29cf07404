use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    views: i64,
    #[vector(dimensions = 3, source = "views")]
    embedding: Vec<f32>,
}

fn main() {}
