use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    embedding: Vec<f32>,
}

fn main() {}
