use tidb_vector_core::VectorModel;

const DIMS: usize = 4;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    embedding: [f32; DIMS],
}

fn main() {}
