use tidb_vector_core::VectorModel;

struct Handle;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(skip)]
    handle: Handle,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
