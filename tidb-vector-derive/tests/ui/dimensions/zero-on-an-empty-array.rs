use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 0)]
    embedding: [f32; 0],
}

fn main() {}
