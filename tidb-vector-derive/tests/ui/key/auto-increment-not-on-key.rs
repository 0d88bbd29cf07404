use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(auto_increment = false)]
    views: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
