use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    embedding: [f32; 4],
}

fn main() {}
