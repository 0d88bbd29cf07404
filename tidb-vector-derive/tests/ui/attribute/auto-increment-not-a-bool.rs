use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(key, auto_increment = "no")]
    id: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
