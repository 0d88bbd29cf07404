use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    id: Vec<f32>,
}

fn main() {}
