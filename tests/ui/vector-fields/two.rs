use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    title_embedding: Vec<f32>,
    #[vector(dimensions = 3)]
    body_embedding: Vec<f32>,
}

fn main() {}
