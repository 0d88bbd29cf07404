use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(dimensions = 3, source = "content")]
    embedding: [f32; 3],
}

fn main() {}
